"""Filtered dense search: each way `filtered_dense` may take returns the exact nearest."""

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
    ("exact_max", "among_ids_max", "overfetch_max"),
    [(10**9, 0, 0), (0, 0, 10**9), (0, 10**9, 0), (0, 0, 40)],
    ids=["exact by id", "over-fetch and filter", "hnsw among ids", "over-fetch, then ids"],
)
def test_each_filtered_path_returns_the_exact_nearest(
    built_index: Index, monkeypatch, exact_max: int, among_ids_max: int, overfetch_max: int
) -> None:
    monkeypatch.setattr(hybrid_module, "_EXACT_MAX", exact_max)
    monkeypatch.setattr(hybrid_module, "_AMONG_IDS_MAX", among_ids_max)
    monkeypatch.setattr(hybrid_module, "_OVERFETCH_MAX", overfetch_max)
    retriever = HybridRetriever(index=built_index, settings=built_index.settings.retrieval)
    everything = built_index.vectors.collection.get(include=["embeddings"])
    matrix = np.asarray(everything["embeddings"], dtype=np.float32)
    for filters in FILTERS:
        allowed = frozenset(built_index.store.refs_matching(filters) or ())
        assert allowed, filters
        rows = [i for i, pid in enumerate(everything["ids"]) if paragraph_ref(pid) in allowed]
        for question in QUESTIONS:
            vector = built_index.embedder.encode_query(question)
            best = np.sort(matrix[rows] @ vector)[::-1][:5]
            got = retriever.filtered_dense(vector, 5, allowed)
            # Compared by similarity: joint decisions' copies tie, in either order.
            assert [1 - h.distance for h in got] == pytest.approx(best, abs=1e-4), filters
            assert {paragraph_ref(h.id) for h in got} <= allowed
