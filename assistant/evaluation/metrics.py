"""The metrics, per question and over a set. Each is defined in evals/README.md.

Per-question values are plain floats (or None when a metric does not apply, e.g. recall on
an unanswerable question), so a run can be re-aggregated and bootstrapped from its record.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.answer.assistant import QUOTED_LABEL
from assistant.answer.relevance import content_stems, content_words
from assistant.answer.verify import amounts, figures, split_sentences
from assistant.evaluation.gold import ExpectedParagraph, GoldQuestion, matches, normalise_text
from assistant.types import CITATION_MARKER, Answer, Citation


@dataclass(frozen=True)
class RetrievedItem:
    """One retrieved unit: a paragraph (our pipeline, BM25, dense) or a chunk (naive)."""

    refs: tuple[str, ...]
    text: str
    paragraph: int | None = None
    section: str | None = None


def first_match(item: RetrievedItem, expected: Sequence[ExpectedParagraph]) -> int | None:
    for i, exp in enumerate(expected):
        if matches(exp, item.refs, item.text):
            return i
    return None


def retrieval_metrics(
    items: Sequence[RetrievedItem], expected: Sequence[ExpectedParagraph], k: int
) -> dict[str, float | None]:
    """hit@k, recall@k, MRR and nDCG@k with binary relevance; None when nothing is expected."""
    names = (f"hit@{k}", f"recall@{k}", "mrr", f"ndcg@{k}")
    if not expected:
        return dict.fromkeys(names)
    found: set[int] = set()
    first_rank: int | None = None
    dcg = 0.0
    for rank, item in enumerate(items[:k], start=1):
        hits = {i for i, exp in enumerate(expected) if matches(exp, item.refs, item.text)}
        new = hits - found
        if hits and first_rank is None:
            first_rank = rank
        if new:
            dcg += 1.0 / math.log2(rank + 1)
            found |= new
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(expected), k) + 1))
    return {
        names[0]: 1.0 if found else 0.0,
        names[1]: len(found) / len(expected),
        names[2]: 1.0 / first_rank if first_rank else 0.0,
        names[3]: dcg / ideal,
    }


def answer_metrics(question: GoldQuestion, answer: Answer) -> dict[str, float | None]:
    """Citation validity and recall, interventions, must-include, abstention, groundedness,
    and what became of the model's own statements (see evals/README.md)."""
    shown = {(ref, h.number): h for h in answer.hits for ref in h.refs}
    # Remedy figures are computed, not generated: their citations point at the remedy
    # paragraphs themselves, so they count as shown with their own quotes.
    computed = {c.place: c for c in answer.citations if c.computed}
    # Every paragraph the answer points at, by its citation list or by a marker in the text.
    pointed = {c.place for c in answer.citations} | set(Citation.markers_in(answer.text))
    quotes_intact = all(
        c.quote == shown[c.place].text
        for c in answer.citations
        if c.place in shown and not c.computed
    )
    validity = (
        sum(1 for p in pointed if p in shown or p in computed)
        / len(pointed)
        * (1.0 if quotes_intact else 0.0)
        if pointed
        else None
    )

    citation_recall: float | None = None
    if question.expected and answer.answered:
        cited = [shown[c.place] for c in answer.citations if c.place in shown]
        found = {
            i
            for hit in cited
            for i, exp in enumerate(question.expected)
            if matches(exp, hit.refs, hit.text)
        }
        citation_recall = len(found) / len(question.expected)

    v = answer.verification
    must = None
    if question.answer_must_include:
        text = _figure_text(answer.text)
        must = sum(1 for m in question.answer_must_include if _figure_text(m) in text) / len(
            question.answer_must_include
        )
    statements = statement_metrics(question, answer)
    # Verified is not right: a supported sentence from the wrong paragraph passes the
    # contract. This counts only verified answers citing a paragraph the gold set expects.
    on_point = None
    if question.answerable and question.expected:
        on_point = float(bool(statements["verified_answer"]) and bool(citation_recall))
    return {
        "citation_validity": validity,
        "citation_recall": citation_recall,
        "citations": float(len(answer.citations)),
        "interventions": float(v.interventions),
        "fell_back": 1.0 if v.fell_back_to_extractive else 0.0,
        "must_include": must,
        "abstained": 0.0 if answer.answered else 1.0,
        "groundedness": groundedness(answer),
        "figures_supported": figures_supported(answer),
        **statements,
        "verified_on_point": on_point,
    }


def statement_metrics(question: GoldQuestion, answer: Answer) -> dict[str, float | None]:
    """What the answer contract made of the model's words, per question.

    - verified_answer (answerable questions): 1.0 when the user got a model-written answer
      that passed verification with at most one intervention (not a quoted fallback).
    - wrong_refusal (answerable questions): 1.0 when the question was declined.
    - uncited_sentences: the model's sentences removed for citing no shown paragraph.
    - unsupported_claims: the share of the model's statements that did not stand as written
      (uncited, removed as unsupported, or replaced by the paragraph's own sentence); None
      when the model made none.
    """
    v = answer.verification
    model_written = answer.answered and not v.fell_back_to_extractive
    return {
        "verified_answer": (
            (1.0 if model_written and v.interventions <= 1 else 0.0)
            if question.answerable
            else None
        ),
        "wrong_refusal": (0.0 if answer.answered else 1.0) if question.answerable else None,
        "uncited_sentences": float(v.uncited_sentences),
        "unsupported_claims": v.unsupported_claims / v.claims if v.claims else None,
    }


