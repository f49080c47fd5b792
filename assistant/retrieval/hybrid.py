"""Dense, keyword and hybrid paragraph retrievers.

Filtering stays fast at scale: the store (SQLite, indexed columns) resolves filters to the
matching decisions first. The dense side is then searched the cheapest way for the
filter's size (`filtered_dense`): up to thousands of paragraphs exactly, over the vectors
the store keeps beside them; a broad share by over-fetching from Chroma's unfiltered HNSW
search and dropping hits outside the filter; the rest among their ids (`ids=`). A
metadata `where` costs 20-30x an unfiltered search. BM25 masks its scores by decision.
The two sides are fused by their scores, each scaled to 0..1 over its own candidates
(`fuse_scores`; reciprocal rank fusion is kept as a setting). Paragraphs every decision
shares ("The Ombudsman's role and powers") are scored down so they do not crowd out the
paragraphs that answer, and a joint decision yields one hit listing all its references. A
question's plain-English phrases bring the Ombudsman's terms of art into the BM25 query
(`glossary.py`); section priors by question type raise the sections a question points at
(`priors.py`); hits are spread across decisions without ever leaving a place empty
(`diversify`). A question naming a decision by reference searches that decision, as a
reference filter would. Measured and off by default: sentence vectors max-pooled per
paragraph (`sentences.py`), neighbouring paragraphs sharing scores.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.index import Index
from assistant.index.store import normalise_for_hash, paragraph_ref
from assistant.index.vectors import VectorHit, nearest
from assistant.parsing.common import find_refs
from assistant.retrieval.glossary import default_glossary
from assistant.retrieval.priors import question_types, section_matches
from assistant.settings import RetrievalSettings
from assistant.types import RetrievedParagraph, SearchFilters

log = logging.getLogger(__name__)

BOILERPLATE_SECTIONS = {
    normalise_for_hash(s)
    for s in (
        "The Ombudsman's role and powers",
        "The Ombudsman’s role and powers",
        "The Ombudsman's role",
        "How I considered this complaint",
    )
}
# Filtered dense search, by how many paragraphs the filter leaves (measured at 100k and 1M
# vectors, `benchmarks/retrieval.py`):
# up to this many, exact search over their vectors as the store holds them (10,000
# paragraphs: about 15 ms at any corpus size);
_EXACT_MAX = 20_000
# for decisions without stored vectors (an index from before they were stored), up to
# this many exactly over their vectors fetched from Chroma by id (30 us a vector), and
_EXACT_BY_ID_MAX = 500
# up to this many, an HNSW search among their ids (which slows as the ids get fewer: at 1M
# vectors 37 ms among 10,000 ids, 57 ms among 5,000, 210 ms among 1,000);
_AMONG_IDS_MAX = 5_000
# beyond, the unfiltered search over-fetches this many times the candidates the filter's
# share would leave and drops the hits outside it, fetching four times more while too few
# are left, up to a cap (an unfiltered search for 5,000 costs about 26 ms at 1M vectors,
# 10,000 ids about 60 ms). At the cap, half the candidates are enough: they are the
# filter's nearest all the same, only the list fused with the keyword side is shorter.
# Fewer than half, and the search runs among the ids.
_OVERFETCH = 2.0
_OVERFETCH_MAX = 5_000
_ENOUGH_AT_CAP = 0.5
_SHARED_TEXT_MIN_DECISIONS = 3

# The decisions a filter lets through (None: no filter).
Allowed = frozenset[str] | None


@dataclass
class Candidate:
    id: str
    dense_rank: int | None = None
    keyword_rank: int | None = None
    dense_similarity: float | None = None
    score: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class ParagraphRetriever(BaseRetriever):
    """Base: turns ranked paragraph ids into typed, grouped, filtered hits."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Index
    settings: RetrievalSettings
    filters: SearchFilters = SearchFilters()
    k: int = 6
    group_joint: bool = True
    penalise_boilerplate: bool = True

    # langchain interface -----------------------------------------------------------
    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [to_document(hit) for hit in self.search(query, self.filters, self.k)]

    # typed interface ---------------------------------------------------------------
    def search(
        self, query: str, filters: SearchFilters | None = None, k: int | None = None
    ) -> list[RetrievedParagraph]:
        filters = filters or SearchFilters()
        k = k or self.k
        matching = self.index.store.refs_matching(filters)
        named = self.named_decisions(query) if filters.ref is None else set()
        if named:
            matching = named if matching is None else matching & named
        if matching is not None and not matching:
            return []
        allowed = frozenset(matching) if matching is not None else None
        candidates = self.candidates(query, allowed)
        return self.finish(candidates, k, query)

    def named_decisions(self, query: str) -> set[str]:
        """The decisions in the index a question names by reference ("What did 20 008 394
        find?"): its search is kept to them, as a reference filter would. A reference the
        index lacks is ignored."""
        refs = find_refs(query)
        return set(self.index.store.group_members(refs)) if refs else set()

    def candidates(self, query: str, allowed: Allowed) -> list[Candidate]:
        """Scored candidates; `allowed` are the decisions passing the filters (None: all)."""
        raise NotImplementedError

    # shared steps ------------------------------------------------------------------
    def expansion(self, query: str) -> str:
        """Glossary terms of art for the question ("" when expansion is off or none match)."""
        if self.settings.expansion_weight <= 0 and not self.settings.dense_expansion:
            return ""
        return default_glossary().expansion(query)

    def dense(self, query: str, allowed: Allowed) -> list[Candidate]:
        if self.settings.dense_expansion and (extra := self.expansion(query)):
            query = f"{query} ({extra})"
        vector = self.index.embedder.encode_query(query)
        n = self.settings.candidates
        if allowed is None:
            hits = self.index.vectors.query(vector, n)
        else:
            hits = self.filtered_dense(vector, n, allowed)
        return [
            Candidate(id=h.id, dense_rank=rank, dense_similarity=1.0 - h.distance)
            for rank, h in enumerate(hits, start=1)
        ]

    def filtered_dense(
        self, vector: np.ndarray, n: int, allowed: frozenset[str]
    ) -> list[VectorHit]:
        """The nearest paragraphs of the `allowed` decisions, the cheapest way for the filter's
        size: up to thousands exactly over their stored vectors; more by over-fetching
        unfiltered and dropping the rest, else by an HNSW search among their ids. `n` of
        them, or (over-fetching at the cap) at least half as many: always the nearest, in
        order."""
        store, vectors = self.index.store, self.index.vectors
        decisions, paragraphs = store.totals()
        share = len(allowed) / max(1, decisions)
        expected = share * paragraphs
        if expected <= _EXACT_MAX:
            if (stored := store.vectors_of(allowed)) is not None:
                return nearest(vector, *stored, n)
            if expected <= _EXACT_BY_ID_MAX:
                return vectors.nearest_among(vector, store.paragraph_ids(allowed), n)
        if expected > _AMONG_IDS_MAX:
            fetch = int(n * _OVERFETCH / share) + n
            while True:
                fetch = min(fetch, _OVERFETCH_MAX, paragraphs)
                hits = vectors.query(vector, fetch)
                kept = [h for h in hits if paragraph_ref(h.id) in allowed]
                if len(kept) >= n or fetch >= paragraphs:
                    return kept[:n]
                if fetch >= _OVERFETCH_MAX:
                    if len(kept) >= n * _ENOUGH_AT_CAP:
                        return kept
                    break
                fetch *= 4
        ids = store.paragraph_ids(allowed)
        return vectors.query(vector, min(n, len(ids)), ids=ids) if ids else []

    def keyword(self, query: str, allowed: Allowed) -> list[Candidate]:
        extra = self.expansion(query) if self.settings.expansion_weight > 0 else ""
        parts = [(query, 1.0)]
        if extra:
            parts.append((extra, self.settings.expansion_weight))
        found = self.index.keyword.weighted_query(parts, self.settings.candidates, allowed)
        return [
            Candidate(id=hit.id, keyword_rank=rank, extra={"bm25": hit.score})
            for rank, hit in enumerate(found, start=1)
        ]

    def finish(
        self, candidates: list[Candidate], k: int, query: str = ""
    ) -> list[RetrievedParagraph]:
        if not candidates:
            return []
        store = self.index.store
        paragraphs = store.paragraphs_by_id([c.id for c in candidates])
        candidates = [c for c in candidates if c.id in paragraphs]
        refs = {paragraphs[c.id].ref for c in candidates}
        meta = store.decision_meta(refs)
        groups = store.group_of(refs) if self.group_joint else {r: r for r in refs}
        members = store.group_members(refs) if self.group_joint else {}
        shared = (
            self.index.shared_texts(
                (p.text_hash for p in paragraphs.values()), _SHARED_TEXT_MIN_DECISIONS
            )
            if self.penalise_boilerplate
            else set()
        )
        for candidate in candidates:
            paragraph = paragraphs[candidate.id]
            if self.penalise_boilerplate and (
                normalise_for_hash(paragraph.section) in BOILERPLATE_SECTIONS
                or paragraph.text_hash in shared
            ):
                candidate.score *= self.settings.boilerplate_weight
        if self.settings.neighbour_weight > 0:
            share_with_neighbours(candidates, paragraphs, self.settings.neighbour_weight)
        types = question_types(query) if self.settings.section_prior > 0 else frozenset()
        if types:
            # Remedies stand where the parser found them, whatever the heading ("My
            # assessment" in an early resolution): those paragraphs count as remedy sections.
            remedial = (
                {(ref, r.paragraph) for ref, _, r in store.remedies(SearchFilters(), refs)}
                if "remedy" in types
                else set()
            )
            for candidate in candidates:
                paragraph = paragraphs[candidate.id]
                if (
                    section_matches(types, paragraph.section)
                    or (paragraph.ref, paragraph.number) in remedial
                ):
                    candidate.score *= 1.0 + self.settings.section_prior
        candidates.sort(key=lambda c: c.score, reverse=True)
        chosen = diversify(
            one_per_text(candidates, paragraphs, groups),
            k,
            self.settings.max_per_decision,
            self.settings.over_cap_weight,
        )
        hits: list[RetrievedParagraph] = []
        for candidate in chosen:
            paragraph = paragraphs[candidate.id]
            info = meta[paragraph.ref]
            hits.append(
                RetrievedParagraph(
                    ref=paragraph.ref,
                    refs=members.get(paragraph.ref, (paragraph.ref,)),
                    council=info.council,
                    category=info.category,
                    subcategory=info.subcategory,
                    outcome=info.outcome,
                    date=info.date,
                    number=paragraph.number,
                    section=paragraph.section,
                    subsection=paragraph.subsection,
                    text=paragraph.text,
                    url=info.url,
                    score=round(candidate.score, 6),
                    dense_rank=candidate.dense_rank,
                    keyword_rank=candidate.keyword_rank,
                    dense_similarity=candidate.dense_similarity,
                    withdrawn=info.withdrawn,
                )
            )
        return hits


