"""The model's answer as claims: short statements, each resting on paragraphs it was shown.

A 1.5B model is given a job it can do. Where the endpoint offers structured output (the
embedded llama.cpp server does), the reply is constrained by `claims_schema`, whose `key` is
an enum of the shown keys, so a key the model was not given cannot be produced. From an
endpoint without it, the same claims are read from plain text with `[P1]` markers.

Every claim then passes `check_claims`: a claim citing nothing is removed; a claim its
paragraph does not support (`support.check_support`) is re-cited to the one other shown
paragraph that does support it, or replaced by the sentence of its paragraph that states
it, or removed; a claim that only introduces a list ("the Council offered:") is quoted with
the list from its paragraph; a copy the length cap cut mid-sentence is finished with the
rest of its paragraph's sentence. Each step is counted, so no uncited or unsupported
sentence reaches a user unseen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assistant.answer.context import KeyedText
from assistant.answer.relevance import content_stems, word_stems
from assistant.answer.support import (
    check_support,
    compact,
    list_introduced,
    paragraph_of,
    sentences_of,
)
from assistant.answer.verify import CITATION, split_sentences
from assistant.types import KEY_PATTERN, Verification

MAX_CLAIMS = 4
MAX_STATEMENT_CHARS = 300
_KEY = re.compile(KEY_PATTERN)
_STATEMENT = re.compile(r'"statement"\s*:\s*"((?:[^"\\]|\\.)*)"')
_CLAIMS_START = re.compile(r'\{\s*"claims"\s*:\s*\[')
# A completed claim: its key, then its statement, in the schema's order.
_KEYED_STATEMENT = re.compile(r'"key"\s*:\s*"([^"]*)"\s*,\s*' + _STATEMENT.pattern)


@dataclass(frozen=True)
class Claim:
    keys: tuple[str, ...]
    statement: str


def claims_schema(keys: Sequence[str], max_claims: int = MAX_CLAIMS) -> dict:
    """A JSON schema for the model's reply: at most `max_claims` claims, each one shown key
    and one short statement. An empty list is how the model says nothing answers."""
    return {
        "type": "object",
        "properties": {
            "claims": {
                "type": "array",
                "maxItems": max_claims,
                "items": {
                    "type": "object",
                    "properties": {
                        "key": {"type": "string", "enum": list(keys)},
                        "statement": {"type": "string", "maxLength": MAX_STATEMENT_CHARS},
                    },
                    "required": ["key", "statement"],
                },
            }
        },
        "required": ["claims"],
    }


def parse_claims(raw: str) -> list[Claim]:
    """Claims from a structured reply (one per sentence of each statement, citing its key),
    or from plain text where each sentence cites the keys in its `[P1]` markers (a sentence
    without one is a claim citing nothing)."""
    text = raw.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if data is None and _CLAIMS_START.match(text):
            # Cut off at the token limit: the claims it completed, in the schema's order.
            completed = _KEYED_STATEMENT.findall(text)
            data = {"claims": [{"key": k, "statement": _unescape(s)} for k, s in completed]}
        if isinstance(data, dict) and isinstance(data.get("claims"), list):
            claims = []
            for item in data["claims"]:
                if not isinstance(item, dict):
                    continue
                statement = _whole(str(item.get("statement", "")).strip())
                key = str(item.get("key", "")).strip()
                # Each sentence of a statement is a claim of its own: checked on its own
                # and shown with its own citation, so every sentence a user reads is cited.
                claims.extend(
                    Claim((key,) if key else (), sentence)
                    for sentence in split_sentences(statement)
                )
            return claims
    claims = []
    for sentence in split_sentences(text):
        keys = tuple(dict.fromkeys(k for g in CITATION.findall(sentence) for k in _KEY.findall(g)))
        statement = re.sub(r"\s+([.,;])", r"\1", CITATION.sub("", sentence)).strip()
        if statement:
            claims.append(Claim(keys, statement))
    return claims


def completed_statements(raw: str) -> list[str]:
    """The statements a structured reply has completed so far: what streaming shows."""
    return [_unescape(escaped) for escaped in _STATEMENT.findall(raw)]


def _unescape(escaped: str) -> str:
    try:
        return json.loads(f'"{escaped}"')
    except json.JSONDecodeError:
        return escaped


@dataclass(frozen=True)
class CheckedSentence:
    text: str
    keys: tuple[str, ...]
    quoted: bool = False


@dataclass
class ClaimCheck:
    sentences: list[CheckedSentence] = field(default_factory=list)
    claims: int = 0
    dropped_citations: int = 0
    dropped_sentences: int = 0
    replaced_sentences: int = 0
    uncited_sentences: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def cited_keys(self) -> list[str]:
        return list(dict.fromkeys(k for s in self.sentences for k in s.keys))

    def text(self) -> str:
        """The checked answer, each sentence followed by its key markers."""
        return " ".join(
            s.text.rstrip() + " " + "".join(f"[{k}]" for k in s.keys) for s in self.sentences
        ).strip()

    def keyed(self) -> KeyedText:
        return KeyedText(self.text(), tuple(self.cited_keys))

    def verification(self, *, fell_back: bool) -> Verification:
        return Verification(
            claims=self.claims,
            dropped_citations=self.dropped_citations,
            dropped_sentences=self.dropped_sentences,
            replaced_sentences=self.replaced_sentences,
            uncited_sentences=self.uncited_sentences,
            fell_back_to_extractive=fell_back,
            notes=tuple(self.notes),
        )


def check_claims(
    claims: Iterable[Claim],
    shown: Mapping[str, str],
    names: Iterable[str] = (),
    complaint: str = "",
) -> ClaimCheck:
    """Keep the claims their paragraphs support; re-cite, replace or remove the rest.
    `shown` maps each key to the exact text the model was shown for it; `complaint` is a
    draft's, whose facts a claim must not add to a paragraph (`check_support`)."""
    names = tuple(names)
    told = frozenset(word_stems(complaint)) if complaint else frozenset()  # read once
    result = ClaimCheck()
    seen: set[str] = set()
    for claim in claims:
        result.claims += 1
        statement = _sentence(claim.statement)
        valid = [k for k in claim.keys if k in shown]
        if len(valid) < len(claim.keys):
            invalid = [k for k in claim.keys if k not in shown]
            result.dropped_citations += len(invalid)
            result.notes.append(
                f"removed citation(s) to paragraphs not shown: {', '.join(invalid)}"
            )
        if not valid:
            result.uncited_sentences += 1
            result.notes.append(f"removed a sentence that cites no paragraph: “{statement}”")
            continue
        checks = {k: check_support(statement, shown[k], names, told) for k in valid}
        keep = [k for k in valid if checks[k].supported]
        if keep:
            result.dropped_citations += len(valid) - len(keep)
            sentence = CheckedSentence(statement, tuple(keep))
        else:
            sentence = _recite(statement, valid, shown, names, told, result) or _replace(
                statement, valid, checks, result
            )
        if sentence is None:
            result.dropped_sentences += 1
            reasons = "; ".join(f"{k}: {c.reason}" for k, c in checks.items())
            result.notes.append(f"removed an unsupported sentence ({reasons}): “{statement}”")
            continue
        sentence = _with_its_list(sentence, shown, result)
        if sentence is None:
            continue
        sentence = _completed(sentence, shown, result)
        if sentence.text.casefold() in seen:
            continue
        seen.add(sentence.text.casefold())
        result.sentences.append(sentence)
    return result


