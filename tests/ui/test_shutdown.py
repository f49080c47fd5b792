"""Finding 13: the files a server wrote (exports, Gradio's copies, uploads) go when it stops,
and those of a server killed with -9 go when the next one starts. `assistant serve` runs as a
real process with its own temp folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from gradio_client import Client

from tests.conftest import ROOT
from tests.ui.conftest import free_port

COMPLAINT = (
    "I asked the council to escalate my complaint to stage two. The council refused to take "
    "it to stage two, so I never got an independent investigation."
)


def start_server(index: Path, tmpdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "assistant.cli", "serve", "--llm", "fake"]
    server = subprocess.Popen(
        [*command, "--index", str(index), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
        try:
            if httpx.get(url + "config", timeout=2).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise AssertionError("the server did not start")


def roots_of(tmpdir: Path, server: subprocess.Popen) -> list[Path]:
    return [
        root
        for root in tmpdir.glob("lgsco-exports-*")
        if (root / ".owner-pid").is_file() and (root / ".owner-pid").read_text() == str(server.pid)
    ]


def draft(url: str) -> None:
    client = Client(url, verbose=False)
    status, _, _ = client.predict(COMPLAINT, None, "", "2", "council", api_name="/draft")
    assert "Drafted with" in status
    client.close()


def test_a_servers_files_go_when_it_stops_and_a_killed_ones_when_the_next_starts(
    built_index, tmp_path: Path
) -> None:
    # What `kill -9` leaves: a folder with an export, owned by a process that is gone.
    gone = subprocess.Popen(["true"])
    gone.wait()
    left = tmp_path / "lgsco-exports-killed"
    (left / "session-1" / "0a1b").mkdir(parents=True)
    (left / "session-1" / "0a1b" / "lgsco-draft.docx").write_bytes(b"PK a draft")
    (left / ".owner-pid").write_text(str(gone.pid))

    server, url = start_server(built_index.dir, tmp_path)
    assert not left.exists(), "the killed server's files outlived the next start"
    draft(url)
    [mine] = roots_of(tmp_path, server)
    assert list(mine.rglob("lgsco-draft.docx"))  # the export and Gradio's copy
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    assert not mine.exists(), "the stopped server's files are still on disk"
    assert list(tmp_path.glob("lgsco-exports-*")) == []