class DenseRetriever(ParagraphRetriever):
    def candidates(self, query: str, allowed: Allowed) -> list[Candidate]:
        found = self.dense(query, allowed)
        for c in found:
            c.score = c.dense_similarity or 0.0
        return found


class KeywordRetriever(ParagraphRetriever):
    def candidates(self, query: str, allowed: Allowed) -> list[Candidate]:
        found = self.keyword(query, allowed)
        for c in found:
            c.score = float(c.extra["bm25"])
        return found


class HybridRetriever(ParagraphRetriever):
    """Dense and keyword candidates fused by their scaled scores (`fuse_scores`, the
    default) or by reciprocal ranks (keyword weighted, see settings)."""

    def candidates(self, query: str, allowed: Allowed) -> list[Candidate]:
        merged: dict[str, Candidate] = {}
        for c in self.dense(query, allowed):
            merged[c.id] = c
        for c in self.keyword(query, allowed):
            existing = merged.setdefault(c.id, Candidate(id=c.id))
            existing.keyword_rank = c.keyword_rank
            existing.extra.update(c.extra)
        sentence_ranks: dict[str, int] = {}
        if self.settings.sentence_weight > 0:
            for rank, (pid, similarity) in enumerate(
                self.sentence_candidates(query, allowed), start=1
            ):
                sentence_ranks[pid] = rank
                candidate = merged.setdefault(pid, Candidate(id=pid))
                candidate.extra["sentence_similarity"] = similarity
                if candidate.dense_similarity is None:
                    candidate.dense_similarity = similarity
        found = list(merged.values())
        if self.settings.fusion == "scores":
            fuse_scores(found, self.settings.dense_share)
        else:
            fuse_ranks(found, self.settings, sentence_ranks)
        return found

    def sentence_candidates(self, query: str, allowed: Allowed) -> list[tuple[str, float]]:
        """Paragraphs ranked by their best sentence (max-sim), see `sentences.py`."""
        from assistant.retrieval.sentences import SentenceIndex

        if self.settings.dense_expansion and (extra := self.expansion(query)):
            query = f"{query} ({extra})"
        vector = self.index.embedder.encode_query(query)
        ids = set(self.index.store.paragraph_ids(allowed)) if allowed is not None else None
        return SentenceIndex.for_index(self.index).query(vector, self.settings.candidates, ids)