def _recite(
    statement: str,
    cited: list[str],
    shown: Mapping[str, str],
    names: tuple[str, ...],
    told: frozenset[str],
    result: ClaimCheck,
) -> CheckedSentence | None:
    """The statement kept under the one other shown paragraph that supports it, or, when
    several do, under the one that holds it word for word (the paragraph the model copied
    it from: the content check alone also passes paragraphs sharing only common words)."""
    others = [
        k
        for k in shown
        if k not in cited and check_support(statement, shown[k], names, told).supported
    ]
    if len(others) > 1:
        words = compact(statement).strip().rstrip(".")  # less any full stop `_sentence` added
        others = [k for k in others if words in compact(shown[k])]
    if len(others) != 1:
        return None
    result.dropped_citations += len(cited)
    result.notes.append(
        f"re-cited a sentence from {', '.join(cited)} to {others[0]}, which states it"
    )
    return CheckedSentence(statement, (others[0],))


def _replace(
    statement: str, cited: list[str], checks: Mapping, result: ClaimCheck
) -> CheckedSentence | None:
    """The sentence of a cited paragraph that states the claim, quoted."""
    for key in cited:
        replacement = checks[key].replacement
        if replacement:
            result.replaced_sentences += 1
            result.notes.append(
                f"replaced a sentence ({checks[key].reason}) with the words of {key}"
            )
            return CheckedSentence(f"“{replacement}”", (key,), quoted=True)
    return None


def _with_its_list(
    sentence: CheckedSentence, shown: Mapping[str, str], result: ClaimCheck
) -> CheckedSentence | None:
    """A sentence that only introduces a list ("To recognise Mr B's injustice, the Council
    offered:") states nothing: it is quoted with the list it introduces in the paragraph it
    cites, or removed."""
    text = sentence.text.strip("“”").rstrip(".").rstrip()
    if not text.endswith(":"):
        return sentence
    for key in sentence.keys:
        listed = list_introduced(text, paragraph_of(shown[key]))
        if listed:
            if not sentence.quoted:
                result.replaced_sentences += 1
            result.notes.append(f"quoted a sentence introducing a list with its list from {key}")
            return CheckedSentence(f"“{listed}”", (key,), quoted=True)
    result.dropped_sentences += 1
    result.notes.append(f"removed a sentence introducing a list it does not give: “{text}”")
    return None


