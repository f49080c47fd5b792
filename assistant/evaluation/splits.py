"""The splits a gold question belongs to, for per-split figures.

- `all`: every answerable question (retrieval metrics) or every question (the gate);
- `paraphrase`: the question shares at most `PARAPHRASE_MAX_SHARED` content word with its
  gold paragraph, or is tagged "paraphrase". Content words are those the relevance gate
  counts (no stopwords, question words or words every decision uses, three letters or
  more), compared by stem (the first five letters, as the gate does). With several
  expected paragraphs, the one sharing the most words decides: a question is a paraphrase
  only if it shares almost nothing with every paragraph that answers it;
- `cross-decision`: expected paragraphs from more than one decision, or tagged;
- `filtered`: the question carries filters, or is tagged;
- `follow-up`: the question has a history, or is tagged;
- `unanswerable`: not answerable (gate figures only).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from assistant.answer.relevance import content_stems
from assistant.evaluation.gold import GoldQuestion, normalise_text
from assistant.evaluation.metrics import mean_of
from assistant.index.store import Store

PARAPHRASE_MAX_SHARED = 1
RETRIEVAL_SPLITS = ("all", "paraphrase", "cross-decision", "filtered", "follow-up")


def shared_content_words(question: str, paragraph: str) -> int:
    return len(content_stems(question) & content_stems(paragraph))


def expected_texts(store: Store, question: GoldQuestion) -> list[str]:
    """The text of each expected paragraph (the one of its decision holding the quote)."""
    texts = []
    for expected in question.expected:
        decision = store.decision(expected.ref)
        quote = normalise_text(expected.quote)
        for paragraph in decision.paragraphs if decision else ():
            if quote in normalise_text(paragraph.text):
                texts.append(paragraph.text)
                break
    return texts


def question_splits(question: GoldQuestion, store: Store) -> tuple[str, ...]:
    tags = {t.strip().lower() for t in question.tags}
    if not question.answerable:
        return ("unanswerable",)
    found = ["all"]
    texts = expected_texts(store, question)
    if "paraphrase" in tags or (
        texts
        and max(shared_content_words(question.question, t) for t in texts) <= PARAPHRASE_MAX_SHARED
    ):
        found.append("paraphrase")
    if "cross-decision" in tags or len({e.ref for e in question.expected}) > 1:
        found.append("cross-decision")
    if "filtered" in tags or not question.filters.is_empty():
        found.append("filtered")
    if "follow-up" in tags or question.history:
        found.append("follow-up")
    return tuple(found)


def split_means(
    members: Iterable[tuple[Collection[str], Mapping[str, Any]]], metrics: Sequence[str]
) -> dict[str, tuple[int, dict[str, float | None]]]:
    """For each retrieval split, how many rows it holds and each metric's mean over them
    (None when it holds none). `members` pairs each row's splits with its metrics."""
    members = list(members)
    found: dict[str, tuple[int, dict[str, float | None]]] = {}
    for split in RETRIEVAL_SPLITS:
        in_split = [row for splits, row in members if split in splits]
        found[split] = (len(in_split), {name: mean_of(name)(in_split) for name in metrics})
    return found
