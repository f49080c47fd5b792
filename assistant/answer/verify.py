"""The answer contract, enforced in code.

- A citation key the model was not given is removed and counted.
- Every figure in a sentence (amounts with their rate, periods, dates, percentages, numbers)
  must stand in a paragraph that sentence cites; a sentence that fails is dropped and
  counted. "£300 for each month" fails against "£50 for each month ... a total of £300":
  an amount is compared together with the rate attached to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.types import Verification

CITATION = re.compile(r"\[(P\d+(?:\s*[,;]\s*P\d+)*)\]")
_KEY = re.compile(r"P\d+")
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
_BARE_NUMBER = re.compile(r"(?<![\w£.,/])\d+(?:,\d{3})*(?:\.\d+)?(?![\w%/])")
_REFERENCE = re.compile(r"\b\d{2}\s?\d{3}\s?\d{3}\b")
_PARAGRAPH_MARK = re.compile(r"(?:¶|paragraphs?|para\.?)\s*\d+", re.IGNORECASE)
# A sentence ends at . ! or ? and keeps the key markers that follow it ("... found. [P1]").
_SENTENCE_END = re.compile(
    r"(?<=[.!?])((?:\s*\[P\d+(?:\s*[,;]\s*P\d+)*\])*)\s+(?=[A-Z0-9£(\"“‘'])"
)


def _number(token: str) -> str:
    token = token.lower().replace(",", "")
    if token in _NUMBER_WORDS:
        return str(_NUMBER_WORDS[token])
    return token.rstrip("0").rstrip(".") if "." in token else token


def figures(text: str) -> set[str]:
    """The checkable figures in a text, normalised so '£1,000' == '£1000', 'four weeks' ==
    '4 weeks', and an amount carries its rate ('£50/month')."""
    found: set[str] = set()
    stripped = _PARAGRAPH_MARK.sub(" ", _REFERENCE.sub(" ", CITATION.sub(" ", text)))
    for match in _MONEY.finditer(stripped):
        amount = _number(match.group("amount"))
        rate = match.group("rate")
        unit = re.search(r"(month|week|year|day)", rate, re.I).group(1).lower() if rate else ""
        found.add(f"£{amount}/{unit}" if unit else f"£{amount}")
    without_money = _MONEY.sub(" ", stripped)
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
    return found


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


@dataclass
class VerifiedSentence:
    text: str
    keys: list[str]


@dataclass
class VerificationResult:
    sentences: list[VerifiedSentence] = field(default_factory=list)
    dropped_citations: int = 0
    dropped_sentences: int = 0
    replaced_sentences: int = 0
    uncited_sentences: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def cited_keys(self) -> list[str]:
        keys: list[str] = []
        for sentence in self.sentences:
            keys.extend(k for k in sentence.keys if k not in keys)
        return keys

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    def counts(self, *, fell_back: bool) -> Verification:
        """What the contract did, as reported on an answer or a draft."""
        return Verification(
            dropped_citations=self.dropped_citations,
            dropped_sentences=self.dropped_sentences,
            replaced_sentences=self.replaced_sentences,
            uncited_sentences=self.uncited_sentences,
            fell_back_to_extractive=fell_back,
            notes=tuple(self.notes),
        )


def verify(answer: str, context: dict[str, str]) -> VerificationResult:
    """Check an answer against the paragraphs it was shown (key -> paragraph text)."""
    result = VerificationResult()
    source_figures = {key: figures(text) for key, text in context.items()}
    for sentence in split_sentences(answer):
        keys: list[str] = []
        invalid: list[str] = []
        for group in CITATION.findall(sentence):
            for key in _KEY.findall(group):
                (keys if key in context else invalid).append(key)
        if invalid:
            result.dropped_citations += len(invalid)
            result.notes.append(
                f"removed citation(s) to paragraphs not shown: {', '.join(invalid)}"
            )
        clean = _clean_citations(sentence, set(keys))
        stated = figures(clean)
        if stated:
            cited = set().union(*(source_figures[k] for k in keys)) if keys else set()
            unsupported = sorted(f for f in stated if not supported(f, cited))
            if unsupported:
                replacement = _own_words(unsupported, context, source_figures)
                if replacement is not None:
                    result.replaced_sentences += 1
                    result.notes.append(
                        f"replaced a sentence whose figure(s) {', '.join(unsupported)} were "
                        "mis-cited with the words of the paragraph that states them"
                    )
                    result.sentences.append(replacement)
                    continue
                result.dropped_sentences += 1
                result.notes.append(
                    f"removed a sentence whose figure(s) {', '.join(unsupported)} are not in "
                    "the paragraphs it cites"
                )
                continue
        if not keys:
            result.uncited_sentences += 1
        result.sentences.append(VerifiedSentence(clean, list(dict.fromkeys(keys))))
    return result


def _own_words(
    unsupported: list[str], context: dict[str, str], source_figures: dict[str, set[str]]
) -> VerifiedSentence | None:
    """The sentence of a shown paragraph that states the figures, if exactly one does."""
    owners = [
        k for k, figs in source_figures.items() if all(supported(f, figs) for f in unsupported)
    ]
    if len(owners) != 1:
        return None
    key = owners[0]
    body = context[key].split("\n", 1)[-1]
    for sentence in split_sentences(body.replace("\n• ", " ")):
        figs = figures(sentence)
        if figs and all(supported(f, figs) for f in unsupported):
            return VerifiedSentence(f"“{sentence.strip()}” [{key}]", [key])
    return None


def _clean_citations(sentence: str, valid: set[str]) -> str:
    def keep(match: re.Match[str]) -> str:
        kept = [k for k in _KEY.findall(match.group(1)) if k in valid]
        return "".join(f"[{k}]" for k in kept)

    cleaned = CITATION.sub(keep, sentence)
    return re.sub(r"\s+([.,;])", r"\1", re.sub(r"\s{2,}", " ", cleaned)).strip()
