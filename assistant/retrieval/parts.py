"""Questions that ask two things ("what did the Ombudsman say when …, and what remedy did
it ask for?") searched part by part as well as whole.

One search for the whole question finds the paragraphs that best match it all, and the
words of one part can drown the other's: the finding on a refusal to escalate loses to
the agreed-action paragraph. Each part is searched too (a later part carries the first
part's words, since "it" and "they" refer back to it) and the ranked lists are
interleaved, the whole question's first, so the best paragraph for each part reaches the
top k.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.types import RetrievedParagraph, SearchFilters

# ", and what …" / " and how …": a conjunction that starts a new question.
_NEW_QUESTION = re.compile(
    r",?\s+(?:and|but|also)\s+(?=(?:what|how|which|why|when|whether|who|did|does|do|was|were|"
    r"is|are|can|could|should|would|has|have|if)\b)|\?\s+(?=\S)",
    re.IGNORECASE,
)
_MIN_PART_WORDS = 3

Search = Callable[[str, SearchFilters | None, int], list[RetrievedParagraph]]


def question_parts(question: str) -> list[str]:
    """The questions within a question, each standalone; [] when it asks one thing."""
    pieces = [p.strip(" ?,;") for p in _NEW_QUESTION.split(question)]
    pieces = [p for p in pieces if len(p.split()) >= _MIN_PART_WORDS]
    if len(pieces) < 2:
        return []
    first = pieces[0]
    return [first, *(f"{piece} ({first})" for piece in pieces[1:])]


def search_in_parts(
    search: Search, question: str, filters: SearchFilters | None, k: int
) -> list[RetrievedParagraph]:
    """`search` for the whole question and for each of its parts, interleaved."""
    whole = search(question, filters, k)
    parts = question_parts(question)
    if not parts:
        return whole
    return interleave([whole, *(search(part, filters, k) for part in parts)], k)


def interleave(ranked: Sequence[Sequence[RetrievedParagraph]], k: int) -> list[RetrievedParagraph]:
    """Rank 1 of each list in turn, then rank 2, … each paragraph once, up to k."""
    chosen: list[RetrievedParagraph] = []
    seen: set[tuple[tuple[str, ...], int]] = set()
    for rank in range(max((len(r) for r in ranked), default=0)):
        for hits in ranked:
            if rank < len(hits) and (place := (hits[rank].refs, hits[rank].number)) not in seen:
                seen.add(place)
                chosen.append(hits[rank])
                if len(chosen) == k:
                    return chosen
    return chosen
