"""The per-decision cap may reorder hits; it never leaves a place empty or drops the answer."""

from __future__ import annotations

from assistant.index import Index
from assistant.retrieval import HybridRetriever
from assistant.retrieval.hybrid import Candidate, diversify
from assistant.types import SearchFilters


def scored(*rows: tuple[str, str, float]) -> list[tuple[Candidate, str]]:
    return [(Candidate(id=pid, score=score), group) for pid, group, score in rows]


def test_one_decision_left_still_fills_every_place() -> None:
    only = scored(*[(f"a{n}", "A", 1.0 - n / 10) for n in range(1, 7)])
    for weight in (0.0, 0.5):
        chosen = diversify(only, 5, 3, weight)
        assert [c.id for c in chosen] == ["a1", "a2", "a3", "a4", "a5"]


def test_a_strong_fourth_paragraph_beats_weaker_hits_of_other_decisions() -> None:
    # Decision A answers; B and C only brush the question (scores far below A's fourth).
    rows = scored(
        ("a1", "A", 0.90),
        ("a2", "A", 0.80),
        ("a3", "A", 0.70),
        ("a4", "A", 0.60),  # the agreed action, fourth in its decision
        ("b1", "B", 0.20),
        ("c1", "C", 0.10),
    )
    chosen = [c.id for c in diversify(rows, 5, 3, 0.5)]
    assert chosen == ["a1", "a2", "a3", "a4", "b1"]


def test_the_cap_still_spreads_close_scores_across_decisions() -> None:
    rows = scored(
        ("a1", "A", 0.90),
        ("a2", "A", 0.85),
        ("a3", "A", 0.80),
        ("a4", "A", 0.75),
        ("b1", "B", 0.70),  # stronger than a4 discounted (0.375): a4 goes after it
        ("c1", "C", 0.30),
    )
    assert [c.id for c in diversify(rows, 5, 3, 0.5)] == ["a1", "a2", "a3", "b1", "a4"]
    # A strict cap (weight 0) puts other decisions first, then fills from A.
    assert [c.id for c in diversify(rows, 5, 3, 0.0)] == ["a1", "a2", "a3", "b1", "c1"]
    assert [c.id for c in diversify(rows, 6, 3, 0.0)][-1] == "a4"


def test_a_filter_leaving_one_decision_returns_k_hits(built_index: Index) -> None:
    retriever = HybridRetriever(index=built_index, settings=built_index.settings.retrieval)
    for weight in (0.0, 0.5):
        retriever.settings = built_index.settings.retrieval.model_copy(
            update={"over_cap_weight": weight}
        )
        hits = retriever.search(
            "what did the council agree to do", SearchFilters(ref="24 017 708"), 5
        )
        assert len(hits) == 5 and {h.ref for h in hits} == {"24 017 708"}
        assert len({h.number for h in hits}) == 5
