"""Draft a complaint response grounded in what the Ombudsman decided before.

The draft's structure is built by code, not by the model: the issues the complaint raises,
for each the precedent (quoted, cited) and how the Ombudsman treated it, the procedure
position, the remedies the precedent suggests (computed figures, cited), then the letter.
The model only writes the letter's body, from the precedent it is shown; that body passes
the same verification as `ask`. The complaint is data: it is fenced in the prompt, text in it
addressed to an assistant is set aside, and it cannot add sections or citations.
Complaint text is not logged unless `log_drafts` is set.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from assistant.answer import Assistant, Context
from assistant.answer.claims import check_claims, claims_schema, parse_claims
from assistant.answer.context import rank_keys
from assistant.answer.relevance import content_words, is_relevant
from assistant.answer.support import list_introduced
from assistant.answer.topics import quoted_names, topics_named, unmentioned_topics
from assistant.answer.verify import split_sentences
from assistant.errors import InputError
from assistant.export import ATTRIBUTION, FootnotedDocument
from assistant.injection import flags, neutralise
from assistant.parsing.common import heading_key
from assistant.types import (
    Citation,
    RetrievedParagraph,
    SearchFilters,
    Verification,
    decisions_of,
    merge_citations,
)
from assistant.uploads import check_docx

log = logging.getLogger(__name__)

Audience = Literal["council", "complainant"]
MAX_COMPLAINT_CHARS = 20_000
MAX_ISSUES = 5
PRECEDENTS_PER_ISSUE = 2
LETTER_PARAGRAPHS = 4
LETTER_CLAIMS = 6  # the letter body is three to six sentences
_GRIEVANCE = re.compile(
    r"\b(fail\w*|refus\w*|delay\w*|did ?n[o']t|not|never|without|wrong\w*|poor\w*|late|"
    r"ignor\w*|unhappy|complain\w*|lost|missed|stopp\w*|removed|inaccurate|unfair\w*|"
    r"no (one|response|reply|support|contact))\b",
    re.IGNORECASE,
)
_PREAMBLE = re.compile(r"^(I am|I'm|We are|we're) writing\b", re.IGNORECASE)
_REMEDY_SECTIONS = {"agreed action", "recommendations", "final decision"}
_TREATMENT = {
    "upheld": "The Ombudsman investigated and found fault",
    "not upheld": "The Ombudsman found no fault, or did not continue",
    "closed after initial enquiries": "The Ombudsman decided not to investigate",
}


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Precedent(_Value):
    citation: Citation
    council: str | None
    outcome: str | None
    treatment: str


class DraftIssue(_Value):
    heading: str
    complaint_words: str
    precedents: tuple[Precedent, ...]
    # Why no precedent is cited, when the issue names only topics no decision found mentions.
    unmatched: str | None = None


class Draft(_Value):
    audience: Audience
    stage: int | None
    issues: tuple[DraftIssue, ...]
    procedure: str
    procedure_citations: tuple[Citation, ...]
    remedies: str
    letter: str
    citations: tuple[Citation, ...]
    verification: Verification
    set_aside: tuple[str, ...]
    timings: dict[str, float]
    model: str
    prompt_version: str
    model_output: str = ""  # the letter's words as the model wrote them, before verification
    usage: dict[str, int] = {}  # the letter's prompt and completion tokens, where counted


@dataclass(frozen=True)
class DraftRequest:
    """What a draft is asked for: the complaint (data, never instructions) and its setting."""

    complaint: str
    council_response: str | None = None
    stage: int | None = None
    audience: Audience = "council"
    filters: SearchFilters = field(default_factory=SearchFilters)


@dataclass(frozen=True)
class Procedure:
    text: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class Letter:
    text: str
    verification: Verification
    model: str
    context: Context  # the paragraphs the letter cites
    model_output: str = ""  # the model's words before verification
    usage: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


NO_PRECEDENT = "No decision in the index is close enough to this issue."
# Sections that state what was complained of, not what the Ombudsman decided.
_ALLEGATIONS = {heading_key(h) for h in ("The complaint", "Complaint summary")}
NO_MODEL = "none"  # the model named by a draft whose letter was not written
# The letter's greeting and closing, by audience: written here, never by the model.
_SALUTATIONS: dict[Audience, tuple[str, str]] = {
    "council": ("Dear [complainant's name],", "Yours sincerely,\n[Name], Complaints Manager"),
    "complainant": ("Dear Complaints Manager,", "Yours faithfully,\n[Name]"),
}
AUDIENCES = {
    "council": "the council replying to the complainant",
    "complainant": "the complainant or advocate writing to the council",
}
SECTIONS = (
    "Issues and precedent",
    "Procedure position",
    "Remedies in similar cases",
    "Draft letter",
)


def read_text_file(
    path: Path, max_bytes: int, what: str = "complaint", max_unpacked: int | None = None
) -> str:
    """The text of a .txt, .md or .docx file, with a clear message for anything else. A .docx
    unpacking to more than `max_unpacked` bytes (default: ten times `max_bytes`) is refused
    before it is read."""
    if not path.is_file():
        raise InputError(f"No {what} file at {path}")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"The {what} file {path} is {size:,} bytes; the limit is {max_bytes:,} "
            "(set LGSCO_UI__MAX_UPLOAD_BYTES to change it)."
        )
    suffix = path.suffix.lower()
    if suffix == ".docx":
        check_docx(path, max_unpacked or 10 * max_bytes, what)
        try:
            import docx

            document = docx.Document(str(path))
        except Exception as exc:
            raise InputError(f"{path} is not a readable Word document: {exc}") from None
        return "\n".join(p.text for p in document.paragraphs)
    if suffix in {".txt", ".md", ""}:
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{path} is not UTF-8 text") from None
    raise InputError(f"{path}: give the {what} as a .txt, .md or .docx file")


@dataclass(frozen=True)
class Issue:
    heading: str
    words: str  # the complaint's own sentence


@dataclass(frozen=True)
class ComplaintIssues:
    issues: list[Issue]
    set_aside: list[str]  # sentences addressed to an assistant rather than the council
    rest: str  # the complaint without the sentences set aside


def split_issues(complaint: str) -> ComplaintIssues:
    """Each issue the complaint raises, and any sentences set aside because they address an
    assistant rather than the council."""
    issues: list[Issue] = []
    set_aside: list[str] = []
    rest: list[str] = []
    seen: set[frozenset[str]] = set()
    for sentence in split_sentences(re.sub(r"\s+", " ", complaint)):
        if flags(sentence):  # addressed to a model, or closing the prompt's fence
            set_aside.append(sentence)
            continue
        rest.append(sentence)
        if (
            not _GRIEVANCE.search(sentence)
            or len(content_words(sentence)) < 3
            or _PREAMBLE.match(sentence)
        ):
            continue
        key = frozenset(content_words(sentence)[:6])
        if key in seen:
            continue
        seen.add(key)
        issues.append(Issue(_heading(sentence), sentence))
    return ComplaintIssues(issues, set_aside, " ".join(rest))


def _heading(sentence: str) -> str:
    clause = re.split(r"[,;:]| because | which | and then ", sentence, maxsplit=1)[0]
    clause = re.sub(
        r"^(I|we|my \w+|our \w+) (also )?(complain|am complaining|feel|think|believe)"
        r"( that)? ",
        "",
        clause,
        flags=re.IGNORECASE,
    )
    words = clause.strip(" .").split()
    heading = " ".join(words[:10]) + ("…" if len(words) > 10 else "")
    return heading[:1].upper() + heading[1:]


class Drafter:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.settings = assistant.settings

    def draft(self, request: DraftRequest) -> Draft:
        started = time.perf_counter()
        stage, audience, filters = request.stage, request.audience, request.filters
        complaint = (request.complaint or "").strip()
        if not complaint:
            raise InputError("The complaint is empty: describe what the complaint is about.")
        if len(complaint) > MAX_COMPLAINT_CHARS:
            raise InputError(
                f"The complaint is {len(complaint):,} characters; the limit is "
                f"{MAX_COMPLAINT_CHARS:,}. Summarise it, or give the main points."
            )
        if stage not in (None, 1, 2, 3):
            raise InputError(f"The stage must be 1, 2 or 3, not {stage}")
        if audience not in AUDIENCES:
            raise InputError(f"The draft is for council or complainant, not {audience!r}")
        digest = hashlib.sha256(complaint.encode()).hexdigest()[:12]
        if self.settings.log_drafts:
            log.info("draft for complaint %s: %s", digest, complaint)
        else:
            log.info(
                "draft for complaint %s (%d characters; text not logged)", digest, len(complaint)
            )

        found = split_issues(complaint)
        # No grievance found: the complaint as one issue, without what was set aside (so an
        # injected sentence can never become a heading); nothing left, no issue at all.
        rest = found.rest.strip()
        issue_texts = found.issues or ([Issue(_heading(rest[:200]), rest[:600])] if rest else [])
        min_overlap = self.settings.retrieval.min_keyword_overlap
        issues: list[DraftIssue] = []
        shown: list[RetrievedParagraph] = []
        precedent: list[Precedented] = []  # each issue's words and its precedent, best first
        for issue in issue_texts:
            heading, words = issue.heading, issue.words
            hits, _ = self.assistant.evidence(words, filters, self.settings.retrieval.k, fault=True)
            relevant = [h for h in hits if is_relevant(words, [h], min_overlap)][
                :PRECEDENTS_PER_ISSUE
            ]
            unmatched = self._unmatched_topics(words, hits)
            if unmatched:
                relevant = []  # precedent about something else would mislead the letter
            issues.append(
                DraftIssue(
                    heading=heading,
                    complaint_words=words,
                    precedents=tuple(self._precedent(h) for h in relevant),
                    unmatched=unmatched,
                )
            )
            precedent.append(Precedented(words, relevant))
            shown.extend(h for h in relevant if h.place not in {s.place for s in shown})

        procedure = self._procedure(stage, complaint)
        figures = (
            self.assistant.remedy_figures(" ".join(i.words for i in issue_texts), shown, filters)
            if shown
            else None
        )
        letter = self._letter(
            complaint,
            council_response=request.council_response,
            stage=stage,
            audience=audience,
            precedent=precedent,
        )
        citations = merge_citations(
            (p.citation for i in issues for p in i.precedents),
            procedure.citations,
            figures.citations if figures else (),
            letter.context.citations(),
        )
        return Draft(
            audience=audience,
            stage=stage,
            issues=tuple(issues),
            procedure=procedure.text,
            procedure_citations=procedure.citations,
            remedies=figures.text
            if figures
            else "No precedent was close enough to suggest remedies.",
            letter=letter.text,
            citations=citations,
            verification=letter.verification,
            set_aside=tuple(found.set_aside),
            timings={
                "letter_s": round(letter.seconds, 3),
                "total_s": round(time.perf_counter() - started, 3),
            },
            model=letter.model,
            prompt_version=self.assistant.prompt("draft").version,
            model_output=letter.model_output,
            usage=letter.usage,
        )

    def _unmatched_topics(self, words: str, hits: list[RetrievedParagraph]) -> str | None:
        """Why an issue gets no precedent: the topics of children's services it names
        ("secure accommodation"), when none of the decisions found mentions any of them.
        Laxer than the ask path's gate, which declines when any one goes unmentioned: a
        complaint's sentence often names several ("a family and friends foster carer
        refused a fostering allowance"), and a decision about one is still precedent."""
        if not self.settings.retrieval.topic_check or not hits:
            return None
        named = topics_named(words)
        if not named:
            return None
        texts = self.assistant.index.store.decision_texts(decisions_of(hits))
        topics = unmentioned_topics(words, texts, named)  # among those named, not all again
        if len(topics) < len(named):
            return None
        return (
            f"No decision found mentions {quoted_names(topics)}, so no precedent is cited "
            "for this issue."
        )

    def _precedent(self, hit: RetrievedParagraph) -> Precedent:
        outcome = (hit.outcome or "").lower()
        treatment = next(
            (text for key, text in _TREATMENT.items() if outcome.startswith(key)),
            "The decision page does not state its outcome",
        )
        return Precedent(
            citation=Citation.of(hit),
            council=hit.council,
            outcome=hit.outcome,
            treatment=treatment,
        )

    def _procedure(self, stage: int | None, complaint: str) -> Procedure:
        where = f"stage {stage}" if stage else "an unstated stage"
        query = (
            "statutory three-stage children's complaints procedure escalate to stage two "
            f"independent investigation {where}"
        )
        hits = [
            h
            for h in self.assistant.evidence(query, SearchFilters(), 8, fault=True)[0]
            if "stage" in h.text.lower() and h.section.lower() not in _REMEDY_SECTIONS
        ][:3]
        escalation_refused = bool(
            re.search(
                r"\b(refus\w*|would ?n[o']t|won't|declin\w*)\b[^.]{0,60}\bstage (two|2)",
                complaint,
                re.IGNORECASE,
            )
        )
        lines = [f"The complaint is at {where} of the statutory children's complaints procedure."]
        if escalation_refused:
            lines.append("The complaint says an escalation to stage two was refused.")
        for hit in hits:
            lines.append(f"{_sentence_about(hit.text, 'stage')} {hit.marker}")
        return Procedure(" ".join(lines), tuple(Citation.of(h) for h in hits))

    def _letter(
        self,
        complaint: str,
        *,
        council_response: str | None,
        stage: int | None,
        audience: Audience,
        precedent: list[Precedented],
    ) -> Letter:
        chosen = letter_paragraphs(precedent)
        if not chosen:
            return Letter(
                text="The decisions in the index do not contain precedent close enough to this "
                "complaint, so no letter is drafted from them.",
                verification=Verification(),
                model=NO_MODEL,
                context=Context({}),
            )
        started = time.perf_counter()
        hits = [hit for hit, _ in chosen]
        context = Context.of(hits, keys=rank_keys, bodies=self._bodies(chosen))
        prompt = self.assistant.prompt("draft")
        audience_text = (
            "from the council replying to the complainant"
            if audience == "council"
            else "from the complainant or their advocate to the council"
        )
        complaint_block = complaint + (
            f"\n\nThe council's earlier response:\n{council_response.strip()}"
            if council_response and council_response.strip()
            else ""
        )
        messages = prompt.messages(
            context=context.text,
            complaint=neutralise(complaint_block),  # it can never close its fence
            stage=stage or "not stated",
            audience_text=audience_text,
        )
        backend = self.assistant.backend
        # Every sentence of the body must cite a shown paragraph that supports it, as in
        # answers; the greeting and closing are added here, not written by the model.
        # A prompt asking for claims gets a reply constrained to them (keys only from those
        # shown), where the backend offers structured output; else text with [P1] markers.
        schema = (
            claims_schema(list(context.shown), LETTER_CLAIMS) if prompt.output == "claims" else None
        )
        reply = backend.reply(messages, schema)
        result = check_claims(
            parse_claims(reply.text), context.texts(), self.assistant.council_names, complaint
        )
        fell_back = not result.sentences
        body = context.extractive() if fell_back else result.keyed()
        greeting, closing = _SALUTATIONS[audience]
        return Letter(
            text=f"{greeting}\n\n{context.render(body.text)}\n\n{closing}",
            verification=result.verification(fell_back=fell_back),
            model=backend.name,
            context=context.only(body.keys),
            model_output=reply.text,
            usage=reply.usage,
            seconds=time.perf_counter() - started,
        )

    def _bodies(self, chosen: list[tuple[RetrievedParagraph, str]]) -> list[str]:
        """What the letter's model is shown of each paragraph: a long one cut to its
        sentences nearest the words of the issue it is precedent for (`Focus`), as an
        answer shows them nearest the question."""
        bodies = [hit.text for hit, _ in chosen]
        for words in dict.fromkeys(words for _, words in chosen):
            group = [i for i, (_, w) in enumerate(chosen) if w == words]
            cut = self.assistant.focus.bodies(words, [chosen[i][0].text for i in group], None)
            for i, body in zip(group, cut, strict=True):
                bodies[i] = body
        return bodies


