"""The kind of fact a question asks for, and whether a text states one.

"How much did Dudley pay for distress?" is answered by an amount of money and by nothing
else: sentences that cite the right paragraph but name no amount do not answer it, however
well they are supported. The embedded model writes such sentences (it restates the
paragraph it cites), so an answer is checked for the kind of fact asked: an amount, a length
of time, an age, a count, a percentage, a share of something (a percentage, a fraction or
an amount), a frequency, a person's name, a date, or a deadline (a date or a length of
time). When the model's sentences state none, the shown sentences that do are quoted; when
no shown sentence states one, the decisions found do not answer the question. A person's
name is never stated: published decisions name no one involved.

Only explicit question phrases are read ("how much", "how much of the", "how long", "how
many weeks", "how old", "how often", "what percentage", "what was the name of", "when did",
"what date", "by when"); a question asking anything else asks for no kind, nor does "how
much of a" ("how much of a say do parents get?" asks for a degree). "When" asks for a date
only in the past tense ("when did", "when was"): "when does the Ombudsman find fault" asks
for circumstances.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.answer.councils import NamedCouncil, hit_is_about
from assistant.types import RetrievedParagraph

_NUMBER = (
    r"(?:\d+(?:[.,]\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|fifteen|twenty|thirty|several|a few|few|many)"
)
_UNIT = r"(?:working\s+)?(?:day|week|month|year|fortnight)s?"
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)"
)


@dataclass(frozen=True)
class Asked:
    """A kind of fact: what the user is told it is, and how a sentence states one."""

    name: str
    stated: re.Pattern[str]
    why: str = ""  # told with a decline, when the kind is never stated for a known reason

    def stated_in(self, text: str) -> bool:
        return bool(self.stated.search(text))


AMOUNT = Asked("an amount of money", re.compile(r"£\s?\d"))
# A length of time is a number of units ("four weeks", "a two-month delay") or the dates
# it runs between ("in March 2020 ... in April 2020").
DURATION = Asked(
    "a length of time",
    re.compile(rf"\b{_NUMBER}[\s-]+{_UNIT}\b|\b{_MONTH}\s+\d{{4}}\b", re.IGNORECASE),
)
AGE = Asked(
    "an age",
    re.compile(
        r"\baged?\s+\d+|\b\d+[\s-]+years?[\s-]+old\b|\b\d+(?:st|nd|rd|th)\s+birthday",
        re.IGNORECASE,
    ),
)
# A date: a day and month, a month and year, or a year ("in late 2022"), but not the year
# of an Act or of Regulations ("Children Act 1989"), an amount or part of a larger number.
_DATE = (
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b|\b{_MONTH}\s+\d{{4}}\b"
    r"|(?<!\bact )(?<!\bregulations )(?<![£\d,.])\b(?:19|20)\d\d\b(?![,.]?\d)"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
)
DATE = Asked("a date", re.compile(_DATE, re.IGNORECASE))
# "By when did they have to report back?" is answered by "within six months" as well.
DEADLINE = Asked(
    "a date or a length of time",
    re.compile(f"{_DATE}|{DURATION.stated.pattern}", re.IGNORECASE),
)
# How often: "twice a week", "every two weeks", "monthly", "for each month".
FREQUENCY = Asked(
    "a frequency",
    re.compile(
        r"\b(?:once|twice|\w+\s+times)\s+(?:a|an|per|each|every)\b"
        r"|\b(?:daily|weekly|fortnightly|monthly|quarterly|yearly|annually)\b"
        r"|\bevery\s+(?:\w+\s+)?(?:day|week|fortnight|month|year)s?\b"
        r"|\b(?:per|each)\s+(?:day|week|fortnight|month|year)\b",
        re.IGNORECASE,
    ),
)
# A person's name: a title and a surname. The Ombudsman's published decisions name no one
# involved ("Ms X", "Mr B", "the social worker"), so a question asking who someone was by
# name is declined, as nothing shown can state it.
NAME = Asked(
    "a person's name",
    re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z]+"),
    why="The Ombudsman's published decisions do not name the people involved.",
)
PERCENTAGE = Asked("a percentage", re.compile(r"\d\s?(?:%|per\s?cent)", re.IGNORECASE))
# "How much of the cost did the council cover?" asks for a share of something: "50%",
# "half", "in full", or the amount itself. ("What part of the complaint" asks which part.)
SHARE = Asked(
    "a share or an amount",
    re.compile(
        rf"{PERCENTAGE.stated.pattern}|{AMOUNT.stated.pattern}"
        r"|\b(?:half|a third|two thirds|a quarter|three quarters|in full|the full cost)\b",
        re.IGNORECASE,
    ),
)
# A count: a number that is not a year, a paragraph number or a sum of money.
COUNT = Asked(
    "a number",
    re.compile(
        r"(?<![£¶\d.,])\b(?!(?:19|20)\d\d\b)\d+\b|\b(?:one|two|three|four|five|six|seven|"
        r"eight|nine|ten|eleven|twelve|both|all|none|several|a few)\b",
        re.IGNORECASE,
    ),
)

_BE = r"(?:['’]?s| (?:was|is|were|are))"  # "what's", "whats", "what was"
_WHOSE = r"(?:the|her|his|their|my)"

_QUESTIONS: tuple[tuple[re.Pattern[str], Asked], ...] = (
    (
        re.compile(
            r"\bhow much of (?:the|their|her|his|its|my|our|your|this|that)\b"
            r"|\bwhat (?:share|fraction) of\b"
        ),
        SHARE,
    ),
    (re.compile(r"\bhow much\b(?! of an?\b)|\bwhat (?:exact |total )?(?:amount|sum)\b"), AMOUNT),
    (re.compile(r"\bwhat percentage\b|\bwhat proportion\b"), PERCENTAGE),
    (re.compile(rf"\bhow long\b|\bhow many {_UNIT}\b"), DURATION),
    (re.compile(r"\bhow old\b|\bwhat age\b"), AGE),
    (re.compile(r"\bhow (?:often|frequently|regularly)\b"), FREQUENCY),
    (re.compile(r"\bhow many\b"), COUNT),
    # "what was the name of the social worker", "what was the IRO's name"; not the name of
    # a council, a decision or a document, which the decisions do state.
    (
        re.compile(
            rf"\bwhat{_BE}? (?:the |her |his |their )?names? of (?:{_WHOSE} )?+"
            r"(?!council|local authority|authority|borough|decision|act\b|policy|guidance|law|"
            r"regulation|procedure|process|scheme|report|case)"
            rf"|\bwhat{_BE} {_WHOSE} [a-z ]{{1,30}}['’]s? names?\b"
        ),
        NAME,
    ),
    (
        re.compile(r"\bby when\b|\bwhen (?:did|do|does|must|should)\b[^?]*\bhave to\b"),
        DEADLINE,
    ),
    (re.compile(r"\bwhen (?:did|was|were)\b|\b(?:what|which) (?:date|month|year)\b"), DATE),
)


_AUXILIARY = frozenset(
    "did do does was were is are has have had will would should could can must may might".split()
)
_SUBJECT = frozenset(
    "i you he she they we it her his their my our the a an this that ms mr mrs miss".split()
)
# Words that make a clause after them a question even when it reads as a statement:
# "I want to know how much the council paid" asks for an amount.
_ASKING = frozenset(
    "know tell ask asking asked wonder wondering idea sure check confirm remind explain".split()
)
_APOSTROPHE = re.compile(r"['’]")
_CLAUSE_START = re.compile(
    r"(?:^|[.?!:;,(\-–—]|\b(?:and|but|so|or|then|also|exactly|roughly|about|just))\s*$"
)


def _inside_a_statement(lowered: str, start: int, end: int) -> bool:
    """Whether the question phrase at `start:end` opens a clause inside a statement, not a
    question: "when deciding how much help she's given", "for how many years her complaint
    dragged on". Such a clause runs subject first (after at most one noun), follows a word
    of its sentence, and follows no word of asking."""
    before, after = lowered[:start], lowered[end:].split()
    if _CLAUSE_START.search(before) or set(before.split()[-4:]) & _ASKING:
        return False
    if lowered[:end].split()[-1] in _AUXILIARY:  # "when did", "when was": a question
        return False
    for word in after[:2]:
        word = _APOSTROPHE.split(word.strip("?,.!"))[0]  # "she's" -> "she"
        if word in _AUXILIARY:
            return False
        if word in _SUBJECT:
            return True
    return False


def asked_for(question: str) -> Asked | None:
    """The kind of fact the question asks for, by its first question phrase that is a
    question (not a clause inside a statement, see `_inside_a_statement`); None when it
    asks for none of them."""
    lowered = question.lower()
    found = [
        (m.start(), asked)
        for pattern, asked in _QUESTIONS
        for m in pattern.finditer(lowered)
        if not _inside_a_statement(lowered, m.start(), m.end())
    ]
    # A deadline phrase and a date phrase can start at one "when": the deadline is listed
    # first, and min keeps the first of equal starts.
    return min(found, key=lambda f: f[0])[1] if found else None


def unstated_in_hits(
    asked: Asked,
    named: Sequence[NamedCouncil],
    hits: Sequence[RetrievedParagraph],
    decision_texts: Mapping[str, str],
) -> bool:
    """Whether no hit states the kind of fact asked: no hit at all, or none of a decision
    about the `named` councils, when the question names any (`decision_texts` as
    `hit_is_about` reads them). Such a question is declined before the model is asked, as
    its answer would be after: nothing shown could state what it asks for."""
    if not hits:
        return False
    sources = [hit for hit in hits if not named or hit_is_about(hit, named, decision_texts)]
    return not any(asked.stated_in(hit.text) for hit in sources)
