"""The answer contract, enforced in code.

- A citation key the model was not given is removed and counted.
- Every figure in a sentence (amounts with their rate, periods, dates, percentages, numbers)
  must stand in a paragraph that sentence cites; a sentence that fails is dropped and
  counted. "£300 for each month" fails against "£50 for each month ... a total of £300":
  an amount is compared together with the rate attached to it.
"""

from __future__ import annotations

import re

from assistant.types import KEY_PATTERN

CITATION = re.compile(rf"\[({KEY_PATTERN}(?:\s*[,;]\s*{KEY_PATTERN})*)\]")
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "twenty": 20,
    "thirty": 30,
}
_NUM = r"(?:\d+(?:,\d{3})*(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")"
_MONEY = re.compile(
    r"£\s?(?P<amount>\d+(?:,\d{3})*(?:\.\d{2})?)"
    r"(?P<rate>\s*(?:for each|for every|per|a|each|every)\s+"
    r"(?:month|week|year|day))?",
    re.IGNORECASE,
)
_PERIOD = re.compile(
    rf"\b(?P<n>{_NUM})[\s-]+(?P<unit>days?|weeks?|months?|years?|hours?)\b", re.IGNORECASE
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    rf"\b(?:(?P<day>\d{{1,2}})\s+)?(?P<month>{_MONTHS})\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_PERCENT = re.compile(r"\b\d+(?:\.\d+)?\s?%")
# A count in words: "nine appeals", "three-stage" ("one" is left out: "one of the", "no one";
# so is a number naming a stage or part, "stage two of the procedure", which counts nothing).
_COUNT_WORD = re.compile(
    r"(?<!stage\s)(?<!part\s)(?<!step\s)(?<!level\s)(?<!phase\s)(?<!section\s)"
    r"\b(" + "|".join(w for w in _NUMBER_WORDS if w != "one") + r")\b(?=[\s-]+[a-z])",
    re.IGNORECASE,
)
# A number naming a stage or part is a label, in figures or words: "stage 2" is "stage two".
_LABEL = re.compile(
    r"\b(?P<label>stage|part|step|level|phase)\s+(?P<n>\d+|one|two|three|four|five|six)\b",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"(?<![\w£.,/])\d+(?:,\d{3})*(?:\.\d+)?(?![\w%/])")
REFERENCE = re.compile(r"\b\d{2}\s?\d{3}\s?\d{3}\b")
_PARAGRAPH_MARK = re.compile(r"(?:¶|paragraphs?|para\.?)\s*\d+", re.IGNORECASE)
# A sentence ends at . ! or ? and keeps the key markers that follow it ("... found. [P1]").
_SENTENCE_END = re.compile(
    rf"(?<=[.!?])((?:\s*\[{KEY_PATTERN}(?:\s*[,;]\s*{KEY_PATTERN})*\])*)\s+(?=[A-Z0-9£(\"“‘'])"
)


def _number(token: str) -> str:
    token = token.lower().replace(",", "")
    if token in _NUMBER_WORDS:
        return str(_NUMBER_WORDS[token])
    return token.rstrip("0").rstrip(".") if "." in token else token


def figures(text: str) -> set[str]:
    """The checkable figures in a text, normalised so '£1,000' == '£1000', 'four weeks' ==
    '4 weeks', 'stage two' == 'stage 2', and an amount carries its rate ('£50/month')."""
    found: set[str] = set()
    stripped = _PARAGRAPH_MARK.sub(" ", REFERENCE.sub(" ", CITATION.sub(" ", text)))
    for match in _MONEY.finditer(stripped):
        amount = _number(match.group("amount"))
        rate = match.group("rate")
        unit = re.search(r"(month|week|year|day)", rate, re.I).group(1).lower() if rate else ""
        found.add(f"£{amount}/{unit}" if unit else f"£{amount}")
    without_money = _MONEY.sub(" ", stripped)
    for match in _LABEL.finditer(without_money):
        found.add(f"{match.group('label').lower()} {_number(match.group('n'))}")
    without_money = _LABEL.sub(" ", without_money)
    for match in _PERIOD.finditer(without_money):
        unit = match.group("unit").lower().rstrip("s")
        found.add(f"{_number(match.group('n'))} {unit}")
    for match in _DATE.finditer(without_money):
        month = match.group("month").lower()[:3]
        found.add(f"{month} {match.group('year')}")
    found.update(y for y in _YEAR.findall(without_money))
    found.update(p.replace(" ", "") for p in _PERCENT.findall(without_money))
    without_periods = _PERIOD.sub(" ", _DATE.sub(" ", without_money))
    for token in _BARE_NUMBER.findall(without_periods):
        if not _YEAR.fullmatch(token):
            found.add(_number(token))
    found.update(_number(w) for w in _COUNT_WORD.findall(without_periods))
    return found


def amounts(text: str) -> set[str]:
    """The amounts of money among a text's `figures`, each with its rate ('£50/month')."""
    return {f for f in figures(text) if f.startswith("£")}


def supported(figure: str, source: set[str]) -> bool:
    if figure in source:
        return True
    if re.fullmatch(r"\d+", figure):
        # A bare count may be stated in the source with a unit or an amount.
        return any(re.fullmatch(rf"(£)?{figure}(/\w+| \w+)?", s) for s in source)
    return False


def split_sentences(text: str) -> list[str]:
    parts: list[str] = []
    for block in text.strip().split("\n"):
        block = block.strip()
        if block:
            marked = _SENTENCE_END.sub(lambda m: m.group(1) + "\x00", block)
            parts.extend(s.strip() for s in marked.split("\x00") if s.strip())
    return parts
