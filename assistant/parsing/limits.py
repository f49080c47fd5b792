"""Sane limits for what a reader accepts, and the checks every parsed decision passes.

Real decisions are small: the longest sample paragraph is about 3,000 characters, a saved
decision page about 100 KB, the longest published report some 200 paragraphs. Anything far
beyond that is a broken or hostile file (a 50 MB one-paragraph file once took 143 s and
6.5 GB to ingest), so it is named, skipped and reported; the rest of the run goes on.

`vet_decision` is applied to every decision before it is indexed, whatever it was read from
(a file, or an imported corpus whose JSON was never through a reader).
"""

from __future__ import annotations

import re

from assistant.errors import ParseError
from assistant.parsing.urls import decision_url
from assistant.types import Decision

MAX_DECISION_BYTES = 5_000_000  # one decision's file: a text copy, a saved page, a record
MAX_BULK_BYTES = 200_000_000  # a JSON Lines or JSON array file holding many records
MAX_PARAGRAPH_CHARS = 20_000
MAX_PARAGRAPHS = 1_000
MAX_NESTING = 100  # HTML elements inside each other, as far as the reader walks them

# C0 and C1 control characters (tab and newline stay) and lone surrogates (from JSON
# escapes like "\ud800"; they cannot be written as UTF-8): never part of a decision's text.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """The text without control characters (NUL included) or lone surrogates; a carriage
    return becomes a newline."""
    return _UNPRINTABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def check_paragraph_sizes(source: str, texts: list[str]) -> None:
    """Refuse a decision with too many paragraphs or a paragraph far longer than any real one."""
    if len(texts) > MAX_PARAGRAPHS:
        raise ParseError(
            source, f"{len(texts):,} paragraphs; the limit is {MAX_PARAGRAPHS:,} per decision"
        )
    for number, text in enumerate(texts, start=1):
        if len(text) > MAX_PARAGRAPH_CHARS:
            raise ParseError(
                source,
                f"paragraph {number} is {len(text):,} characters; the limit is "
                f"{MAX_PARAGRAPH_CHARS:,}",
            )


def vet_decision(decision: Decision) -> Decision:
    """The decision if it is one a reader could have produced: paragraphs numbered 1..N
    without gaps, within the size limits, no control characters in any text, and a link
    that is its stated page or the site's search for it (never another address)."""
    source = decision.source or decision.ref
    numbers = [p.number for p in decision.paragraphs]
    if not numbers:
        raise ParseError(source, f"{decision.ref} has no paragraphs")
    if numbers != list(range(1, len(numbers) + 1)):
        raise ParseError(
            source, f"{decision.ref}: paragraphs must be numbered 1..{len(numbers)} without gaps"
        )
    check_paragraph_sizes(source, [p.text for p in decision.paragraphs])
    texts = [
        decision.council,
        decision.category,
        decision.subcategory,
        decision.outcome,
        decision.summary,
        decision.url,
        *(f"{p.section}{p.subsection or ''}{p.text}" for p in decision.paragraphs),
    ]
    if any(text and _UNPRINTABLE.search(text) for text in texts):
        raise ParseError(source, f"{decision.ref} holds control characters (e.g. NUL bytes)")
    url = decision_url(decision.url, decision.ref)
    return decision if url == decision.url else decision.model_copy(update={"url": url})
