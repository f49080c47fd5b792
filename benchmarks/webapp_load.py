"""The web app under many users: per-route latency while answers stream.

    PYTHONPATH=. .venv/bin/python benchmarks/webapp_load.py [--users 20] [--seconds 120]
        [--index DIR] [--token-delay 0.12] [--ramp-up 2] [--code CHECKOUT] [--replicas N]

Builds the sample index in a temporary folder (unless --index is given), starts
`assistant serve --llm fake` in its own process on 127.0.0.1 (the fake model paced at
--token-delay seconds a token, so answers stream for several seconds; with --replicas N,
N app processes behind nginx), then:

1. `/search` alone, one user, 40 calls: the unloaded figure;
2. --users gradio_client users for --seconds, each cycling through /search, /ask, /respond
   (the Ask tab, streamed, with its .docx export), /decision, /remedies and /draft (a .docx
   upload), every file checked to be its user's own (see tests/ui/load.py).

Prints calls, errors and p50 / p95 / max per route, and the loaded / unloaded ratio of the
`/search` p95. Target: 0 errors, `/search` p95 under 1 s while answers stream.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from tests.ui.load import LoadReport, User, run_load

ROOT = Path(__file__).resolve().parent.parent
INGEST = [sys.executable, "-m", "assistant.cli", "ingest"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    index: Path, port: int, token_delay: float, code: Path, replicas: int = 1
) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(code),
        "LGSCO_LLM__FAKE_TOKEN_DELAY_S": str(token_delay),
    }
    command = [sys.executable, "-m", "assistant.cli", "serve", "--llm", "fake"]
    if replicas > 1:
        command += ["--replicas", str(replicas)]
    server = subprocess.Popen(
        [*command, "--index", str(index), "--port", str(port)],
        env=env,
        cwd=code,  # `python -m` imports from the working directory first
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/config", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not start within 180 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--index", type=Path, help="an index to serve (default: build one)")
    parser.add_argument("--token-delay", type=float, default=0.12)
    parser.add_argument(
        "--ramp-up", type=float, default=2.0, help="users arrive over this many s (0: at once)"
    )
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="serve the app from another checkout, for a before / after comparison "
        "(e.g. git archive <commit> | tar -x -C DIR)",
    )
    parser.add_argument(
        "--replicas", type=int, default=1, help="app processes behind nginx (needs nginx)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        index = args.index
        if index is None:
            index = work / "index"
            subprocess.run(
                [*INGEST, str(ROOT / "corpus"), "--index", str(index), "--json"],
                check=True,
                stdout=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        port = free_port()
        server = start_server(index, port, args.token_delay, args.code, args.replicas)
        url = f"http://127.0.0.1:{port}/"
        try:
            alone = LoadReport(users=1, seconds=0)
            user = User(0, url, work, alone)
            user.search()  # warm
            for _ in range(40):
                started = time.monotonic()
                user.search()
                alone.record("search", time.monotonic() - started)
            user.client.close()
            print(
                f"/search alone: p50 {alone.percentile('search', 0.5):.3f} s, "
                f"p95 {alone.percentile('search', 0.95):.3f} s (40 calls)"
            )
            report = run_load(
                url,
                users=args.users,
                seconds=args.seconds,
                workdir=work,
                ramp_up=args.ramp_up,
            )
            print(report.table())
            for error in report.errors[:10]:
                print("  error:", error)
            ratio = report.percentile("search", 0.95) / alone.percentile("search", 0.95)
            print(f"/search p95 loaded / alone: {ratio:.1f}x")
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
