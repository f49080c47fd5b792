"""The LGSCO glossary: plain-English phrases -> the Ombudsman's terms of art, for expansion.

`glossary.toml` (package data) holds the entries, each citing where its terms stand. A
question containing an entry's plain phrase gets the entry's terms added to its query, at a
lower weight than its own words (see `HybridRetriever`). Phrases match word by word, in
order, with up to two extra words between them ("never rang me back" matches "never rang
back"); case, apostrophes and plural / -ed / -ing endings are ignored.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

GLOSSARY_FILE = Path(__file__).with_name("glossary.toml")
_WORD = re.compile(r"[a-z0-9£]+")
_GAP = 2


def words(text: str) -> list[str]:
    """Lower-cased, apostrophes dropped ("won't" -> "wont"), crude endings stripped."""
    text = text.lower().replace("’", "").replace("'", "").replace("‘", "")
    return [_stem(w) for w in _WORD.findall(text)]


def _stem(word: str) -> str:
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


@dataclass(frozen=True)
class Entry:
    plain: tuple[str, ...]
    terms: tuple[str, ...]
    source: str

    def matches(self, question_words: list[str]) -> bool:
        return any(_contains(question_words, phrase) for phrase in self.plain_words)

    @cached_property
    def plain_words(self) -> tuple[list[str], ...]:
        # Once per entry, not per question: it was a third of a keyword search's time.
        return tuple(words(p) for p in self.plain)


def _contains(haystack: list[str], phrase: list[str]) -> bool:
    if not phrase:
        return False
    for start, word in enumerate(haystack):
        if word != phrase[0]:
            continue
        position, ok = start, True
        for token in phrase[1:]:
            window = haystack[position + 1 : position + 2 + _GAP]
            if token not in window:
                ok = False
                break
            position += 1 + window.index(token)
        if ok:
            return True
    return False


@dataclass(frozen=True)
class Glossary:
    entries: tuple[Entry, ...]

    @classmethod
    def load(cls, path: Path = GLOSSARY_FILE) -> Glossary:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        entries = []
        for number, row in enumerate(data.get("entry", []), start=1):
            if not row.get("plain") or not row.get("terms") or not row.get("source"):
                raise ValueError(f"{path}: entry {number} needs plain, terms and source")
            entries.append(Entry(tuple(row["plain"]), tuple(row["terms"]), row["source"]))
        return cls(tuple(entries))

    def matching(self, question: str) -> list[Entry]:
        found = words(question)
        return [e for e in self.entries if e.matches(found)]

    def expansion(self, question: str) -> str:
        """The terms of art to add to `question` ("" when no entry matches)."""
        terms: dict[str, None] = {}
        for entry in self.matching(question):
            terms.update(dict.fromkeys(entry.terms))
        return "; ".join(terms)


@cache
def default_glossary() -> Glossary:
    return Glossary.load()
