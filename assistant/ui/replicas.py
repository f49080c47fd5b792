"""Several app processes behind one address: `assistant serve --replicas N`.

One Python process answers one question at a time per core it gets; a team shares the app,
so N processes serve from one built index (readers only: none of them writes) behind
nginx on the one address. A browser is pinned to the process that served its first
request (a cookie naming it), because Gradio keeps each session's queue, login and drafts
in that process's memory. A new browser goes to the next process in turn; if its process
is gone, the others stand in (the page then starts a new session). Nothing is logged.

nginx comes from the system (Debian's `nginx` package): it is the well-kept piece for
this, where a proxy written here would not be. With the Chroma server (`LGSCO_CHROMA_URL`)
the processes share one copy of the vectors; embedded, each holds its own (2.7 GB at 1M
paragraphs), so the server is the shape for a large corpus.
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from assistant.errors import InputError

log = logging.getLogger(__name__)

COOKIE = "lgsco_replica"
MAX_REPLICAS = 16


def nginx_config(
    *, host: str, port: int, app_ports: Sequence[int], folder: Path, max_upload_bytes: int
) -> str:
    """nginx's configuration: `host:port` in front of the apps on 127.0.0.1:`app_ports`,
    its pid, error log and buffers under `folder`."""
    servers = [f"127.0.0.1:{p}" for p in app_ports]
    upstreams = "".join(
        [
            "    upstream fresh {\n"
            + "".join(f"        server {s};\n" for s in servers)
            + "    }\n",
            *(
                f"    upstream r{i} {{\n        server {s};\n"
                + "".join(f"        server {o} backup;\n" for o in servers if o != s)
                + "    }\n"
                for i, s in enumerate(servers)
            ),
        ]
    )
    pinned = "".join(f'        "{i}" r{i};\n' for i in range(len(servers)))
    served = "".join(f'        "{s}" "{i}";\n' for i, s in enumerate(servers))
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Uploads are checked by the app (a clear message); nginx only stops what is far over.
    body_limit = max(1, 2 * max_upload_bytes // 1_000_000 + 1)
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    cookie = f"{COOKIE}=$served_index; Path=/; HttpOnly; SameSite=Strict"
    return f"""# Written by `assistant serve --replicas {len(servers)}` (assistant/ui/replicas.py).
{user}worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}    client_max_body_size {body_limit}m;
{upstreams}    # The process a browser is pinned to, by its cookie; none yet: the next in turn.
    map $cookie_{COOKIE} $pinned {{
        default fresh;
{pinned}    }}
    # Which process answered (after a stand-in, the last one tried).
    map $upstream_addr $served_by {{
        default "";
        ~(?:^|,\\s*)(?<last>[^,\\s]+)$ $last;
    }}
    map $served_by $served_index {{
        default "";
{served}    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" "";
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://$pinned;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            # Answers stream (server-sent events): pass each piece on as it comes.
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 600s;
            add_header Set-Cookie "{cookie}" always;
        }}
    }}
}}
"""


def find_nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if not found:
        raise InputError(
            "--replicas needs nginx in front of the app processes, and it is not installed: "
            "install Debian's nginx package (apt-get install nginx), or serve one process."
        )
    return found


def free_ports(count: int) -> list[int]:
    """Free ports of 127.0.0.1, ascending (replica i serves on the i-th)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return sorted(int(s.getsockname()[1]) for s in sockets)
    finally:
        for s in sockets:
            s.close()


def serve_replicas(
    replicas: int, *, host: str, port: int, app_args: Sequence[str], max_upload_bytes: int
) -> None:
    """Run `replicas` app processes (`assistant serve` with `app_args`) on free ports of
    127.0.0.1 and nginx on `host:port` in front, until Ctrl+C or SIGTERM; then stop them
    all (each app removes its own files)."""
    if not 2 <= replicas <= MAX_REPLICAS:
        raise InputError(f"--replicas must be between 2 and {MAX_REPLICAS}, not {replicas}")
    nginx = find_nginx()
    folder = Path(tempfile.mkdtemp(prefix="lgsco-replicas-"))
    os.chmod(folder, 0o700)
    app_ports = free_ports(replicas)
    config = folder / "nginx.conf"
    config.write_text(
        nginx_config(
            host=host,
            port=port,
            app_ports=app_ports,
            folder=folder,
            max_upload_bytes=max_upload_bytes,
        )
    )
    checked = subprocess.run(
        [nginx, "-t", "-q", "-p", str(folder), "-c", str(config)], capture_output=True, text=True
    )
    if checked.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise InputError(f"nginx refused its configuration: {checked.stderr.strip()}")
    serve = [sys.executable, "-m", "assistant.cli", "serve", *app_args]

    def start(app_port: int) -> subprocess.Popen:
        return subprocess.Popen([*serve, "--host", "127.0.0.1", "--port", str(app_port)])

    apps: list[subprocess.Popen] = []
    front: subprocess.Popen | None = None  # nginx, once the apps listen
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        apps.extend(start(app_port) for app_port in app_ports)
        _wait_until_listening(app_ports, apps)
        front = subprocess.Popen(
            [nginx, "-p", str(folder), "-c", str(config), "-g", "daemon off;"],
            stderr=subprocess.DEVNULL,
        )
        restarts: list[float] = []
        while front.poll() is None:
            for i, app in enumerate(apps):
                if app.poll() is None:
                    continue
                # Its browsers go to the others meanwhile (nginx's backups); restarted,
                # unless processes keep dying (then something is wrong with them all).
                now = time.monotonic()
                restarts = [t for t in restarts if now - t < 60] + [now]
                if len(restarts) > 2 * replicas:
                    raise InputError(
                        f"app processes stopped {len(restarts)} times in a minute (the last "
                        f"with exit {app.returncode}); everything is stopped"
                    )
                log.warning(
                    "app process on port %d stopped (exit %s); restarting it",
                    app_ports[i],
                    app.returncode,
                )
                apps[i] = start(app_ports[i])
            time.sleep(0.5)
        raise InputError(
            f"nginx stopped (exit {front.returncode}); the app processes are stopped too. "
            f"Its log: {folder}/error.log"
        )
    except KeyboardInterrupt:
        pass
    finally:
        children = [*apps, *([front] if front else [])]
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
        _clear(folder)


def _clear(folder: Path) -> None:
    """Remove nginx's working folder, all but an error log with something in it (a process
    that died leaves one), which is named for the user to read."""
    log_file = folder / "error.log"
    if not log_file.exists() or not log_file.stat().st_size:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for item in folder.iterdir():
        if item.is_dir():
            shutil.rmtree(item)
        elif item != log_file:
            item.unlink()
    log.warning("nginx logged errors while serving; its log is kept at %s", log_file)


def _wait_until_listening(ports: Sequence[int], children: Sequence[subprocess.Popen]) -> None:
    """Until every app accepts connections, so the address answers only when all do."""
    waiting = list(ports)
    deadline = time.monotonic() + 600
    while waiting:
        for child in children:
            if child.poll() is not None:
                raise InputError(f"an app process stopped while starting (exit {child.returncode})")
        if time.monotonic() > deadline:
            raise InputError(f"the app processes on ports {waiting} did not start in 10 minutes")
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", waiting[0])) == 0:
                waiting.pop(0)
                continue
        time.sleep(0.25)