@dataclass(frozen=True)
class Precedented:
    """An issue's words and the precedent found for it, best first."""

    words: str
    hits: list[RetrievedParagraph]


def letter_paragraphs(precedent: Sequence[Precedented]) -> list[tuple[RetrievedParagraph, str]]:
    """The paragraphs the letter is written from, each with the words of its issue: the
    best of each issue first, then the second best, up to `LETTER_PARAGRAPHS` (a small
    model writes better from a few). A paragraph of a decision's "The complaint" section
    states what someone alleged, not what the Ombudsman decided, and the letter describes
    decisions: such paragraphs are left out while any other is found."""
    ranked: list[tuple[RetrievedParagraph, str]] = []
    # By place: one paragraph found by two issues' searches comes with two scores.
    taken: set[tuple[str, int]] = set()
    for rank in range(max((len(p.hits) for p in precedent), default=0)):
        for issue in precedent:
            if rank < len(issue.hits) and issue.hits[rank].place not in taken:
                taken.add(issue.hits[rank].place)
                ranked.append((issue.hits[rank], issue.words))
    decided = [(h, w) for h, w in ranked if heading_key(h.section) not in _ALLEGATIONS]
    return (decided or ranked)[:LETTER_PARAGRAPHS]


def _sentence_about(text: str, word: str) -> str:
    """The paragraph's first sentence mentioning `word`, in its own words. A sentence that
    only introduces a list ("… by completing the following:") is quoted with the list."""
    sentences = split_sentences(text.split("\n", 1)[0])
    chosen = next((s for s in sentences if word in s.lower()), sentences[0] if sentences else text)
    if chosen.rstrip().endswith(":") and (with_list := list_introduced(chosen, text)):
        return with_list
    return chosen.rstrip(":")


