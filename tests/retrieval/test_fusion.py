"""Score fusion keeps how far ahead a paragraph is; reciprocal ranks keep only its place."""

from __future__ import annotations

from assistant.retrieval.hybrid import Candidate, fuse_ranks, fuse_scores
from assistant.settings import RetrievalSettings


def candidate(
    pid: str, dense: tuple[int, float] | None = None, bm25: tuple[int, float] | None = None
) -> Candidate:
    c = Candidate(id=pid)
    if dense is not None:
        c.dense_rank, c.dense_similarity = dense
    if bm25 is not None:
        c.keyword_rank, c.extra["bm25"] = bm25[0], bm25[1]
    return c


def field_of_candidates() -> list[Candidate]:
    """The answer is far closer in meaning than anything else and shares no keyword with
    the question; twenty paragraphs sit in the middle of both lists."""
    answer = candidate("answer", dense=(1, 0.82))
    middling = [
        candidate(f"m{n}", dense=(n + 1, 0.50 - n / 100), bm25=(n, 6.0 - n / 10))
        for n in range(1, 21)
    ]
    keyword_best = candidate("keyword-best", bm25=(0, 12.0))
    return [answer, keyword_best, *middling]


def test_a_paragraph_far_ahead_on_one_side_is_not_buried_by_middling_ones() -> None:
    candidates = field_of_candidates()
    fuse_ranks(candidates, RetrievalSettings(rrf_k=60, dense_weight=1.0, keyword_weight=1.0))
    by_ranks = sorted(candidates, key=lambda c: c.score, reverse=True)
    assert [c.id for c in by_ranks].index("answer") > 5  # what rank fusion did

    fuse_scores(candidates, dense_share=0.5)
    by_scores = [c.id for c in sorted(candidates, key=lambda c: c.score, reverse=True)]
    assert by_scores[:2] == ["answer", "keyword-best"]


def test_scores_are_each_sides_share_scaled_to_its_own_candidates() -> None:
    both = candidate("both", dense=(1, 0.9), bm25=(1, 10.0))
    dense_only = candidate("dense-only", dense=(2, 0.5))
    keyword_only = candidate("keyword-only", bm25=(2, 4.0))
    floor = candidate("floor", dense=(3, 0.3), bm25=(3, 2.0))
    fuse_scores([both, dense_only, keyword_only, floor], dense_share=0.5)
    assert both.score == 1.0  # the best of both sides
    assert floor.score == 0.0  # the worst of both
    assert abs(dense_only.score - 0.5 * (0.5 - 0.3) / (0.9 - 0.3)) < 1e-9
    assert abs(keyword_only.score - 0.5 * (4.0 - 2.0) / (10.0 - 2.0)) < 1e-9


def test_the_dense_share_weighs_the_sides() -> None:
    close = candidate("close", dense=(1, 0.9), bm25=(2, 1.0))
    keyworded = candidate("keyworded", dense=(2, 0.1), bm25=(1, 9.0))
    fuse_scores([close, keyworded], dense_share=1.0)
    assert close.score > keyworded.score
    fuse_scores([close, keyworded], dense_share=0.0)
    assert keyworded.score > close.score