def figures_supported(answer: Answer) -> float | None:
    """1.0 when every amount in the computed remedy figures is stated in a cited paragraph."""
    if not answer.figures:
        return None
    stated = {f.split("/")[0] for c in answer.citations for f in figures(c.quote)}
    return 1.0 if amounts(answer.figures) <= stated else 0.0


def _figure_text(text: str) -> str:
    return normalise_text(text).replace(",", "")


def groundedness(answer: Answer) -> float | None:
    """Mean over the answer's sentences of how much of each is supported by the paragraphs it
    cites (`text_groundedness`). Computed remedy figures are not the model's and are
    checked by `figures_supported` instead, and the label introducing a quoted answer
    (`QUOTED_LABEL`) is the assistant's, not a claim. None for an abstention."""
    if not answer.answered:
        return None
    generated = answer.text.replace(answer.figures, "") if answer.figures else answer.text
    return text_groundedness(
        QUOTED_LABEL.sub("", generated), {c.place: c.quote for c in answer.citations}
    )


def text_groundedness(text: str, quotes: Mapping[tuple[str, int], str]) -> float:
    """Mean over the text's sentences of the share of each one's content words found in the
    paragraphs it cites (`quotes`, by place), 0 if any figure is not there; an uncited
    sentence scores 0."""
    scores: list[float] = []
    for sentence in split_sentences(text):
        cited = [quotes.get(place) for place in Citation.markers_in(sentence)]
        source = " ".join(q for q in cited if q)
        if not source:
            scores.append(0.0)
            continue
        claim = CITATION_MARKER.sub(" ", sentence)
        if not figures(claim) <= figures(source):
            scores.append(0.0)
            continue
        words = content_words(claim)
        stems = content_stems(source)
        scores.append(sum(1 for w in words if w[:5] in stems) / len(words) if words else 1.0)
    return sum(scores) / len(scores) if scores else 0.0


# aggregation -----------------------------------------------------------------------------
Row = dict[str, float | None]
Aggregate = Callable[[Sequence[Row]], float | None]


def mean_of(name: str) -> Aggregate:
    def aggregate(rows: Sequence[Row]) -> float | None:
        values = [r[name] for r in rows if r.get(name) is not None]
        return sum(values) / len(values) if values else None  # type: ignore[arg-type]

    return aggregate


def abstention_precision(rows: Sequence[Row]) -> float | None:
    """Of the questions the system declined, the share that were truly unanswerable."""
    declined = [r for r in rows if r.get("abstained") == 1.0]
    if not declined:
        return None
    return sum(1 for r in declined if r.get("unanswerable") == 1.0) / len(declined)


def abstention_recall(rows: Sequence[Row]) -> float | None:
    """Of the unanswerable questions, the share the system declined."""
    unanswerable = [r for r in rows if r.get("unanswerable") == 1.0 and "abstained" in r]
    if not unanswerable:
        return None
    return sum(1 for r in unanswerable if r.get("abstained") == 1.0) / len(unanswerable)


def aggregators(k: int, with_answers: bool) -> dict[str, Aggregate]:
    """Summary metric -> aggregate over per-question rows. Quality metrics only: these are
    what a baseline comparison may gate on."""
    found: dict[str, Aggregate] = {
        name: mean_of(name) for name in (f"hit@{k}", f"recall@{k}", "mrr", f"ndcg@{k}")
    }
    if with_answers:
        found.update(
            {
                "citation_validity": mean_of("citation_validity"),
                "citation_recall": mean_of("citation_recall"),
                "must_include": mean_of("must_include"),
                "abstention_precision": abstention_precision,
                "abstention_recall": abstention_recall,
                "groundedness": mean_of("groundedness"),
                "figures_supported": mean_of("figures_supported"),
                "answered_verified_rate": mean_of("verified_answer"),
                "verified_on_point_rate": mean_of("verified_on_point"),
                "wrong_refusal_rate": mean_of("wrong_refusal"),
                "unsupported_claim_rate": mean_of("unsupported_claims"),
            }
        )
    return found


# Quality metrics where lower is better, by their run and their per-question names: a
# baseline comparison gates on their rise and lists a question whose value fell as better.
LOWER_IS_BETTER = frozenset(
    {"wrong_refusal_rate", "unsupported_claim_rate", "wrong_refusal", "unsupported_claims"}
)
# Lower is better for these; they are summed per run, reported and diffed, never gated.
COST_METRICS = ("interventions", "fell_back", "uncited_sentences")


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def model_speeds(rows: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """The model's median speeds over a run's questions, in tokens a second: reading the
    prompt (prompt tokens over the time from the evidence to the first token) and writing
    the reply (completion tokens over the time from the first token to the end). Reported
    beside latency because the same code on a machine decoding at half the speed is slower:
    two runs' latencies compare only at like speeds. None without token counts (the fake)."""
    reading: list[float] = []
    writing: list[float] = []
    for row in rows:
        usage, timings = row.get("usage") or {}, row.get("timings") or {}
        evidence, first, total = (
            timings.get(s) for s in ("evidence_s", "first_token_s", "total_s")
        )
        if evidence is None or first is None or total is None:
            continue
        if usage.get("prompt_tokens") and first > evidence:
            reading.append(usage["prompt_tokens"] / (first - evidence))
        if usage.get("completion_tokens") and total > first:
            writing.append(usage["completion_tokens"] / (total - first))
    return {
        "prompt_reading_tokens_per_s": percentile(reading, 0.5),
        "reply_writing_tokens_per_s": percentile(writing, 0.5),
    }
