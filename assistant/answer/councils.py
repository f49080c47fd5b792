"""Councils a question names, and whether the decisions found are about any of them.

A question about one council ("What did the Ombudsman find against Kent?") is not answered
by another council's decisions, however close their words: the relevance gate declines it
when none of the decisions found names a council the question names. The places come from
a list of every English council with children's services (`councils.txt`), so a council
the index has never heard of is recognised too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from assistant.types import RetrievedParagraph

_COUNCIL_WORD = r"(?:\s+(?:County|City|Borough|Metropolitan Borough|District))?\s+Council\b"


@dataclass(frozen=True)
class NamedCouncil:
    name: str  # the first name of its line in councils.txt
    names: tuple[str, ...]  # every name it goes by


@dataclass(frozen=True)
class _Gazetteer:
    councils: dict[str, NamedCouncil]  # any name -> its council
    pattern: re.Pattern[str]


@cache
def _gazetteer() -> _Gazetteer:
    councils: dict[str, NamedCouncil] = {}
    plain: list[str] = []
    everyday: list[str] = []
    text = resources.files("assistant.answer").joinpath("councils.txt").read_text("utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        is_everyday = line.startswith("!")
        names = tuple(n.strip() for n in line.lstrip("!").split("|"))
        council = NamedCouncil(names[0], names)
        for name in names:
            councils[name.casefold()] = council
            (everyday if is_everyday else plain).append(name)

    def alternation(names: list[str]) -> str:
        # Longest first, so "Central Bedfordshire" wins over "Bedfordshire".
        return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))

    everyone = plain + everyday
    pattern = re.compile(
        # Any name as written ("Kent"), an everyday word only beside "Council" ("Bury
        # Council"), and any name in any case beside "Council" ("kent county council").
        rf"\b(?:London Borough of\s+|Royal Borough of\s+)?"
        rf"(?:(?P<plain>{alternation(plain)})\b"
        rf"|(?P<everyday>{alternation(everyday)}){_COUNCIL_WORD}"
        rf"|(?i:(?P<any>{alternation(everyone)}){_COUNCIL_WORD}))"
    )
    return _Gazetteer(councils, pattern)


def councils_named(text: str) -> tuple[NamedCouncil, ...]:
    """The councils a text names, in order, each once."""
    gazetteer = _gazetteer()
    found: dict[str, NamedCouncil] = {}
    for match in gazetteer.pattern.finditer(text):
        name = match.group("plain") or match.group("everyday") or match.group("any")
        council = gazetteer.councils[name.casefold()]
        found.setdefault(council.name, council)
    return tuple(found.values())


def unmatched_councils(question: str, decision_texts: dict[str, str]) -> tuple[NamedCouncil, ...]:
    """The councils the question names when no decision found names any of them (empty
    when it names none, or when a decision found is about one of them).
    `decision_texts` maps each decision found to its council and text."""
    named = councils_named(question)
    if not named:
        return ()
    if any(is_about(text, named) for text in decision_texts.values()):
        return ()
    return named


def is_about(council_or_text: str | None, named: Sequence[NamedCouncil]) -> bool:
    """Whether a decision's council as the index records it ("London Borough of Redbridge"),
    or its text when the council is not recorded, names one of the named councils."""
    return bool(council_or_text) and any(
        re.search(rf"\b{re.escape(n)}\b", council_or_text) for c in named for n in c.names
    )


def hit_is_about(
    hit: RetrievedParagraph, named: Sequence[NamedCouncil], decision_texts: Mapping[str, str]
) -> bool:
    """Whether a hit comes from a decision about one of the named councils: its council as
    the index records it, or, for an older record without one, its decision's text
    (`decision_texts`: ref -> council and text) naming one."""
    return is_about(hit.council or decision_texts.get(hit.ref), named)
