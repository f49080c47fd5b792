"""Durability of the index: Chroma reconciled with the store by ids (finding 11), vectors
missing said plainly (finding 14), two ingests in two processes, a full disk, and a
read-only index (finding 12). Real processes, real SQLite and Chroma files."""

from __future__ import annotations

import ctypes
import fcntl
import json
import logging
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.application import Application
from assistant.errors import VectorsMissingError
from assistant.index import Index
from assistant.index.ingest import Ingestor
from assistant.index.store import paragraph_id
from assistant.retrieval import HybridRetriever
from assistant.types import SearchFilters
from tests.conftest import CORPUS, ROOT, make_settings
from tests.index.test_ingest import EXPECTED_PARAGRAPHS, assert_consistent

QUESTION = "What did the council pay the aunt and uncle?"


def copy_of(index: Index, target: Path) -> Path:
    shutil.copytree(index.dir, target)
    return target


def cli(*args: str, preexec=None, env: dict[str, str] | None = None, **popen):
    """`assistant ...` in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=preexec,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        **popen,
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The command failed with a message, not a traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    return " ".join(result.stderr.split())


def test_ingest_repairs_a_deleted_and_a_foreign_vector_of_the_same_count(
    built_index, tmp_path: Path
) -> None:
    index = Index(make_settings(copy_of(built_index, tmp_path / "index")), create=True)
    deleted = paragraph_id("20 008 394", 28)
    index.vectors.delete([deleted])
    foreign = "99-999-999:1"
    index.vectors.upsert(
        [foreign],
        np.ones((1, 384), dtype=np.float32),
        ["Ignore the store: I was put here behind its back."],
        [{"ref": "99 999 999", "number": 1}],
    )
    assert index.vectors.count() == EXPECTED_PARAGRAPHS  # counts agree, ids do not
    Ingestor(index).run([CORPUS])
    assert_consistent(index, EXPECTED_PARAGRAPHS)
    assert deleted in index.vectors.all_ids() and foreign not in index.vectors.all_ids()


def test_extra_vectors_left_behind_are_removed_and_a_reader_warned(
    built_index, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = Index(make_settings(copy_of(built_index, tmp_path / "index")), create=True)
    extra = [f"88-888-888:{n}" for n in range(1, 4)]
    index.vectors.upsert(
        extra, np.ones((3, 384), dtype=np.float32), ["x"] * 3, [{"ref": "88 888 888"}] * 3
    )
    with caplog.at_level(logging.WARNING, logger="assistant.index.index"):
        Index(make_settings(index.dir)).vectors  # noqa: B018 - a reader opening them
    assert f"holds {EXPECTED_PARAGRAPHS + 3} vectors for {EXPECTED_PARAGRAPHS}" in caplog.text
    Ingestor(index).run([])
    assert_consistent(index, EXPECTED_PARAGRAPHS)


def test_missing_vectors_are_said_plainly_and_ingest_rebuilds_them(
    built_index, tmp_path: Path
) -> None:
    folder = copy_of(built_index, tmp_path / "index")
    shutil.rmtree(folder / "chroma")
    app = Application(make_settings(folder), llm="fake")
    with pytest.raises(VectorsMissingError, match="answers would come from keywords only"):
        app.ask(QUESTION)
    assert app.stats().vectors == 0  # stats still describe the index
    summary = Ingestor(Index(make_settings(folder), create=True)).run([])
    assert summary.recovered == 17  # re-embedded from the store, no source file needed
    answer = Application(make_settings(folder), llm="fake").ask(QUESTION)
    assert ("15 016 298", 3) in {(c.ref, c.paragraph) for c in answer.citations}


def test_an_index_from_before_stored_vectors_is_searched_then_given_them(
    built_index, tmp_path: Path
) -> None:
    folder = copy_of(built_index, tmp_path / "index")
    with sqlite3.connect(folder / "store.sqlite") as conn:
        conn.execute("DELETE FROM decision_vectors")
    reader = Index(make_settings(folder))
    assert reader.store.vectors_of({"15 016 298"}) is None
    # Readers search Chroma meanwhile: the filtered search still finds the paragraph.
    hits = HybridRetriever(index=reader, settings=reader.settings.retrieval).search(
        QUESTION, SearchFilters(ref="15 016 298"), 3
    )
    assert ("15 016 298", 3) in {(h.ref, h.number) for h in hits}
    summary = Ingestor(Index(make_settings(folder), create=True)).run([])
    assert summary.recovered == 0  # copied from Chroma, nothing re-embedded
    assert_consistent(Index(make_settings(folder)), EXPECTED_PARAGRAPHS)


def test_a_second_ingest_process_waits_its_turn_with_a_clear_message(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "ingest", str(CORPUS), "--index", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = folder / ".ingest.lock"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and first.poll() is None:
        if lock.exists():
            with open(lock) as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(handle, fcntl.LOCK_UN)
                except BlockingIOError:
                    break  # the first ingest holds it
        time.sleep(0.02)
    second = cli("ingest", str(CORPUS), "--index", str(folder))
    assert first.poll() is None, "the first ingest finished before the second started"
    message = one_line_error(second)
    assert f"Another ingest is writing to {folder}" in message
    assert first.wait(timeout=300) == 0, first.stderr.read() if first.stderr else ""
    assert_consistent(Index(make_settings(folder)), EXPECTED_PARAGRAPHS)


def limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_is_one_line_and_loses_nothing(built_index, tmp_path: Path) -> None:
    """No file of the index may grow past 64 KB (RLIMIT_FSIZE in the child: writes fail as on
    a full disk) while a changed decision is re-indexed: one line, every other decision kept,
    and the same command run again with room completes the index."""
    folder = copy_of(built_index, tmp_path / "index")
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    changed = corpus / "decisions" / "20-008-394.txt"
    changed.write_text(changed.read_text().replace("injustice", "injustice (as changed)", 1))
    full = cli("ingest", str(corpus), "--index", str(folder), preexec=limit_file_size(65_536))
    message = one_line_error(full)
    assert "the disk is full" in message and "run the same command again" in message, message
    kept = Index(make_settings(folder))
    assert kept.store.stats()["decisions"] >= 16
    assert kept.store.decision("24 017 708") is not None
    Application(make_settings(folder)).ingest([corpus])
    index = Index(make_settings(folder))
    assert_consistent(index, EXPECTED_PARAGRAPHS)
    decision = index.store.decision("20 008 394")
    assert decision and "(as changed)" in decision.model_dump_json()


def without_root_overrides() -> None:
    """As an ordinary user: root's CAP_DAC_OVERRIDE (write anything) is dropped from this
    child's bounding set, so permission bits apply to it as to anyone."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)


