"""What every decision shape shares: references, header fields, headings, numbering.

Each reader turns its input into a flat list of `Block`s (heading, paragraph start, bullet,
nested item, trailing line); `assemble` numbers the paragraphs 1..N straight through the
decision, as LGSCO does, and folds bullets and trailing lines into their paragraph.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum

from assistant.errors import ParseError
from assistant.parsing.limits import check_paragraph_sizes, printable
from assistant.parsing.remedies import extract_remedies
from assistant.parsing.urls import decision_url
from assistant.types import Decision, Paragraph

_REF_DIGITS = re.compile(r"^\s*(\d{2})[\s\-_/]*(\d{3})[\s\-_/]*(\d{3})\s*$")
_REF_IN_TEXT = re.compile(r"\b(\d{2})[ \-]?(\d{3})[ \-]?(\d{3})\b")


def normalise_ref(raw: str) -> str:
    """'20-008-394', '20008394' or '20 008 394' -> '20 008 394'."""
    match = _REF_DIGITS.match(raw)
    if not match:
        raise ValueError(f"not an LGSCO reference (eight digits, e.g. 20 008 394): {raw!r}")
    return " ".join(match.groups())


def find_ref(text: str) -> str | None:
    match = _REF_IN_TEXT.search(text)
    return " ".join(match.groups()) if match else None


def find_refs(text: str) -> list[str]:
    """Every reference a text names, normalised, each once, in order."""
    return list(dict.fromkeys(" ".join(m.groups()) for m in _REF_IN_TEXT.finditer(text)))


def without_refs(text: str) -> str:
    """`text` with every reference it names taken out."""
    return " ".join(_REF_IN_TEXT.sub(" ", text).split())


_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%d/%m/%Y", "%d %b %y")


def parse_date(raw: str | None) -> dt.date | None:
    if not raw:
        return None
    cleaned = re.sub(r"\s+", " ", raw.strip().rstrip("."))
    cleaned = re.sub(r"^(\d{1,2})(st|nd|rd|th)\b", r"\1", cleaned)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    try:
        return dt.date.fromisoformat(cleaned[:10])
    except ValueError:
        return None


_OUTCOMES = {
    "upheld": "Upheld",
    "not upheld": "Not upheld",
    "closed after initial enquiries": "Closed after initial enquiries",
    "upheld: maladministration and injustice": "Upheld: maladministration and injustice",
    "upheld: maladministration, no injustice": "Upheld: maladministration, no injustice",
    "not upheld: no maladministration": "Not upheld: no maladministration",
    "not upheld: no further action": "Not upheld: no further action",
    "no further action": "No further action",
    "investigation discontinued": "Investigation discontinued",
    "withdrawn": "Withdrawn",
    "premature": "Premature",
    "out of jurisdiction": "Out of jurisdiction",
}


def normalise_outcome(raw: str | None) -> str | None:
    """The outcome as LGSCO labels it; an unknown label is kept verbatim, never guessed."""
    if raw is None:
        return None
    cleaned = re.sub(r"\s+", " ", raw).strip().rstrip(".")
    if not cleaned:
        return None
    return _OUTCOMES.get(cleaned.lower(), cleaned)


def clean_text(text: str) -> str:
    """Fold runs of spaces (the copies hold double spaces and trailing blanks); control
    characters (NUL included) go."""
    return re.sub(r"[ \t\u00a0]+", " ", printable(text)).strip()


def heading_key(text: str) -> str:
    return re.sub(r"[^a-z ]", "", text.lower().replace("’", "'").replace("'", "")).strip()


# Top-level headings LGSCO decisions use. Other headings are sub-headings, except where the
# page structure (a "Back to top" link before it) says otherwise.
TOP_LEVEL_HEADINGS = {
    heading_key(h)
    for h in (
        "The complaint",
        "The Ombudsman's role and powers",
        "The Ombudsman's role",
        "How I considered this complaint",
        "What I found",
        "What I have found",
        "My assessment",
        "Assessment",
        "Agreed action",
        "Agreed actions",
        "Recommendations",
        "Recommendation",
        "Final decision",
        "Decision",
        "Parts of the complaint that I did not investigate",
        "Parts of the complaint I did not investigate",
        "Background",
        "Legal and administrative background",
        "Relevant law and guidance",
        "Conclusions",
        "Conclusion",
        "Finding",
        "Findings",
        "Further report",
        "Complaint summary",
        "Investigation",
    )
}

# Lines that close the decision text: the signature, then the site's footer.
END_OF_DECISION = re.compile(
    r"^(investigator'?s decision on behalf of the ombudsman|final decision on behalf of the "
    r"ombudsman|decision on behalf of the ombudsman|print this page|lgo logogram|review your "
    r"privacy settings)\s*$",
    re.IGNORECASE,
)
BOILERPLATE_LINE = re.compile(r"^(back to top|print this page)\s*$", re.IGNORECASE)
FINAL_DECISION_INTRO = re.compile(r"^the ombudsman'?s final decision:?\s*$", re.IGNORECASE)
SUMMARY_LINE = re.compile(r"^summary\s*:?\s*(.*)$", re.IGNORECASE)
COMPLIANCE_LINE = re.compile(r"^ombudsman satisfied with .*response", re.IGNORECASE)


def is_end_of_decision(line: str) -> bool:
    return bool(END_OF_DECISION.match(line.strip().replace("’", "'")))


def looks_like_heading(line: str) -> bool:
    """A short line with no closing punctuation that starts with a capital letter."""
    text = line.strip()
    if not text or len(text) > 120 or text[0] in "(•-–" or not text[0].isupper():
        return False
    if text[-1] in ".;,:)" or "£" in text:
        return False
    return len(text.split()) <= 14


def is_known_top_heading(line: str) -> bool:
    return heading_key(line) in TOP_LEVEL_HEADINGS


@dataclass
class Header:
    ref: str | None = None
    council: str | None = None
    category: str | None = None
    subcategory: str | None = None
    outcome: str | None = None
    date: dt.date | None = None
    summary: str | None = None
    url: str | None = None

    def apply_label(self, label: str, value: str) -> None:
        """Take a 'Category' ("A > B"), 'Decision' or 'Decision date' header value."""
        label = label.lower()
        if label == "category":
            parts = [clean_text(p) for p in value.split(">")]
            self.category = parts[0] or None
            self.subcategory = parts[1] if len(parts) > 1 and parts[1] else None
        elif label == "decision":
            self.outcome = normalise_outcome(value)
        else:
            self.date = parse_date(value)


_TITLE_LINE = re.compile(r"^(?P<council>.+?)\s*\((?P<ref>\d{2}[\s\-]?\d{3}[\s\-]?\d{3})\)\s*$")
_LABEL = re.compile(r"^(category|decision date|decision)\s*:\s*(.*)$", re.IGNORECASE)


def read_header_lines(lines: list[str], header: Header) -> int:
    """Read the title line and the Category / Decision / Decision date labels.

    Handles both one-line labels ('Decision : Upheld') and the older records' labels whose
    values stand on the following lines ('Category :', "Children's care services", '>', ...).
    Returns the index of the first line after the header.
    """
    i = 0
    n = len(lines)
    while i < n and not lines[i].strip():
        i += 1
    if i < n and (match := _TITLE_LINE.match(lines[i].strip())):
        header.council = clean_text(match.group("council")) or None
        header.ref = normalise_ref(match.group("ref"))
        i += 1
    while i < n:
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        match = _LABEL.match(line)
        if not match:
            break
        label, value = match.group(1).lower(), match.group(2).strip()
        i += 1
        if not value:
            # Older records: the value stands on the following lines, up to the next label.
            values: list[str] = []
            while i < n and lines[i].strip() and not _LABEL.match(lines[i].strip()):
                if SUMMARY_LINE.match(lines[i].strip()) or is_known_top_heading(lines[i]):
                    break
                values.append(lines[i].strip())
                i += 1
            value = " ".join(values)
        header.apply_label(label, value)
    return i


def read_summary(lines: list[str], start: int, header: Header) -> int:
    """Skip "The Ombudsman's final decision:" and take the Summary (which has no number)."""
    i = start
    while i < len(lines):
        line = lines[i].strip()
        if not line or FINAL_DECISION_INTRO.match(line.replace("’", "'")):
            i += 1
            continue
        match = SUMMARY_LINE.match(line)
        if match:
            parts = [match.group(1)] if match.group(1) else []
            i += 1
            while i < len(lines) and lines[i].strip() and not parts:
                parts.append(lines[i].strip())
                i += 1
            header.summary = " ".join(parts).strip() or None
        break
    return i


_COUNCIL_IN_TEXT = re.compile(
    r"\b((?:London Borough of|Royal Borough of|City of) [A-Z][\w'-]+(?: [A-Z][\w'-]+)*"
    r"|(?:[A-Z][\w'-]+ )+(?:Metropolitan Borough|Borough|District|County|City|Town)? ?Council)\b"
)
_GENERIC_COUNCIL_WORDS = {
    "The",
    "County",
    "Borough",
    "District",
    "City",
    "Town",
    "Council",
    "Metropolitan",
    "Parish",
    "A",
    "This",
    "That",
    "Its",
    "Both",
    "Each",
}


def council_from_text(text: str) -> str | None:
    """A named council in the text ('Wirral Metropolitan Borough Council'), if one is named."""
    for match in _COUNCIL_IN_TEXT.finditer(text):
        name = match.group(1)
        if name.split()[0] not in _GENERIC_COUNCIL_WORDS:
            return name
    return None


_COUNCIL_FORM = re.compile(
    r"\b(?:London Borough of|Royal Borough of|City of|Metropolitan Borough Council|"
    r"Metropolitan District Council|Borough Council|District Council|County Council|"
    r"City Council|Council)\b",
    re.IGNORECASE,
)


def council_place(council: str | None) -> str:
    """The place in a council's name, the word users type: 'London Borough of Hackney' ->
    'Hackney', 'Wirral Metropolitan Borough Council' -> 'Wirral'."""
    return re.sub(r"\s+", " ", _COUNCIL_FORM.sub(" ", council or "")).strip(" ,")


def _field(value: str | None) -> str | None:
    """A header value as stored: printable, spaces folded, at most 300 characters."""
    return clean_text(value)[:300] or None if value else None


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    BULLET = "bullet"
    NESTED = "nested"  # a nested numbered item: belongs to its paragraph, takes no number
    TRAILING = "trailing"  # e.g. a citation line in brackets after a paragraph
    SECTION_BREAK = "break"  # "Back to top": the next heading is top-level


@dataclass
class Block:
    kind: BlockKind
    text: str
    top_level: bool = False  # for headings
    marker: str | None = None  # for nested items: their visible label


@dataclass
class _Draft:
    section: str
    subsection: str | None
    lines: list[str] = field(default_factory=list)


def assemble(
    header: Header,
    blocks: list[Block],
    *,
    source: str,
    shape: str,
) -> Decision:
    """Number paragraphs 1..N straight through, fold bullets in, build the `Decision`."""
    if header.ref is None:
        raise ParseError(source, "no decision reference (e.g. 20 008 394) found")
    drafts: list[_Draft] = []
    section = "Decision"
    subsection: str | None = None
    last_was_heading = False
    seen_break = True
    for block in blocks:
        text = clean_text(block.text)
        if block.kind is BlockKind.SECTION_BREAK:
            seen_break = True
            continue
        if not text:
            continue
        if block.kind is BlockKind.HEADING:
            if block.top_level or seen_break or is_known_top_heading(text):
                section, subsection = text, None
            elif last_was_heading and subsection:
                subsection = f"{subsection} — {text}"
            else:
                subsection = text
            last_was_heading = True
            seen_break = False
            continue
        last_was_heading = False
        if block.kind is BlockKind.PARAGRAPH or not drafts:
            drafts.append(_Draft(section, subsection, [text]))
        elif block.kind is BlockKind.BULLET:
            drafts[-1].lines.append(f"• {text}")
        elif block.kind is BlockKind.NESTED:
            label = f"{block.marker} " if block.marker else ""
            drafts[-1].lines.append(f"    {label}{text}")
        else:
            drafts[-1].lines.append(text)
    if not drafts:
        raise ParseError(source, "no numbered paragraphs found in the decision text")
    check_paragraph_sizes(source, ["\n".join(d.lines) for d in drafts])
    paragraphs = tuple(
        Paragraph(number=i, section=d.section, subsection=d.subsection, text="\n".join(d.lines))
        for i, d in enumerate(drafts, start=1)
    )
    url = decision_url(header.url, header.ref)
    return Decision(
        ref=header.ref,
        council=_field(header.council),
        category=_field(header.category),
        subcategory=_field(header.subcategory),
        outcome=_field(header.outcome),
        date=header.date,
        summary=clean_text(header.summary) if header.summary else None,
        url=url,
        paragraphs=paragraphs,
        remedies=extract_remedies(paragraphs),
        source=source,
        source_shape=shape,
    )