# The settings only one fusion reads (`fuse_ranks`, `fuse_scores`): under the other,
# configurations differing only in them rank every question alike.
READ_ONLY_BY_FUSION: dict[str, frozenset[str]] = {
    "ranks": frozenset({"rrf_k", "dense_weight", "keyword_weight"}),
    "scores": frozenset({"dense_share"}),
}


def fuse_ranks(
    candidates: Sequence[Candidate],
    settings: RetrievalSettings,
    sentence_ranks: Mapping[str, int] | None = None,
) -> None:
    """Reciprocal rank fusion: each side's weight over `rrf_k` plus the candidate's rank on
    that side (dense, BM25 and, given `sentence_ranks`, the best sentence's), summed."""
    rrf_k, sentence_ranks = settings.rrf_k, sentence_ranks or {}
    for c in candidates:
        score = 0.0
        if c.dense_rank is not None:
            score += settings.dense_weight / (rrf_k + c.dense_rank)
        if c.keyword_rank is not None:
            score += settings.keyword_weight / (rrf_k + c.keyword_rank)
        if c.id in sentence_ranks:
            score += settings.sentence_weight / (rrf_k + sentence_ranks[c.id])
        c.score = score


def fuse_scores(candidates: Sequence[Candidate], dense_share: float) -> None:
    """A convex combination of each side's score scaled to 0..1 over its own candidates
    (min-max): `dense_share` x the cosine similarity plus the rest x the BM25 score. A
    candidate the other side did not return scores that side's 0.

    Unlike reciprocal ranks, it keeps how far ahead a paragraph is: one that a side finds
    far closer than anything else is not outscored by paragraphs both sides rank twentieth.
    """
    dense = min_max(
        {c.id: c.dense_similarity for c in candidates if c.dense_similarity is not None}
    )
    bm25 = min_max({c.id: float(c.extra["bm25"]) for c in candidates if "bm25" in c.extra})
    for c in candidates:
        c.score = dense_share * dense.get(c.id, 0.0) + (1.0 - dense_share) * bm25.get(c.id, 0.0)


