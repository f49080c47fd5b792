"""The paragraphs a model is shown, under short keys it cites them by.

An answer's keys name the paragraph: its own number under a letter for its decision
(`[A29]` is ¶29 of the first decision shown, `[B8]` ¶8 of the second). Keys by rank
(`[P1]`..`[P5]`) invited the embedded model to number its claims in order, whatever they
cited: the bullets of one paragraph came back as P1, P2, P3 and each had to be re-cited.
A draft letter, whose prompt was measured with rank keys, keeps them (`rank_keys`).

`Context` owns the key format: it writes the prompt's context block, each paragraph under
its key and fenced as data (`<paragraph>` ... `</paragraph>`, with anything in the text that
could close the fence or pass for a chat-template token neutralised), turns keys
back into citations and markers (`[20 008 394 ¶29]`), and quotes its best paragraphs when a
model's reply fails verification.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from assistant.injection import neutralise
from assistant.types import KEY_PATTERN, Citation, RetrievedParagraph, paragraph_label

_KEY = re.compile(rf"\[({KEY_PATTERN})\]")


def paragraph_keys(hits: Sequence[RetrievedParagraph]) -> list[str]:
    """Each hit's key: its paragraph number under its decision's letter, the letters given
    in the order the decisions first appear ('A29', 'A30', 'B8'). A joint decision (one text
    under several references) is one decision, whichever reference a hit carries."""
    return keys_for_paragraphs([(hit.refs, hit.number) for hit in hits])


def keys_for_paragraphs(paragraphs: Sequence[tuple[Sequence[str], int]]) -> list[str]:
    """`paragraph_keys` for (the decision's references, paragraph number) pairs."""
    letters: dict[tuple[str, ...], str] = {}
    return [
        f"{letters.setdefault(tuple(refs), _letter(len(letters)))}{number}"
        for refs, number in paragraphs
    ]


def rank_keys(hits: Sequence[RetrievedParagraph]) -> list[str]:
    """Each hit's key by its rank: 'P1', 'P2', ..."""
    return [f"P{rank}" for rank in range(1, len(hits) + 1)]


KeyScheme = Callable[[Sequence[RetrievedParagraph]], list[str]]
# What an eval run records of the answer's keys; runs recorded before have none (rank keys).
ANSWER_KEYS = "paragraph"


def _letter(index: int) -> str:
    """'A'..'Z', then 'AA', 'AB', ...: the letter of the index-th decision shown."""
    first, last = divmod(index, 26)
    return (chr(ord("A") + first - 1) if first else "") + chr(ord("A") + last)


FENCE = "paragraph"


@dataclass(frozen=True)
class Shown:
    hit: RetrievedParagraph
    header: str  # "[A29] 20 008 394 ¶29, Agreed action (London Borough of Redbridge, Upheld)"
    body: str  # the paragraph's text, neutralised

    @property
    def text(self) -> str:
        """Exactly what the model saw of this paragraph, header included, fence left out."""
        return f"{self.header}\n{self.body}"

    @property
    def fenced(self) -> str:
        return f"{self.header}\n<{FENCE}>\n{self.body}\n</{FENCE}>"


@dataclass(frozen=True)
class KeyedText:
    """Text citing context keys, and the keys it cites in order."""

    text: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Context:
    shown: dict[str, Shown]

    @classmethod
    def of(
        cls,
        hits: Sequence[RetrievedParagraph],
        keys: KeyScheme | None = None,
        bodies: Sequence[str] | None = None,
    ) -> Context:
        """`bodies`: what to show of each hit's text (`Focus`); by default the whole."""
        shown = {}
        texts = bodies if bodies is not None else [hit.text for hit in hits]
        for key, hit, text in zip((keys or paragraph_keys)(hits), hits, texts, strict=True):
            # Every token here is read before the first token of the reply (about 70 a
            # second on 2 cores), so the header holds only what a claim may need: the
            # decision's date and the key a second time were left out (answer.v4's run).
            details = ", ".join(filter(None, (hit.council, hit.outcome)))
            header = f"[{key}] {paragraph_label(', '.join(hit.refs), hit.number)}, " + (
                f"{hit.section} ({details})" if details else hit.section
            )
            shown[key] = Shown(hit, neutralise(" ".join(header.split())), neutralise(text))
        return cls(shown)

    @property
    def text(self) -> str:
        """The prompt's context block: each paragraph under its key, fenced."""
        return "\n\n".join(s.fenced for s in self.shown.values())

    def texts(self) -> dict[str, str]:
        """Key -> the exact text shown for it: what verification checks against."""
        return {key: s.text for key, s in self.shown.items()}

    def only(self, keys: Iterable[str]) -> Context:
        return Context({key: self.shown[key] for key in keys})

    def citations(self, keys: Iterable[str] | None = None) -> tuple[Citation, ...]:
        chosen = self.shown if keys is None else keys
        return tuple(Citation.of(self.shown[key].hit, key) for key in chosen)

    def render(self, text: str) -> str:
        """Keys become markers naming the decision and paragraph; unknown keys go."""
        return _KEY.sub(
            lambda m: self.shown[m.group(1)].hit.marker if m.group(1) in self.shown else "", text
        )

    def extractive(self, count: int = 2) -> KeyedText:
        """The best paragraphs in their own words, cited: used when the model's answer fails."""
        sentences, used = [], []
        for key, shown in list(self.shown.items())[:count]:
            hit = shown.hit
            first_line = hit.text.split("\n", 1)[0]
            sentences.append(
                f"In decision {hit.ref} (¶{hit.number}, {hit.section}): “{first_line}” [{key}]"
            )
            used.append(key)
        return KeyedText(" ".join(sentences), tuple(used))
