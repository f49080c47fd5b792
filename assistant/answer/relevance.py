"""Is anything retrieved relevant enough to answer from? Decided before calling the model.

A question is answerable from the hits when enough of its content words (not question
words, not words every decision uses) stand in the best hits' text. Matching is by word
stem (the first five letters), so "escalating" finds "escalate"; a plain-English phrase
the LGSCO glossary knows counts as found when its terms of art are in the hits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.retrieval.glossary import default_glossary
from assistant.types import RetrievedParagraph

_STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours usually
    typically typical happen happens happened tell give show find usual often much many kind
    kinds sort say said says ombudsman ombudsmans lgsco council councils councils' decision
    decisions decide decided complaint complaints complain complained case cases get got
    anything something ever
    """.split()
)
_WORD = re.compile(r"[a-z][a-z'’]+")


def content_words(text: str) -> list[str]:
    words = [w.strip("'’") for w in _WORD.findall(text.lower())]
    return list(dict.fromkeys(w for w in words if len(w) >= 3 and w not in _STOPWORDS))


def content_stems(text: str) -> set[str]:
    """The stems of a text's content words: how answers and evals match words."""
    return {w[:5] for w in content_words(text)}


def word_stems(text: str) -> set[str]:
    """The stems of every word of a text, question words and stopwords included."""
    return {w[:5] for w in _WORD.findall(text.lower())}


def keyword_overlap(question: str, hits: Sequence[RetrievedParagraph], top: int = 3) -> float:
    words = content_words(question)
    if not words:
        return 0.0
    text = " ".join(
        " ".join(filter(None, (h.council, h.category, h.subcategory, h.section, h.text))).lower()
        for h in hits[:top]
    )
    stems = word_stems(text)
    found = {w for w in words if w[:5] in stems}
    # A plain-English phrase counts as found when its terms of art stand in the hits
    # ("won't look into it again" <- "re-investigate"), as retrieval's expansion reads it.
    for entry in default_glossary().matching(question):
        if any(
            all(t[:5] in stems for t in content_words(term) or [term.lower()])
            for term in entry.terms
        ):
            plain = {w[:5] for phrase in entry.plain for w in content_words(phrase)}
            found |= {w for w in words if w[:5] in plain}
    return len(found) / len(words)


def best_similarity(hits: Sequence[RetrievedParagraph], top: int = 3) -> float:
    """The closest meaning among the best hits (cosine similarity; 0 when none was dense)."""
    return max((h.dense_similarity or 0.0 for h in hits[:top]), default=0.0)


def is_relevant(question: str, hits: Sequence[RetrievedParagraph], min_overlap: float) -> bool:
    """The gate: a keyword hit and enough of the question's words in the best hits. (A
    threshold on `best_similarity` was measured by cross-validation and not kept.)"""
    if not any(h.keyword_rank is not None for h in hits):
        return False
    return keyword_overlap(question, hits) >= min_overlap