def letter_body(draft: Draft) -> str:
    """The letter's body: the model's claims that passed verification, or the quoted
    fallback, without the greeting and closing; empty when no letter was drafted."""
    if draft.model == NO_MODEL:
        return ""
    greeting, closing = _SALUTATIONS[draft.audience]
    return draft.letter.removeprefix(greeting).removesuffix(closing).strip()


def draft_markdown(draft: Draft) -> str:
    lines = [
        "# Draft complaint response",
        "",
        f"*For: {AUDIENCES[draft.audience]} · stage: {draft.stage or 'not stated'} · "
        f"model: {draft.model} · prompt {draft.prompt_version}*",
        "",
        f"## {SECTIONS[0]}",
        "",
    ]
    for n, issue in enumerate(draft.issues, start=1):
        lines += [f"### {n}. {issue.heading}", "", f"> {issue.complaint_words}", ""]
        if not issue.precedents:
            lines += [issue.unmatched or NO_PRECEDENT, ""]
        for p in issue.precedents:
            quote = " ".join(p.citation.quote.split())
            quote = quote if len(quote) <= 500 else quote[:500] + "…"
            lines.append(
                f"- {p.treatment} in {p.citation.ref} ({p.council or 'council not stated'}, "
                f"{p.outcome or 'outcome not stated'}): “{quote}” {p.citation.marker}"
            )
        lines.append("")
    lines += [
        f"## {SECTIONS[1]}",
        "",
        draft.procedure,
        "",
        f"## {SECTIONS[2]}",
        "",
        draft.remedies,
        "",
    ]
    lines += [f"## {SECTIONS[3]}", "", draft.letter, ""]
    if draft.set_aside:
        lines += [
            "*Set aside: the complaint contains text addressed to an assistant, which was "
            "treated as part of the complaint and not followed.*",
            "",
        ]
    lines += ["## Citations", ""]
    for c in draft.citations:
        lines.append(f"- {c.markdown_link()}")
    lines += ["", f"*{ATTRIBUTION}*"]
    return "\n".join(lines) + "\n"


def draft_docx(draft: Draft, path: Path) -> Path:
    doc = FootnotedDocument(draft.citations)
    doc.heading("Draft complaint response", 0)
    doc.heading(SECTIONS[0], 1)
    for n, issue in enumerate(draft.issues, start=1):
        doc.heading(f"{n}. {issue.heading}", 2)
        doc.paragraph(f"The complaint: “{issue.complaint_words}”")
        if not issue.precedents:
            doc.paragraph(issue.unmatched or NO_PRECEDENT)
        for p in issue.precedents:
            doc.paragraph(
                f"{p.treatment} in decision {p.citation.ref} ({p.outcome or 'outcome not stated'}) "
                f"{p.citation.marker}",
                style="List Bullet",
            )
    doc.heading(SECTIONS[1], 1)
    doc.paragraph(draft.procedure)
    doc.heading(SECTIONS[2], 1)
    for line in draft.remedies.split("\n"):
        doc.paragraph(
            line.removeprefix("- "), style="List Bullet" if line.startswith("- ") else None
        )
    doc.heading(SECTIONS[3], 1)
    for block in draft.letter.split("\n"):
        if block.strip():
            doc.paragraph(block)
    doc.paragraph(ATTRIBUTION)
    return doc.save(path)