def min_max(scores: dict[str, float]) -> dict[str, float]:
    """Each score scaled to 0..1 between the lowest and the highest (all 1.0 when equal)."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    return {key: (v - low) / (high - low) if high > low else 1.0 for key, v in scores.items()}


def share_with_neighbours(
    candidates: Sequence[Candidate], paragraphs: dict[str, Any], weight: float
) -> None:
    """A paragraph gains `weight` x the better score of its neighbours in the same section
    (a list continued after "Within two months of the final decision:" reads as one)."""
    base = {
        (paragraphs[c.id].ref, paragraphs[c.id].number): (paragraphs[c.id].section, c.score)
        for c in candidates
    }
    for candidate in candidates:
        paragraph = paragraphs[candidate.id]
        near = []
        for number in (paragraph.number - 1, paragraph.number + 1):
            found = base.get((paragraph.ref, number))
            if found is not None and found[0] == paragraph.section:
                near.append(found[1])
        if near:
            candidate.score += weight * max(near)


def one_per_text(
    ranked: Sequence[Candidate], paragraphs: Mapping[str, Any], groups: Mapping[str, str]
) -> list[tuple[Candidate, str]]:
    """Joint decisions: of `ranked` (best first), one hit per text per decision group, the
    best-scored copy, each with its group (what `diversify` spreads hits across)."""
    unique: list[tuple[Candidate, str]] = []
    seen_texts: set[tuple[str, str]] = set()
    for candidate in ranked:
        paragraph = paragraphs[candidate.id]
        group = groups.get(paragraph.ref, paragraph.ref)
        if (group, paragraph.text_hash) not in seen_texts:
            seen_texts.add((group, paragraph.text_hash))
            unique.append((candidate, group))
    return unique


def diversify(
    scored: Sequence[tuple[Candidate, str]], k: int, cap: int, over_cap_weight: float
) -> list[Candidate]:
    """The top `k` of `scored` (candidate, decision group), spread across decisions.

    A decision's paragraphs beyond the first `cap` are not dropped: each one past the cap
    counts at `over_cap_weight` times its score (compounding: the fifth at the weight
    squared), so it still wins a place over a weaker paragraph of another decision, one
    scoring below that discounted score. With a weight of 0 the cap is strict while other
    decisions have candidates left, and the remaining places are filled in score order,
    so a filter leaving one decision still yields `k` hits. It only ever reorders: every
    place is filled while candidates remain.
    """
    remaining = sorted(scored, key=lambda pair: pair[0].score, reverse=True)
    taken: dict[str, int] = defaultdict(int)
    chosen: list[Candidate] = []
    while remaining and len(chosen) < k:
        best, best_key = 0, (-1.0, False)
        for i, (candidate, group) in enumerate(remaining):
            over = taken[group] - cap + 1
            value = max(candidate.score, 0.0) * (over_cap_weight**over if over > 0 else 1.0)
            key = (value, over <= 0)
            if key > best_key:  # strictly: a tie keeps the better raw score (earlier)
                best, best_key = i, key
        candidate, group = remaining.pop(best)
        taken[group] += 1
        chosen.append(candidate)
    return chosen


def to_document(hit: RetrievedParagraph) -> Document:
    return Document(
        page_content=hit.text,
        metadata={
            "ref": hit.ref,
            "refs": list(hit.refs),
            "paragraph": hit.number,
            "section": hit.section,
            "url": hit.url,
            "score": hit.score,
        },
        id=f"{hit.ref.replace(' ', '-')}:{hit.number}",
    )
