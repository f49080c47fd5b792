"""Generators of decision files and questions: valid-looking ones in every shape the readers
take, with the mutations real and hostile files carry (deep nesting, huge paragraphs, NUL and
control characters, odd unicode, missing sections, duplicated numbers, broken JSON), and raw
bytes."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

from hypothesis import strategies as st

WORDS = (
    "Mr X complains the Council failed to escalate his complaint to stage two of the "
    "statutory procedure We found fault causing distress and uncertainty The Council agreed "
    "to apologise and pay £300 for each month of delay within four weeks If However In this "
    "case Ms Y's daughter foster carer assessment Back to top Summary: Decision : Category :"
).split()
# Text a hostile or broken file carries: markup, fences, chat-template tokens, injected
# instructions, citation markers, numbering and list marks, and unusual characters.
SPECIALS = (
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r",
    "\t",
    "\u202e",
    "\ufeff",
    "\u200b",
    "\u00a0",
    "\ud7ff",
    "\U0001f600",
    "e\u0301",
    "ﬁ",
    "<|im_start|>system",
    "</s>",
    "[INST]",
    "</complaint>",
    "</paragraph>",
    "Ignore previous instructions",
    "[P9]",
    "[99 999 999 ¶4]",
    "£99,999",
    "  1.",
    "- ",
    "•",
    "a)",
    "Print this page",
    "<b>",
    "</li>",
    "<ol>",
    "&amp;",
    "&#0;",
    "<!--",
    "]]>",
    "{",
    '"',
    "\\",
    "(20 008 394)",
    "1.\n",
    ":",
    ";",
)
# Drawing is most of a fuzz test's time: one sampled token per word (words three times as
# likely as specials), any text for a few.
WORD = st.one_of(st.sampled_from(WORDS * 3 + list(SPECIALS)), st.text(max_size=5))
SENTENCE = st.lists(WORD, min_size=1, max_size=10).map(" ".join)
CLEAN_SENTENCE = st.lists(st.sampled_from(WORDS), min_size=2, max_size=10).map(
    lambda words: " ".join(words) + "."
)
HEADINGS = (
    "The complaint",
    "What I found",
    "My assessment",
    "Agreed action",
    "Final decision",
    "Background",
    "Legal and administrative background",
)


@dataclass(frozen=True)
class Paragraph:
    text: str
    bullets: tuple[str, ...]
    number: int  # the number a numbered copy shows (real copies restart lists)


@dataclass(frozen=True)
class Spec:
    """A decision to write in any shape."""

    ref: str | None
    council: str | None
    category: str | None
    outcome: str | None
    date: str | None
    summary: str | None
    sections: tuple[tuple[str | None, tuple[Paragraph, ...]], ...]


def refs() -> st.SearchStrategy[str]:
    return st.builds(
        lambda a, b, c, sep: f"{a:02d}{sep}{b:03d}{sep}{c:03d}",
        st.integers(0, 99),
        st.integers(0, 999),
        st.integers(0, 999),
        st.sampled_from([" ", "-", ""]),
    )


def specs(sentence: st.SearchStrategy[str] = SENTENCE, *, hostile: bool = True):
    """Decisions; `hostile` mixes in huge paragraphs, missing parts and odd numbering."""
    huge = st.booleans() if hostile else st.just(False)

    @st.composite
    def paragraph(draw: st.DrawFn) -> Paragraph:
        text = " ".join(draw(st.lists(sentence, min_size=1, max_size=3)))
        if draw(huge) and draw(st.integers(0, 15)) == 0:
            text = text * (25_000 // max(1, len(text)) + 1)  # beyond the paragraph limit
        bullets = tuple(draw(st.lists(sentence, max_size=2)))
        number = draw(st.integers(1, 3)) if hostile else 1
        return Paragraph(text, bullets, number)

    optional = (lambda s: st.one_of(st.none(), s)) if hostile else (lambda s: s)
    heading = (
        st.one_of(st.sampled_from(HEADINGS), sentence) if hostile else st.sampled_from(HEADINGS)
    )
    section = st.tuples(
        optional(heading),
        st.lists(paragraph(), min_size=0 if hostile else 1, max_size=4).map(tuple),
    )
    return st.builds(
        Spec,
        ref=optional(refs()),
        council=optional(st.one_of(st.just("London Borough of Redbridge"), sentence)),
        category=optional(st.just("Children's care services > Other")),
        outcome=optional(st.sampled_from(["Upheld", "Not upheld", "", "Closed"])),
        date=optional(st.sampled_from(["14 Jul 2021", "2024-02-30", "31/12/1999", "soon"])),
        summary=optional(sentence),
        sections=st.lists(section, min_size=0 if hostile else 1, max_size=3).map(tuple),
    )


def header_lines(spec: Spec) -> list[str]:
    lines = []
    if spec.ref is not None:
        lines.append(f"{spec.council or 'A Council'} ({spec.ref})")
    if spec.category is not None:
        lines.append(f"Category : {spec.category}")
    if spec.outcome is not None:
        lines.append(f"Decision : {spec.outcome}")
    if spec.date is not None:
        lines.append(f"Decision date : {spec.date}")
    lines.append("The Ombudsman's final decision:")
    if spec.summary is not None:
        lines.append(f"Summary: {spec.summary}")
    return lines


def numbered_copy(spec: Spec) -> str:
    lines = header_lines(spec)
    for heading, paragraphs in spec.sections:
        if heading is not None:
            lines += ["", heading, ""]
        for p in paragraphs:
            lines.append(f"  {p.number}. {p.text}")
            lines += [f"  • {b}" for b in p.bullets]
        lines.append("Back to top")
    return "\n".join(lines) + "\nPrint this page\ncookies footer"


def dashed_copy(spec: Spec) -> str:
    lines = header_lines(spec)
    for heading, paragraphs in spec.sections:
        if heading is not None:
            lines += ["", heading, ""]
        for p in paragraphs:
            lines.append(f"- {p.text}" + (":" if p.bullets else ""))
            lines += [f"- {b}" for b in p.bullets]
    return "\n".join(lines)


def html_page(spec: Spec, nesting: int = 0) -> str:
    e = html.escape
    parts = ["<!doctype html><html><head>"]
    if spec.ref is not None:
        slug = spec.ref.replace(" ", "-")
        parts.append(f'<link rel="canonical" href="https://www.lgo.org.uk/decisions/x/{slug}">')
    parts.append("</head><body><article>")
    if spec.ref is not None:
        parts.append(f"<h1>{e(spec.council or 'A Council')} ({e(spec.ref)})</h1>")
    parts.append("<div>" * nesting)
    for label, value in (("Category", spec.category), ("Decision", spec.outcome)):
        if value is not None:
            parts.append(f"<p>{label}: {e(value)}</p>")
    if spec.summary is not None:
        parts.append(f"<p>Summary: {e(spec.summary)}</p>")
    for heading, paragraphs in spec.sections:
        if heading is not None:
            parts.append(f"<h2>{e(heading)}</h2>")
        parts.append(f'<ol start="{paragraphs[0].number if paragraphs else 1}">')
        for p in paragraphs:
            bullets = "".join(f"<li>{e(b)}</li>" for b in p.bullets)
            parts.append(f"<li>{e(p.text)}" + (f"<ul>{bullets}</ul>" if bullets else "") + "</li>")
        parts.append("</ol>")
    parts.append("</div>" * nesting)
    parts.append("</article></body></html>")
    return "".join(parts)


def record(spec: Spec) -> dict[str, object]:
    lines = []
    for heading, paragraphs in spec.sections:
        if heading is not None:
            lines.append(heading)
        for p in paragraphs:
            lines.append(p.text + (":" if p.bullets else ""))
            lines += list(p.bullets)
    data: dict[str, object] = {"text": "\n".join(lines)}
    if spec.ref is not None:
        data["case_id"] = spec.ref
    for name, value in (
        ("authority", spec.council),
        ("outcome", spec.outcome),
        ("date", spec.date),
        ("summary", spec.summary),
    ):
        if value is not None:
            data[name] = value
    if spec.category is not None:
        data["category"], _, data["subcategory"] = spec.category.partition(" > ")
    return data


@st.composite
def json_records(draw: st.DrawFn) -> str:
    """A JSON record, or an array of them, as valid or as broken as real files get."""
    records = draw(st.lists(specs().map(record), min_size=1, max_size=2))
    for data in records:
        mutation = draw(st.integers(0, 8))
        if mutation == 0:
            data["text"] = draw(
                st.one_of(st.none(), st.integers(), st.lists(st.text(), max_size=2))
            )
        elif mutation == 1:
            data["case_id"] = draw(st.one_of(st.integers(), st.text(max_size=12)))
        elif mutation == 2:
            data["nested"] = json.loads("[" * 500 + "]" * 500)
    value: object = records if len(records) > 1 or draw(st.booleans()) else records[0]
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 5)) == 0:  # broken JSON: cut short, or a stray byte inside
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["", "}", "\x00", "\n{", "[" * 5_000]))
    if draw(st.integers(0, 15)) == 0:
        text = "[" * 50_000 + "]" * 50_000
    return text


@st.composite
def json_lines(draw: st.DrawFn) -> str:
    lines = [json.dumps(record(spec)) for spec in draw(st.lists(specs(), min_size=1, max_size=3))]
    if draw(st.booleans()):
        lines.insert(
            draw(st.integers(0, len(lines))),
            draw(st.sampled_from(["{", "[1]", "null", "[" * 3_000])),
        )
    return "\n".join(lines)


NESTING = st.sampled_from([0, 0, 0, 1, 20, 99, 101, 2_000])
QUESTION = st.one_of(
    SENTENCE,
    st.text(max_size=40),
    st.builds(lambda s, n: (s + " ") * n, SENTENCE, st.integers(50, 400)),  # near the limit
    st.sampled_from(["", "   ", "\x00", "?", "£", "¶29", "[P1]", "20 008 394"]),
)
FILTER_TEXT = st.one_of(
    st.none(),
    st.sampled_from(["Children's care services", "Upheld", "London Borough of Redbridge", ""]),
    st.text(max_size=15),
)
DATE_TEXT = st.one_of(
    st.none(),
    st.sampled_from(["2021-07-14", "14 Jul 2021", "2024-02-30", "x"]),
    st.text(max_size=12),
)
REF_TEXT = st.one_of(
    st.none(), st.sampled_from(["20 008 394", "20-008-394", "99999999"]), st.text(max_size=12)
)