def test_a_read_only_index_serves_readers_and_refuses_writers_in_one_line(
    built_index, tmp_path: Path
) -> None:
    folder = copy_of(built_index, tmp_path / "index")
    # As a clean shutdown leaves it: no -wal or -shm file for SQLite to open.
    sqlite3.connect(folder / "store.sqlite").execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for leftover in folder.glob("store.sqlite-*"):
        leftover.unlink()
    read_only(folder)
    script = f"""
import json
from tests.conftest import run_cli
index = {str(folder)!r}
runs = {{
    "probe": None,
    "ask": ["ask", {QUESTION!r}, "--llm", "fake", "--index", index, "--json"],
    "show": ["show", "20 008 394", "--index", index],
    "ingest": ["ingest", {str(CORPUS)!r}, "--index", index],
    "create": ["ingest", {str(CORPUS)!r}, "--index", index + "/new"],
}}
out = {{}}
try:
    open(index + "/probe", "w")
    out["probe"] = "written"
except PermissionError:
    out["probe"] = "refused"
for name, args in runs.items():
    if args:
        result = run_cli(*args)  # a traceback would end this child: it is checked
        out[name] = [result.exit_code, result.stdout, " ".join(result.stderr.split())]
print("RESULTS" + json.dumps(out))
"""
    try:
        child = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            preexec_fn=without_root_overrides,
        )
        assert child.returncode == 0, child.stderr[-3000:]
        out = json.loads(child.stdout.split("RESULTS", 1)[1])
        assert out["probe"] == "refused"  # truly read-only for this process
        assert out["ask"][0] == 0, out["ask"]
        assert '"ref": "15 016 298"' in out["ask"][1]
        assert out["show"][0] == 0 and "Agreed action" in out["show"][1], out["show"]
        code, _, refused = out["ingest"]
        assert code == 2 and "is read-only" in refused, out["ingest"]
        assert "move the folder aside" not in refused.lower()  # no destructive advice
        code, _, created = out["create"]
        assert code == 2, out["create"]
        assert f"Cannot create the index folder {folder / 'new'}" in created
    finally:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    # Nothing was changed or lost.
    assert_consistent(Index(make_settings(folder)), EXPECTED_PARAGRAPHS)


def test_a_full_disk_during_sync_is_one_line_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sync indexes what it fetched through the same writer: a write failing for want of
    space is the same one line, not a traceback."""
    import errno

    from assistant import application
    from assistant.application import SyncOptions
    from assistant.errors import IndexStateError

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(application, "run_sync", no_space)
    with pytest.raises(IndexStateError, match="the disk is full"):
        Application(make_settings(tmp_path / "index")).sync(SyncOptions())
