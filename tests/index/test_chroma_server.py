"""The same ingest against a real Chroma server (`chroma run`) on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.index import Index
from assistant.index.ingest import Ingestor
from tests.conftest import CORPUS, make_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def chroma_server(tmp_path: Path) -> Iterator[str]:
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    process = subprocess.Popen(
        [
            chroma,
            "run",
            "--path",
            str(tmp_path / "server-data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("chroma run did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_ingest_and_query_through_a_chroma_server(tmp_path: Path, chroma_server: str) -> None:
    settings = make_settings(tmp_path / "index", chroma_url=chroma_server)
    index = Index(settings, create=True)
    summary = Ingestor(index).run([CORPUS / "decisions"])
    assert summary.added == 5
    assert index.vectors.count() == 84
    assert not (tmp_path / "index" / "chroma").exists()  # nothing embedded locally
    query = index.embedder.encode_query("payment for delay in a stage two complaint")
    hits = index.vectors.query(query, 3, details=True)
    assert len(hits) == 3 and all(h.metadata["ref"] for h in hits)
    again = Ingestor(Index(settings)).run([CORPUS / "decisions"])
    assert again.unchanged == 5 and again.paragraphs_embedded == 0
