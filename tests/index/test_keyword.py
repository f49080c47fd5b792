"""The segmented keyword index: added to per ingest, comparable scores, readers never write,
and never a paragraph the store does not hold as committed."""

from __future__ import annotations

import json
import logging
import shutil
import threading
from pathlib import Path

import pytest

import assistant.index.keyword as keyword_module
from assistant.index import Index
from assistant.index.ingest import Ingestor
from assistant.index.keyword import KeywordIndex, Segment, decision_chunks, decision_contexts
from assistant.index.store import content_hash, paragraph_ref
from assistant.retrieval import DenseRetriever, HybridRetriever, KeywordRetriever
from tests.conftest import CORPUS, make_settings
from tests.index.test_ingest import assert_consistent

QUESTIONS = (
    "payment of £50 for each month of delay at stage two",
    "school transport appeal panel",
    "kinship carer allowance fostering",
    "the council refused to escalate the complaint to stage three",
)


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def test_segments_score_as_one_index_does(built_index: Index) -> None:
    store = built_index.store
    contexts = decision_contexts(store)
    one = Segment.build("one", [p for b in store.iter_paragraphs() for p in b], contexts)
    whole = KeywordIndex([one], 0)
    split = KeywordIndex(
        [
            Segment.build(f"part{n}", chunk, contexts, one.reference_length)
            for n, chunk in enumerate(decision_chunks(store.iter_paragraphs(), 40))
        ],
        0,
    )
    assert len(split.segments) >= 3 and sorted(whole.ids) == sorted(split.ids)
    for question in QUESTIONS:
        expected = {h.id: h.score for h in whole.query(question, 10)}
        got = {h.id: h.score for h in split.query(question, 10)}
        # One IDF over all segments, one reference length: the same scores.
        assert got.keys() == expected.keys(), question
        assert all(got[i] == pytest.approx(expected[i], rel=1e-4) for i in got), question


def test_an_ingest_adds_a_segment_and_leaves_the_others_untouched(tmp_path: Path) -> None:
    index = Index(make_settings(tmp_path / "index"), create=True)
    Ingestor(index).run([CORPUS / "lgo-samples"])
    first = listing(index.keyword_dir)
    Ingestor(index).run([CORPUS / "decisions"])  # fewer than half the decisions: added
    after = listing(index.keyword_dir)
    kept = {name: stamp for name, stamp in first.items() if name.startswith("seg-")}
    assert kept and all(after[name] == stamp for name, stamp in kept.items())
    loaded = KeywordIndex.load(index.keyword_dir)
    assert loaded is not None and len(loaded.segments) == 2
    assert_consistent(index, 139)
    # Filtered by decision: only the allowed decisions' paragraphs come back.
    allowed = {"20 008 394", "15 016 298"}
    hits = loaded.query("complaint council stage", 50, allowed)
    assert hits and {paragraph_ref(h.id) for h in hits} <= allowed


