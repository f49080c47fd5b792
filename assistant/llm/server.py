"""Run the embedded model behind an OpenAI-compatible endpoint on 127.0.0.1.

Started as a child process (`python -m assistant.llm.server MODEL PORT CTX THREADS`) so a
slow generation never holds the parent's interpreter; it prints `READY <url>` once the
model is loaded and serves until its parent closes its standard input or it is signalled.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    import xllamacpp

    model, port, context, threads = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    params = xllamacpp.CommonParams()
    params.model.path = model
    params.n_ctx = context
    params.n_predict = 1024
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.verbosity = 1
    server = xllamacpp.Server(params)
    print(f"READY {server.listening_address}", flush=True)
    sys.stdin.read()  # returns when the parent exits or closes the pipe
    del server
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
