"""Filtered dense search: each way `filtered_dense` may take returns the exact nearest (at
the over-fetch cap, at least half as many as asked, still the nearest in order)."""

from __future__ import annotations

import numpy as np
import pytest

import assistant.retrieval.hybrid as hybrid_module
from assistant.index import Index
from assistant.index.store import paragraph_ref
from assistant.retrieval import HybridRetriever
from assistant.types import SearchFilters

FILTERS = (
    SearchFilters(category="Children's care services"),
    SearchFilters(outcome="upheld"),
    SearchFilters(ref="20 008 394"),
    SearchFilters(council="Wirral Metropolitan Borough Council"),
)
QUESTIONS = ("delay at stage two of the complaints procedure", "school transport appeal")


@pytest.mark.parametrize(
    ("exact_max", "among_ids_max", "overfetch_max", "stored"),
    [
        (10**9, 0, 0, True),
        (10**9, 0, 0, False),
        (0, 0, 10**9, True),
        (0, 10**9, 0, True),
        (0, 0, 40, True),
    ],
    ids=[
        "exact over stored vectors",
        "exact by id from chroma",
        "over-fetch and filter",
        "hnsw among ids",
        "over-fetch, then ids",
    ],
)
def test_each_filtered_path_returns_the_exact_nearest(
    built_index: Index,
    monkeypatch,
    exact_max: int,
    among_ids_max: int,
    overfetch_max: int,
    stored: bool,
) -> None:
    if not stored:  # an index from before the store kept vectors
        monkeypatch.setattr(built_index.store, "vectors_of", lambda refs: None)
    monkeypatch.setattr(hybrid_module, "_EXACT_MAX", exact_max)
    monkeypatch.setattr(hybrid_module, "_EXACT_BY_ID_MAX", exact_max)
    monkeypatch.setattr(hybrid_module, "_AMONG_IDS_MAX", among_ids_max)
    monkeypatch.setattr(hybrid_module, "_OVERFETCH_MAX", overfetch_max)
    retriever = HybridRetriever(index=built_index, settings=built_index.settings.retrieval)
    everything = built_index.vectors.collection.get(include=["embeddings"])
    matrix = np.asarray(everything["embeddings"], dtype=np.float32)
    for filters in FILTERS:
        allowed = frozenset(built_index.store.refs_matching(filters) or ())
        assert allowed, filters
        if stored:
            assert built_index.store.vectors_of(allowed) is not None
        rows = [i for i, pid in enumerate(everything["ids"]) if paragraph_ref(pid) in allowed]
        for question in QUESTIONS:
            vector = built_index.embedder.encode_query(question)
            best = np.sort(matrix[rows] @ vector)[::-1][:5]
            got = retriever.filtered_dense(vector, 5, allowed)
            if overfetch_max == 40:  # the cap is reached: half the asked may be enough
                assert len(got) >= len(best) * hybrid_module._ENOUGH_AT_CAP, filters
            else:
                assert len(got) == len(best), filters
            # Compared by similarity: joint decisions' copies tie, in either order. The
            # store keeps float16 vectors: similarities agree to about 1e-3.
            assert [1 - h.distance for h in got] == pytest.approx(best[: len(got)], abs=2e-3)
            assert {paragraph_ref(h.id) for h in got} <= allowed


def test_at_the_cap_half_is_enough_and_fewer_goes_among_the_ids(
    built_index: Index, monkeypatch
) -> None:
    monkeypatch.setattr(hybrid_module, "_EXACT_MAX", 0)
    monkeypatch.setattr(hybrid_module, "_AMONG_IDS_MAX", 0)
    retriever = HybridRetriever(index=built_index, settings=built_index.settings.retrieval)
    allowed = frozenset(built_index.store.refs_matching(FILTERS[3]) or ())
    vector = built_index.embedder.encode_query(QUESTIONS[0])
    ranking = built_index.vectors.query(vector, built_index.vectors.count())
    places = [i + 1 for i, h in enumerate(ranking) if paragraph_ref(h.id) in allowed]
    among_ids: list[int] = []
    query = built_index.vectors.query

    def spying(embedding, n, **kwargs):
        if kwargs.get("ids") is not None:
            among_ids.append(n)
        return query(embedding, n, **kwargs)

    monkeypatch.setattr(built_index.vectors, "query", spying)

    # The cap leaves 3 of the 5 asked: enough, and the nearest three.
    monkeypatch.setattr(hybrid_module, "_OVERFETCH_MAX", places[2])
    got = retriever.filtered_dense(vector, 5, allowed)
    # Compared by distance: joint decisions' copies tie, in either order.
    assert [h.distance for h in got] == pytest.approx([ranking[p - 1].distance for p in places[:3]])
    assert among_ids == []

    # It leaves 2: too few, so the search runs among the filter's ids and finds all five.
    monkeypatch.setattr(hybrid_module, "_OVERFETCH_MAX", places[1])
    got = retriever.filtered_dense(vector, 5, allowed)
    assert among_ids == [5]
    assert [h.distance for h in got] == pytest.approx([ranking[p - 1].distance for p in places[:5]])
