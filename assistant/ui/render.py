"""HTML for the UI: a cited paragraph inside its decision, evidence lists, notices.

Everything from a decision or a user is escaped; only our own markup is HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from assistant.answer.assistant import SET_ASIDE
from assistant.types import Answer, Decision, RetrievedParagraph, paragraph_label, parse_label

CSS = """
.lgsco-decision{font-size:.95rem;line-height:1.5}
.lgsco-decision .meta{color:#444;margin:.2rem 0 .6rem}
.lgsco-decision h4{margin:.8rem 0 .3rem;font-size:1rem}
.lgsco-decision p.para{margin:.35rem 0;padding:.35rem .5rem;border-left:3px solid transparent;
white-space:pre-wrap}
.lgsco-decision p.para .n{font-weight:600;color:#555;margin-right:.4rem}
.lgsco-decision p.para.cited{background:#fff3bf;border-left-color:#e8a200;color:#1b1b1b}
.lgsco-decision .source{font-size:.85rem;color:#555;margin-top:.8rem}
.lgsco-notice{padding:.5rem .7rem;border-radius:6px;margin:.3rem 0}
.lgsco-notice.none{background:#eef3fb;border:1px solid #9db4d8}
.lgsco-notice.warn{background:#fff4e5;border:1px solid #f0b35b}
.lgsco-notice.error{background:#fdecec;border:1px solid #e08b8b}
.lgsco-evidence li{margin:.2rem 0}
#citation-chips label{border-radius:999px!important}
"""
NEIGHBOURS = 2


# A citation chip is labelled as the paragraph is named everywhere: "20 008 394 ¶29".
chip = paragraph_label
parse_chip = parse_label


def decision_view(decision: Decision, number: int) -> str:
    """The cited paragraph highlighted with its neighbours and section heading, the
    decision's details, and the link to the Ombudsman's page."""
    details = " · ".join(
        escape(x)
        for x in (
            decision.council or "Council not stated",
            " › ".join(filter(None, (decision.category, decision.subcategory))) or None,
            decision.outcome or "Outcome not stated",
            decision.date.strftime("%d %B %Y") if decision.date else "Date not stated",
        )
        if x
    )
    parts = [
        f"<div class='lgsco-decision' data-ref='{escape(decision.ref)}' data-paragraph='{number}'>",
        f"<h3>Decision {escape(decision.ref)}</h3>",
        f"<div class='meta'>{details}</div>",
    ]
    shown = [p for p in decision.paragraphs if abs(p.number - number) <= NEIGHBOURS]
    if not any(p.number == number for p in shown):
        parts.append(f"<p>Paragraph {number} is not in this decision.</p>")
    section = None
    for paragraph in shown:
        heading = paragraph.section + (f" › {paragraph.subsection}" if paragraph.subsection else "")
        if heading != section:
            parts.append(f"<h4>{escape(heading)}</h4>")
            section = heading
        cited = " cited" if paragraph.number == number else ""
        parts.append(
            f"<p class='para{cited}' id='para-{paragraph.number}'>"
            f"<span class='n'>{paragraph.number}.</span>{escape(paragraph.text)}</p>"
        )
    parts.append(
        f"<div class='source'>Source: Local Government and Social Care Ombudsman, decision "
        f"{escape(decision.ref)}. <a href='{escape(decision.url)}' target='_blank' "
        f"rel='noopener'>Read the decision on lgo.org.uk</a></div></div>"
    )
    return "".join(parts)


def evidence_list(hits: Sequence[RetrievedParagraph]) -> str:
    if not hits:
        return "<p>No paragraphs matched.</p>"
    items = "".join(
        f"<li><b>{escape(chip(h.ref, h.number))}</b> {escape(h.section)}"
        + (f" · {escape(h.council)}" if h.council else "")
        + f": {escape(h.text[:160])}{'…' if len(h.text) > 160 else ''}</li>"
        for h in hits
    )
    return f"<ol class='lgsco-evidence'>{items}</ol>"


def notice(kind: str, text: str) -> str:
    return f"<div class='lgsco-notice {kind}'>{escape(text)}</div>"


def verification_notice(answer: Answer) -> str:
    """What verification changed, and any retrieved paragraph set aside because it holds
    text addressed to a language model (kept and searchable, never shown to the model)."""
    set_aside, others = [], []
    for note in answer.verification.notes:
        (set_aside if note.startswith(SET_ASIDE) else others).append(note)
    warning = notice("warn", "; ".join(set_aside)) if set_aside else ""
    return _verification_notice(answer, others) + warning


def _verification_notice(answer: Answer, notes: list[str]) -> str:
    v = answer.verification
    if not answer.answered:
        return notice(
            "none",
            "The decisions in the index don't answer this question, so nothing is cited.",
        )
    removed = v.dropped_citations + v.dropped_sentences + v.replaced_sentences
    if v.fell_back_to_extractive:
        return notice(
            "warn",
            "The model's answer failed citation checks, so the most relevant paragraphs are "
            "shown in their own words instead.",
        )
    if removed:
        return notice(
            "warn",
            f"Verification changed the model's answer: {v.dropped_citations} citation(s) "
            f"dropped, {v.dropped_sentences} sentence(s) removed, {v.replaced_sentences} "
            "replaced by the paragraph's own words. " + "; ".join(notes[:3]),
        )
    return ""
