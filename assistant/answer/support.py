"""Is a statement supported by the paragraph it cites? The check every answer sentence passes.

A statement is *supported* by the text shown for a key (the paragraph with its header line:
reference, paragraph number, section, council) when all five hold:

1. **figures**: every figure it states (amounts with their rate, periods, dates, percentages,
   numbers) stands in that text (`verify.figures`);
2. **identifiers**: every decision reference, paragraph number, e-mail address, web address
   and proper name it states stands in that text (a model must not bring in "paragraph 99 of
   decision 12 345 678" or a council the paragraph does not name);
3. **content**: at least `MIN_CONTENT` (half) of its content words, and more than half
   of four or more (question words and words every decision uses set aside; compared by
   stem), stand in that text;
4. **polarity**: no content word is negated in the statement (the first one after "not",
   "never", "refused", "failed", ...) that the paragraph only ever states plainly, or the
   other way round: "the Council considered her complaint" is not supported by "by failing
   to consider her complaint", while "the Council denied an investigation" is ("none of
   the findings were overturned" negates "overturned"; "unlikely" is "not likely");
5. **attribution**: an amount it states is not one the paragraph gives to someone else:
   "pay the aunt and uncle £550" is not supported by a list paying "the teenager £550" and
   "the aunt and uncle £850" (`misattributed_amounts`); and the kind of council it names is
   not one the paragraph leaves out while naming another: "the borough council agreed to
   pay £2,000" is not supported by "the County Council has agreed to: … pay him £2,000"
   (`other_council`), which matters where two tiers of council answer one complaint.

Names are found by their capital letter inside a sentence; a caller that knows the names a
statement may wrongly bring in (the councils in the index) passes them as `names`, found
anywhere.

An unsupported statement is replaced by the one sentence of the paragraph that states it
best (its figures, most of its content words) when that sentence exists, or removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from assistant.answer.relevance import content_stems, content_words, word_stems
from assistant.answer.verify import REFERENCE, amounts, figures, split_sentences, supported

MIN_CONTENT = 0.5

_PARAGRAPH = re.compile(r"(?:¶|\bparagraphs?\s+|\bpara\.?\s*)(\d+)", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}(?:\s+[A-Z][a-z]+)*")
_COMMON_CAPITALS = frozenset(
    """The This That These Those Council Councils Ombudsman Ombudsman's Mr Mrs Ms Miss Dr
    He She They We It His Her Their Our In On At For If When Where While Although However
    Because After Before During Under Stage Section Paragraph Decision Decisions Final
    Summary Complaint Children Children's Act Guidance Regulations Local Government Social
    Care England English Court Tribunal January February March April May June July August
    September October November December Monday Tuesday Wednesday Thursday Friday Saturday
    Sunday Independent Person Investigating Officer Review Panel Agreed Action""".split()
)
# An item that already leads on to the next: punctuated, or ending "and" / "or".
_LIST_ITEM_END = re.compile(r"(?:[.;,:!?]|\band|\bor)$")
# The kinds of council a two-tier area has, as a statement or paragraph names them.
_COUNCIL_KIND = re.compile(r"\b(county|borough|district|city|parish|town)\s+councils?\b", re.I)
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nor|neither|cannot|without|unable|refus\w*|fail\w*|declin\w*)\b"
    r"|n['’]t\b",
    re.IGNORECASE,
)


# Cues that open a negated subject, the verbs that end it, and how far it may run ("none
# of the stage 2 findings were"). Not "no": "no worthwhile outcome was achievable" and "no
# worthwhile outcomes achievable" say the same, and only the first has a "was".
_SUBJECT_CUES = frozenset({"none", "neither"})
_BE = frozenset({"was", "were", "is", "are", "been"})
_SUBJECT_REACH = 8
# What ends the negated subject before any verb: "neither party agreed, so the panel was
# convened" does not negate "convened", nor "none at stage two. One complaint was upheld"
# "upheld".
_CLAUSE_BREAKS = frozenset(
    {".", ";", ":", "!", "?", "and", "but", "or", "because", "so", "which", "who", "while"}
)


def compact(text: str) -> str:
    """A text in lower case with each run of white space one space: for finding words inside
    another text whatever its spacing, line breaks or case."""
    return re.sub(r"\s+", " ", text).lower()


def identifiers(text: str) -> set[str]:
    """References, paragraph numbers, e-mail and web addresses, proper names in a text."""
    found = {"ref " + re.sub(r"\s", "", m) for m in REFERENCE.findall(text)}
    found |= {"para " + n for n in _PARAGRAPH.findall(text)}
    found |= {m.lower().rstrip(".,;)") for m in _EMAIL.findall(text)}
    found |= {m.lower().rstrip(".,;)") for m in _URL.findall(text)}
    for match in _NAME.finditer(text):
        words = [w for w in match.group(0).split() if w not in _COMMON_CAPITALS]
        found |= {"name " + w.lower() for w in words}
    return found


def _identifier_in(identifier: str, source: str, source_ids: set[str]) -> bool:
    if identifier in source_ids:
        return True
    kind, _, value = identifier.partition(" ")
    if kind == "name":  # a name may stand inside a longer one or lower-case in the source
        return value in compact(source)
    return identifier in compact(source)


def _negation_scopes(text: str, window: int = 3) -> tuple[set[str], set[str]]:
    """(stems negated, stems plain) of a text's content words: a negation cue negates the
    first content word within `window` words after it ("did not *attend*"). "None" and
    "neither" open a subject ("none of the findings were *overturned*") and negate the
    verb after its "was" or "were" too, within `_SUBJECT_REACH` words."""
    negated: set[str] = set()
    plain: set[str] = set()
    countdown = 0
    subject = 0  # words left in which a "was"/"were" hands the negation to its verb
    # "Unlikely" is "not likely", so "unlikely to find fault" is the opposite of "likely we
    # would find fault" and the same as "not likely to find fault".
    lowered = re.sub(r"\bunlikely\b", "not likely", text.lower())
    for word in re.findall(r"[a-z][a-z'’]*|[.;:!?]", lowered):
        if word in _CLAUSE_BREAKS:
            subject = 0
            if not word.isalpha():
                continue
        if _NEGATION.fullmatch(word) or word.endswith(("n't", "n’t")):
            countdown = window
            subject = _SUBJECT_REACH if word in _SUBJECT_CUES else 0
            continue
        if subject and word in _BE:
            countdown, subject = window, 0
            continue
        if content_words(word):
            (negated if countdown else plain).add(word[:5])
            countdown = 0
        countdown = max(0, countdown - 1)
        subject = max(0, subject - 1)
    return negated, plain


def contradicts(statement: str, source: str) -> bool:
    """A content word the statement negates that the source only ever states plainly, or
    one it states plainly that the source only ever negates."""
    s_negated, s_plain = _negation_scopes(statement)
    p_negated, p_plain = _negation_scopes(source)
    only_plain, only_negated = p_plain - p_negated, p_negated - p_plain
    return bool((s_negated & only_plain) or ((s_plain - s_negated) & only_negated))


@dataclass(frozen=True)
class Support:
    supported: bool
    reason: str = ""
    replacement: str | None = None


def sentences_of(paragraph: str) -> list[str]:
    """A paragraph's sentences in its own words; each bullet and sub-item is one or more
    sentences of its own, without its bullet mark. A line with no word (the ellipsis that
    marks sentences left out of a long paragraph, `focus.GAP`) is none."""
    lines = (line.strip().lstrip("•").strip() for line in paragraph.splitlines())
    return split_sentences("\n".join(line for line in lines if any(c.isalnum() for c in line)))


def list_introduced(lead_in: str, paragraph: str) -> str | None:
    """`lead_in`, a sentence ending in a colon ("the Council offered:"), with the bulleted
    list it introduces in `paragraph`, in the paragraph's words: "the Council offered: an
    apology; advice on ...". The list after the line holding `lead_in`, or the paragraph's
    only list when no line holds it word for word; None when the paragraph gives none."""
    wanted = compact(lead_in).strip().rstrip(".").rstrip(":").strip()
    lines = [line.strip() for line in paragraph.splitlines()]
    lists: list[tuple[str, list[str]]] = []
    for index, line in enumerate(lines):
        if not line.endswith(":"):
            continue
        items: list[str] = []
        for following in lines[index + 1 :]:
            if not following.startswith("•"):
                break
            items.append(following.lstrip("•").strip())
        if items:
            lists.append((line, items))
    chosen = [entry for entry in lists if wanted and wanted in compact(entry[0])]
    if not chosen and len(lists) == 1:
        chosen = lists
    if not chosen:
        return None
    line, items = chosen[0]
    # Only the sentence that ends the line introduces the list. Items the paragraph leaves
    # unpunctuated ("Stage One – Local Resolution") are parted by semicolons.
    lead = split_sentences(line)[-1]
    parted = [item if _LIST_ITEM_END.search(item) else item + ";" for item in items[:-1]]
    return " ".join([lead, *parted, items[-1]])


def best_sentence(statement: str, source: str, min_share: float = 0.0) -> str | None:
    """The sentence of `source` that states `statement` best: all of its figures, then the
    most shared content words (at least `min_share` of them). None when no sentence does."""
    wanted = content_stems(statement)
    stated = figures(statement)
    needed = max(1, round(min_share * len(wanted))) if wanted else 0
    best, best_score = None, 0.0
    for sentence in sentences_of(source):
        sentence_figures = figures(sentence)
        if stated and not all(supported(f, sentence_figures) for f in stated):
            continue
        shared = len(wanted & word_stems(sentence))
        if shared < needed:
            continue
        score = shared + (2 if stated else 0)
        if score > best_score:
            best, best_score = sentence.strip(), score
    return best


# Content words of the complaint, absent from the paragraph, that make a statement the
# complaint's rather than the precedent's.
BROUGHT_IN = 3


def check_support(
    statement: str,
    source: str,
    names: Iterable[str] = (),
    complaint: AbstractSet[str] = frozenset(),
) -> Support:
    """Whether `statement` is supported by `source` (the text shown for one key); `names`
    are names a statement must not bring in unless the source has them, and `complaint`
    holds the word stems (`word_stems`) of a draft's complaint, whose facts it must not
    carry into the precedent."""
    stated = figures(statement)
    source_figures = figures(source)
    missing = sorted(f for f in stated if not supported(f, source_figures))
    if missing:
        return _unsupported(statement, source, f"figure(s) {', '.join(missing)} not stated")
    source_ids = identifiers(source)
    stated_ids = identifiers(statement) | {
        "name " + n.lower() for n in names if re.search(rf"\b{re.escape(n)}\b", statement, re.I)
    }
    strange = sorted(i for i in stated_ids if not _identifier_in(i, source, source_ids))
    if strange:
        named = ", ".join(i.split(" ", 1)[-1] for i in strange)
        return _unsupported(statement, source, f"{named} not in the paragraph")
    body = paragraph_of(source)
    words = content_words(statement)
    if words:
        source_stems = word_stems(body)
        share = sum(1 for w in words if w[:5] in source_stems) / len(words)
        # From four content words, more than half: "The stage 3 review panel was chaired by
        # Mr B" has only "stage" and "panel" in the paragraph. A shorter statement rests on
        # its figures, and one word may differ only in form ("paid" against "payment").
        if share < MIN_CONTENT or (share == MIN_CONTENT and len(words) >= 4):
            return _unsupported(
                statement, source, f"only {share:.0%} of its content words are in the paragraph"
            )
        # "... received safeguarding referrals, which led to the closure of the children's
        # centre on the estate": the paragraph's words, with the complaint's facts added.
        brought = [w for w in words if w[:5] not in source_stems and w[:5] in complaint]
        if len(brought) >= BROUGHT_IN:
            return _unsupported(
                statement, source, f"it adds the complaint's {', '.join(brought)} to the paragraph"
            )
    if contradicts(statement, body):
        return _unsupported(statement, source, "it says the opposite of the paragraph")
    if wrong := misattributed_amounts(statement, body):
        return _unsupported(
            statement, source, f"the paragraph gives {', '.join(wrong)} to something else"
        )
    if other := other_council(statement, body):
        return _unsupported(statement, source, other)
    return Support(True)


def other_council(statement: str, paragraph: str) -> str | None:
    """Why the statement names the wrong council, when the kinds of council it names
    ("the borough council") are all ones the paragraph leaves out while it names another
    ("the County Council has agreed to"); None otherwise, and when either names no kind."""
    said = {kind.lower() for kind in _COUNCIL_KIND.findall(statement)}
    named = {kind.lower() for kind in _COUNCIL_KIND.findall(paragraph)}
    if not said or not named or said & named:
        return None
    return (
        f"the paragraph names the {' and '.join(sorted(named))} council, "
        f"not the {' or '.join(sorted(said))} council"
    )


def misattributed_amounts(statement: str, paragraph: str) -> list[str]:
    """Amounts the statement gives that the paragraph states, but in a sentence further from
    the statement than one stating another amount: "pay the aunt and uncle £550" against
    "pay the teenager £550 …" and "pay the aunt and uncle £850 …". Closeness is the
    statement's content words a sentence shares; a sentence stating one of the statement's
    own amounts is no rival ("£550 to the teenager and £850 to the aunt and uncle")."""
    stated = amounts(statement)
    if not stated:
        return []
    wanted = content_stems(statement)
    stating = [
        (len(wanted & word_stems(sentence)), held)
        for sentence in sentences_of(paragraph)
        if (held := amounts(sentence))
    ]
    wrong = []
    rival = max((n for n, held in stating if not held & stated), default=0)
    for amount in sorted(stated):
        closest = max((n for n, held in stating if amount in held), default=None)
        if closest is not None and rival > closest:
            wrong.append(amount)
    return wrong


def _unsupported(statement: str, source: str, reason: str) -> Support:
    return Support(False, reason, best_sentence(statement, paragraph_of(source), MIN_CONTENT))


def paragraph_of(shown: str) -> str:
    """The paragraph without the header line the prompt puts above it."""
    first, _, rest = shown.partition("\n")
    return rest if first.startswith("[") and rest else shown