def test_many_small_segments_are_merged(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(keyword_module, "MAX_SMALL", 2)
    corpus = tmp_path / "corpus"
    files = sorted((CORPUS / "lgo-samples").glob("*.json"))
    index = Index(make_settings(tmp_path / "index"), create=True)
    Ingestor(index).run([CORPUS / "decisions"])
    for n, path in enumerate(files[:4]):
        (corpus / str(n)).mkdir(parents=True)
        shutil.copy(path, corpus / str(n))
        Ingestor(index).run([corpus / str(n)])
    loaded = KeywordIndex.load(index.keyword_dir)
    assert loaded is not None and len(loaded.segments) <= 3
    assert sorted(p.name for p in index.keyword_dir.iterdir() if p.is_dir()) == sorted(
        s.name for s in loaded.segments
    )
    stored = {p.id for batch in index.store.iter_paragraphs() for p in batch}
    assert sorted(loaded.ids) == sorted(stored)


def test_readers_never_write_and_never_return_what_the_store_does_not_hold(
    tmp_path: Path,
) -> None:
    """Issue 17, finding 10: readers rebuilt a stale keyword index without the lock."""
    settings = make_settings(tmp_path / "index")
    index = Index(settings, create=True)
    Ingestor(index).run([CORPUS / "decisions"])
    # The store moves on and the keyword index does not (an ingest killed in between): the
    # Havering decision loses its paragraph 8.
    decision = index.store.decision("23 017 039")
    assert decision is not None
    shorter = decision.model_copy(update={"paragraphs": decision.paragraphs[:7]})
    index.store.commit([(shorter, content_hash(shorter, "test"))])
    before = listing(settings.index_dir)

    found: list[list[str]] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            reader = Index(settings)
            retriever = KeywordRetriever(index=reader, settings=settings.retrieval)
            hits = retriever.search("Miss X has provided evidence Havering", k=20)
            found.append([f"{h.ref}:{h.number}" for h in hits])
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join()
    assert errors == []
    assert listing(settings.index_dir) == before  # nothing written, nothing left behind
    for hits in found:
        assert "23 017 039:7" in hits  # still found, from the committed store
        assert "23 017 039:8" not in hits  # gone from the store: never returned


def test_a_decision_left_pending_is_never_returned_and_a_rerun_rolls_it_back(
    tmp_path: Path, monkeypatch
) -> None:
    """Issue 17, finding 9: killed while updating a decision, then a re-run on another file."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS / "decisions", corpus / "decisions")
    settings = make_settings(tmp_path / "index")
    index = Index(settings, create=True)
    Ingestor(index).run([corpus])
    original = index.store.decision("23 017 039")
    assert original is not None

    path = corpus / "decisions" / "23-017-039.txt"
    text = path.read_text()
    path.write_text(
        text[: text.index("- Miss X has provided evidence")] + text[text.index("Final decision") :]
    )

    def killed(items, vectors=None):  # after the vectors were written, before the store committed
        raise RuntimeError("killed")

    monkeypatch.setattr(index.store, "commit", killed)
    with pytest.raises(RuntimeError, match="killed"):
        Ingestor(index).run([path])
    monkeypatch.undo()
    assert index.store.pending_refs() == ["23 017 039"]

    reader = Index(settings)
    question = "Havering Miss X evidence children's services complaint"
    for kind in (KeywordRetriever, DenseRetriever, HybridRetriever):
        hits = kind(index=reader, settings=settings.retrieval).search(question, k=20)
        assert all(h.ref != "23 017 039" for h in hits), kind

    Ingestor(index).run([CORPUS / "lgo-samples" / "15-016-298.json"])
    assert index.store.pending_refs() == []
    restored = index.store.decision("23 017 039")
    assert restored is not None and restored.paragraphs == original.paragraphs
    assert_consistent(index, 84 + 6)
    hits = KeywordRetriever(index=Index(settings), settings=settings.retrieval).search(
        question, k=20
    )
    assert any(h.ref == "23 017 039" for h in hits)


def test_shared_texts_are_found_without_counting_the_whole_store(built_index: Index) -> None:
    store = built_index.store
    # The oracle: a count over the whole store, which the lookup must never need.
    counts = dict(
        store.conn.execute(
            "SELECT p.text_hash, COUNT(DISTINCT COALESCE(d.group_id, d.ref)) AS n "
            "FROM paragraphs p JOIN decisions d ON d.ref = p.ref "
            "GROUP BY p.text_hash HAVING n >= 3"
        )
    )
    some_unique = next(
        p.text_hash for batch in store.iter_paragraphs() for p in batch if p.text_hash not in counts
    )
    shared = next(iter(counts))
    assert built_index.shared_texts([shared, some_unique], 3) == {shared}


def test_forms_of_one_word_find_each_other(built_index: Index) -> None:
    """BM25 matches stems: "escalation" and "escalations" stand nowhere in the sample, yet
    they find the paragraphs that say "escalate", "escalated" and "escalating"."""
    texts = {p.id: p.text for batch in built_index.store.iter_paragraphs() for p in batch}
    assert not any("escalation" in text.lower() for text in texts.values())
    for question in ("escalation", "escalations"):
        hits = built_index.keyword.query(question, 10)
        assert len(hits) == 5, question  # the five paragraphs using a form of "escalate"
        assert all("escalat" in texts[h.id].lower() for h in hits), question


def test_an_index_of_an_older_format_is_rebuilt_by_the_next_ingest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A keyword index written before stemming (format 2) is not read: a reader says which
    format it found and builds one in memory; the next ingest, with nothing new to embed,
    writes the current format beside it and removes it."""
    index = Index(make_settings(tmp_path / "index"), create=True)
    Ingestor(index).run([CORPUS / "decisions"])
    manifest_path = index.keyword_dir / keyword_module.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    old_segments = manifest["segments"]
    manifest_path.write_text(json.dumps({**manifest, "format": 2}))
    assert KeywordIndex.load(index.keyword_dir) is None
    with caplog.at_level(logging.WARNING, logger="assistant.index.index"):
        reader = Index(make_settings(tmp_path / "index"))
        assert [h.id for h in reader.keyword.query("escalations", 1)] == ["20-008-394:20"]
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "is format 2" in warned and f"reads format {keyword_module.FORMAT}" in warned
    assert "no keyword index saved" not in warned  # one is saved, in an older format

    summary = Ingestor(index).run([CORPUS / "decisions"])

    assert summary.paragraphs_embedded == 0
    rebuilt = json.loads(manifest_path.read_text())
    assert rebuilt["format"] == keyword_module.FORMAT
    assert not set(rebuilt["segments"]) & set(old_segments)
    on_disk = sorted(p.name for p in index.keyword_dir.iterdir())
    assert on_disk == sorted([*rebuilt["segments"], keyword_module.MANIFEST])
    loaded = KeywordIndex.load(index.keyword_dir)
    assert loaded is not None and len(loaded) == 84  # the five decisions' paragraphs
    assert [h.id for h in loaded.query("escalations", 1)] == ["20-008-394:20"]