_CUT = " …"  # how `_whole` marks a statement the cap cut with no whole sentence in it
_BULLET = r"[•▪◦·\-–]"
_BULLET_GAP = rf"(?:\s|{_BULLET})+"  # spaces, line breaks and list bullets between words
_LINE_BREAK = re.compile(rf"\s*\n\s*{_BULLET}?\s*")
# Where a sentence or a list item ends: after its full stop, or before its line break.
_SENTENCE_OR_ITEM_END = re.compile(r"[.!?](?=\s|$)|(?=\n)")
_MAX_COMPLETED_CHARS = 600


def _completed(
    sentence: CheckedSentence, shown: Mapping[str, str], result: ClaimCheck
) -> CheckedSentence:
    """A statement the length cap cut mid-sentence, word for word from the paragraph it
    cites, finished with the rest of that paragraph's sentence (or list item), and counted
    as replaced; left marked as cut when its words are not the paragraph's."""
    if sentence.quoted or not sentence.text.endswith(_CUT) or len(sentence.keys) != 1:
        return sentence
    [key] = sentence.keys
    words = sentence.text.removesuffix(_CUT).split()
    if len(words) < 3:
        return sentence
    paragraph = paragraph_of(shown[key])
    copied = re.compile(_BULLET_GAP.join(map(re.escape, words)), re.IGNORECASE)
    found = copied.search(paragraph)
    if found is None:
        return sentence
    end = _SENTENCE_OR_ITEM_END.search(paragraph, found.end())
    stop = end.end() if end else len(paragraph)
    whole = _LINE_BREAK.sub(" ", paragraph[found.start() : stop]).strip()
    whole = re.sub(r"(?:[,;]|\s+(?:and|or))+$", "", whole)  # a list item's joint to the next
    if len(whole) > _MAX_COMPLETED_CHARS:
        return sentence
    result.replaced_sentences += 1
    result.notes.append(f"completed a sentence the length cap cut, from the words of {key}")
    return CheckedSentence(_sentence(whole), sentence.keys)


def _whole(statement: str) -> str:
    """A statement the schema's length cap cut off, back to its last whole sentence, or
    marked as cut when it has none: never a false full stop after a broken word."""
    # The cap counts JSON characters ("’" may be sent as six), so a cut statement decodes
    # shorter than the cap: one near it that does not end a sentence was cut.
    if len(statement) < 0.8 * MAX_STATEMENT_CHARS or statement[-1:] in ".!?”\"'":
        return statement
    ends = [m.end() for m in re.finditer(r"[.!?][”\"']?(?=\s)", statement)]
    if ends:
        return statement[: ends[-1]]
    return statement.rsplit(" ", 1)[0].rstrip(",;:") + _CUT


def _sentence(statement: str) -> str:
    statement = re.sub(r"\s+", " ", statement).strip()
    return statement if statement[-1:] in ".!?”\"'…" else statement + "."


def extractive_sentences(
    question: str,
    shown: Mapping[str, str],
    *,
    limit: int = 3,
    min_share: float = 0.0,
    holding: Callable[[str], bool] | None = None,
    chosen: Collection[str] = (),
) -> list[CheckedSentence]:
    """The shown sentences that answer the question best, quoted and cited: what a user gets
    when retrieval is confident but no model-written sentence survives the checks. Sentences
    are ranked by the share of the question's content words they hold (by stem), earlier
    paragraphs first on a tie; at most one sentence comes from each paragraph, and only
    sentences holding more than `min_share` of those words (and, given `holding`, the fact
    it looks for). A sentence holding the fact but none of the question's words is quoted
    only from a paragraph the model `chosen` to cite: "Mr B first complained in late 2022"
    states a date, but not the date a question about a review panel asks for."""
    wanted = content_stems(question)
    scored: list[tuple[float, int, str, str]] = []
    for rank, (key, text) in enumerate(shown.items()):
        body = paragraph_of(text)
        best: tuple[float, str] | None = None
        for sentence in sentences_of(body):
            if holding is not None and not holding(sentence):
                continue
            words = content_stems(sentence)
            share = len(wanted & words) / len(wanted) if wanted else 0.0
            if best is None or share > best[0]:
                best = (share, sentence.strip())
        if best is None or best[0] < min_share:
            continue
        if best[0] > 0 or (holding is not None and key in chosen):
            # A sentence introducing a list is quoted with its list: alone it states nothing.
            quoted = list_introduced(best[1], body) if best[1].endswith(":") else None
            scored.append((-best[0], rank, key, quoted or best[1]))
    scored.sort()
    return [CheckedSentence(f"“{text}”", (key,), quoted=True) for _, _, key, text in scored[:limit]]
