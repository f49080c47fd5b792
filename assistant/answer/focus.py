"""A long paragraph is shown to the model as its sentences nearest the question.

Reading the prompt is most of the wait for the first token on 2 cores (70 to 100 tokens a
second), and the shown paragraphs are most of the prompt. A paragraph of more than
`words` words is cut to the sentences that best match the question, in the paragraph's
order, each run of left-out sentences marked by an ellipsis on a line of its own. Its key,
header and citation stay the paragraph's, and everything after the model checks against
what was shown (`Context.texts`), so a claim is only supported by a sentence the model saw.

A sentence scores its embedding's cosine with the question's, plus the share of the
question's content words it holds (the keyword side, as retrieval fuses both), plus two
when it states the kind of fact asked for (an amount for "how much"), so that every
sentence stating one comes before any that does not. Sentences are kept
best first until the kept words reach `words`; a kept list item brings the sentence
introducing its list ("the council has agreed to:"), which alone says whose it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer.asked import Asked
from assistant.answer.relevance import content_stems, word_stems
from assistant.answer.verify import split_sentences

GAP = "…"
# Above any cosine plus share: a sentence stating the kind of fact asked comes first.
_STATES_THE_KIND = 2.0
_BULLET = "•"

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Unit:
    """One sentence of a paragraph, or one whole list item: the line it stands on, and
    whether that line is a list item."""

    line: int
    text: str
    bullet: bool


def units_of(paragraph: str) -> list[Unit]:
    """The paragraph's sentences in order, a list item whole (without its bullet mark): its
    later sentences lean on its first ("pay the first family £300 ... This would also
    acknowledge the additional costs"), and shown alone they were misread."""
    units = []
    for number, line in enumerate(raw.strip() for raw in paragraph.splitlines()):
        if line.startswith(_BULLET):
            item = line.lstrip(_BULLET).strip()
            units.extend([Unit(number, item, True)] if item else [])
            continue
        units.extend(Unit(number, sentence, False) for sentence in split_sentences(line))
    return units


def cut(units: Sequence[Unit], scores: Sequence[float], words: int) -> str:
    """The units best by `scores` until their words reach `words`, with each kept list
    item's introduction, rendered in the paragraph's order: a unit continuing the line of
    the one before joins it, a list item starts its own line with its bullet, and each run
    of left-out units is one ellipsis line."""
    kept: set[int] = set()
    total = 0
    for index in sorted(range(len(units)), key=lambda i: (-scores[i], i)):
        if total >= words:
            break
        kept.add(index)
        total += len(units[index].text.split())
    for index in sorted(kept):
        if units[index].bullet and (intro := _introduction(units, index)) is not None:
            kept.add(intro)
    lines: list[str] = []
    previous: Unit | None = None
    for index, unit in enumerate(units):
        if index not in kept:
            if lines[-1:] != [GAP]:
                lines.append(GAP)
            previous = None
            continue
        if previous is not None and previous.line == unit.line:
            lines[-1] += f" {unit.text}"
        else:
            lines.append(f"{_BULLET} {unit.text}" if unit.bullet else unit.text)
        previous = unit
    return "\n".join(lines)


def _introduction(units: Sequence[Unit], item: int) -> int | None:
    """The sentence ending in a colon just above the list holding units[item], if any."""
    for index in range(item - 1, -1, -1):
        if not units[index].bullet:
            return index if units[index].text.rstrip().endswith(":") else None
    return None


class Focus:
    """Cuts each shown paragraph longer than `words` words to its sentences nearest the
    question; `words` 0 shows every paragraph whole."""

    def __init__(self, encode: Encode, words: int) -> None:
        self.encode = encode
        self.words = words

    def bodies(self, question: str, texts: Sequence[str], asked: Asked | None) -> list[str]:
        """What to show of each paragraph text, in order."""
        units = {
            i: units_of(text)
            for i, text in enumerate(texts)
            if self.words and len(text.split()) > self.words
        }
        long = [i for i, found in units.items() if len(found) > 1]
        if not long:
            return list(texts)
        sentences = [unit.text for i in long for unit in units[i]]
        vectors = self.encode([question, *sentences])
        cosines = iter((vectors[1:] @ vectors[0]).tolist())
        wanted = content_stems(question)
        bodies = list(texts)
        for i in long:
            scores = [
                next(cosines)
                + (len(wanted & word_stems(unit.text)) / len(wanted) if wanted else 0.0)
                + (_STATES_THE_KIND if asked is not None and asked.stated_in(unit.text) else 0.0)
                for unit in units[i]
            ]
            bodies[i] = cut(units[i], scores, self.words)
        return bodies
