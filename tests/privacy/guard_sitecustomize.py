"""Installed as `sitecustomize` in a child process: every outbound connection (and name
lookup) to anything but this machine is recorded to $LGSCO_GUARD_LOG and refused."""

import json
import os
import socket
import sys

_LOG = os.environ["LGSCO_GUARD_LOG"]
_LOCAL = {"127.0.0.1", "::1", "localhost", "::ffff:127.0.0.1", ""}


def _host(event: str, args: tuple) -> str | None:
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[-1]
        if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", None):
            return None
        host = address[0] if isinstance(address, tuple) and address else address
    else:
        return None
    if host is None:
        return None
    return host.decode() if isinstance(host, bytes) else str(host)


def _guard(event: str, args: tuple) -> None:
    host = _host(event, args)
    if host is None or host in _LOCAL or host.startswith("127."):
        return
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps({"event": event, "host": host, "pid": os.getpid()}) + "\n")
    raise PermissionError(f"outbound connection to {host} refused by the test guard")


sys.addaudithook(_guard)
