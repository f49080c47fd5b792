"""Value objects that cross module boundaries: decisions, paragraphs, remedies, hits, answers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RemedyKind(StrEnum):
    PAYMENT = "payment"
    APOLOGY = "apology"
    PROCEDURAL = "procedural"
    SERVICE_IMPROVEMENT = "service_improvement"
    DEADLINE = "deadline"


class PaymentPurpose(StrEnum):
    DISTRESS = "distress"
    TIME_AND_TROUBLE = "time_and_trouble"
    DELAY = "delay"
    COSTS = "costs"
    REFUND = "refund"
    LOST_PROVISION = "lost_provision"
    OTHER = "other"

    @property
    def label(self) -> str:
        """How people say it: 'time and trouble', 'refunds'."""
        return _PURPOSE_LABELS.get(self, self.value.replace("_", " "))


_PURPOSE_LABELS = {PaymentPurpose.REFUND: "refunds", PaymentPurpose.OTHER: "other purposes"}


class Remedy(_Value):
    """One remedy the Ombudsman asked for or the council agreed, pointing at its paragraph."""

    kind: RemedyKind
    paragraph: int
    text: str = Field(description="The words of the remedy as they stand in the paragraph")
    amount: float | None = None
    purposes: tuple[PaymentPurpose, ...] = ()
    per_month: bool = False
    total: float | None = Field(
        default=None, description="Stated total for a per-month payment ('a total of £300')"
    )
    payee: str | None = None
    action: str | None = Field(
        default=None, description="A short label for non-payment remedies, e.g. 'stage two'"
    )
    deadline: str | None = None
    origin: str = Field(
        default="ombudsman",
        description="'ombudsman' (agreed action, recommendation) or 'council' (its own offer)",
    )

    def amount_text(self) -> str:
        """'£300', '£50 a month, total £300' or 'amount not stated'."""
        if self.amount is None:
            return "amount not stated"
        if self.per_month:
            total = f", total £{self.total:,.0f}" if self.total else ""
            return f"£{self.amount:,.0f} a month{total}"
        return f"£{self.amount:,.0f}"

    def describe(self) -> str:
        """One line: kind, amount, purposes, payee, action, deadline, whose offer."""
        parts = [self.kind.value]
        if self.amount is not None:
            parts.append(self.amount_text())
        if self.purposes:
            parts.append("for " + ", ".join(p.label for p in self.purposes))
        if self.payee:
            parts.append(f"to {self.payee}")
        if self.action and self.kind is not RemedyKind.APOLOGY:
            parts.append(f"— {self.action}")
        if self.deadline:
            parts.append(f"[{self.deadline}]")
        if self.origin != "ombudsman":
            parts.append("(the council's own offer)")
        return " ".join(parts)


class Paragraph(_Value):
    """A numbered paragraph of a decision, with its bullets and trailing lines folded in."""

    number: int
    section: str
    subsection: str | None = None
    text: str


class Decision(_Value):
    ref: str = Field(description="Normalised reference, e.g. '20 008 394'")
    council: str | None = None
    category: str | None = None
    subcategory: str | None = None
    outcome: str | None = None
    date: dt.date | None = None
    summary: str | None = None
    url: str
    paragraphs: tuple[Paragraph, ...]
    remedies: tuple[Remedy, ...] = ()
    source: str = Field(default="", description="Where the decision was read from")
    source_shape: str = Field(default="", description="numbered, dashed, json, html")

    @property
    def ref_slug(self) -> str:
        return self.ref.replace(" ", "-")

    def paragraph(self, number: int) -> Paragraph:
        for paragraph in self.paragraphs:
            if paragraph.number == number:
                return paragraph
        raise KeyError(f"{self.ref} has no paragraph {number}")


class SearchFilters(_Value):
    """Filters applied to retrieval; every field is optional and they combine with AND."""

    category: str | None = None
    subcategory: str | None = None
    outcome: str | None = None
    council: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    ref: str | None = None

    def is_empty(self) -> bool:
        return all(value is None for value in self.model_dump().values())


class _Placed(_Value):
    """A value standing for one numbered paragraph of one decision."""

    @property
    def place(self) -> tuple[str, int]:
        """(ref, paragraph number): what makes two of them the same paragraph."""
        raise NotImplementedError

    @property
    def label(self) -> str:
        return paragraph_label(*self.place)

    @property
    def marker(self) -> str:
        return paragraph_marker(*self.place)


class RetrievedParagraph(_Placed):
    """A retrieval hit: one paragraph, with every reference of a joint decision it stands in."""

    ref: str
    refs: tuple[str, ...] = Field(description="All references sharing this paragraph (joint)")
    council: str | None
    category: str | None
    subcategory: str | None
    outcome: str | None
    date: dt.date | None
    number: int
    section: str
    subsection: str | None
    text: str
    url: str
    score: float
    dense_rank: int | None = None
    keyword_rank: int | None = None
    dense_similarity: float | None = None
    withdrawn: dt.date | None = Field(
        default=None, description="The day the site stopped serving the decision (404 / 410)"
    )
    flags: tuple[str, ...] = Field(
        default=(),
        description="What the paragraph holds that is addressed to a language model "
        "(`assistant.injection`): kept and searchable, never shown to a model or cited",
    )

    @property
    def place(self) -> tuple[str, int]:
        return (self.ref, self.number)


def decisions_of(hits: Iterable[RetrievedParagraph]) -> set[str]:
    """Every reference the hits come from (each reference of a joint decision)."""
    return {ref for hit in hits for ref in hit.refs}


def paragraph_label(ref: str, number: int) -> str:
    """How a paragraph is named everywhere: '20 008 394 ¶29'."""
    return f"{ref} ¶{number}"


def parse_label(label: str) -> tuple[str, int] | None:
    """(ref, paragraph) from a `paragraph_label`; None for anything else."""
    ref, _, number = (label or "").rpartition(" ¶")
    return (ref, int(number)) if ref and number.isdigit() else None


def paragraph_marker(ref: str, number: int) -> str:
    """A citation as it stands in text: '[20 008 394 ¶29]'."""
    return f"[{paragraph_label(ref, number)}]"


# The one pattern for a citation marker in text (answers, drafts, exports, metrics).
CITATION_MARKER = re.compile(r"\[(\d{2} \d{3} \d{3}) ¶(\d+)\]")
# The one pattern for a key a model is shown a paragraph under (`assistant.answer.context`):
# a decision letter or two and the paragraph's number ("A29"), or a rank ("P1").
KEY_PATTERN = r"[A-Z]{1,2}\d+"


# Keys of citations computed from the remedy table, not cited by a model: "figure-1", ...
# (never the shape of a key a model is shown, so the two cannot be confused).
FIGURE_KEY_PREFIX = "figure-"


class Citation(_Placed):
    key: str
    ref: str
    paragraph: int
    section: str
    quote: str
    url: str
    withdrawn: dt.date | None = None

    @classmethod
    def of(cls, hit: RetrievedParagraph, key: str = "") -> Citation:
        return cls(
            key=key,
            ref=hit.ref,
            paragraph=hit.number,
            section=hit.section,
            quote=hit.text,
            url=hit.url,
            withdrawn=hit.withdrawn,
        )

    @property
    def place(self) -> tuple[str, int]:
        return (self.ref, self.paragraph)

    @property
    def computed(self) -> bool:
        """A remedy figure's citation (computed from the remedy table, not the model's)."""
        return self.key.startswith(FIGURE_KEY_PREFIX)

    def markdown_link(self) -> str:
        return f"[{self.label}]({self.url}) ({self.section})"

    @staticmethod
    def markers_in(text: str) -> list[tuple[str, int]]:
        """(ref, paragraph) of every marker in the text, in order."""
        return [(ref, int(n)) for ref, n in CITATION_MARKER.findall(text)]


def merge_citations(*groups: Iterable[Citation]) -> tuple[Citation, ...]:
    """The citations in order, each paragraph once (the first citation of it wins)."""
    merged: dict[tuple[str, int], Citation] = {}
    for group in groups:
        for citation in group:
            merged.setdefault(citation.place, citation)
    return tuple(merged.values())


class Verification(_Value):
    claims: int = Field(default=0, description="Statements the model made, before checking")
    dropped_citations: int = 0
    dropped_sentences: int = 0
    replaced_sentences: int = 0
    uncited_sentences: int = 0
    fell_back_to_extractive: bool = False
    notes: tuple[str, ...] = ()

    @property
    def interventions(self) -> int:
        """Citations and sentences the contract removed or replaced (a sentence citing
        nothing included)."""
        return self.dropped_citations + self.unsupported_claims

    @property
    def unsupported_claims(self) -> int:
        """The model's statements that did not stand as written: uncited, unsupported (removed)
        or replaced by the cited paragraph's own sentence."""
        return self.uncited_sentences + self.dropped_sentences + self.replaced_sentences


class Answer(_Value):
    question: str
    standalone_question: str
    text: str
    citations: tuple[Citation, ...]
    hits: tuple[RetrievedParagraph, ...]
    answered: bool = Field(description="False when the decisions do not answer the question")
    verification: Verification
    timings: dict[str, float]
    model: str
    prompt_version: str
    usage: dict[str, int] = Field(default_factory=dict)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    model_output: str = Field(default="", description="The model's words before verification")
    search_sentence: str = Field(
        default="",
        description="The sentence in a decision's wording the model wrote to search with",
    )
    figures: str | None = Field(
        default=None,
        description="Remedy figures computed from the extracted remedies (remedies questions)",
    )

    def verification_note(self) -> str:
        """One line for a reader: what the answer contract did to the model's words."""
        v = self.verification
        if not self.answered:
            if not self.model_output:
                return "not answered: no paragraph was relevant enough, so no model was asked"
            return "not answered: the model said the paragraphs it was shown do not answer this"
        if v.fell_back_to_extractive:
            return (
                "FELL BACK: no model-written sentence passed verification, so the sentences "
                "of the decisions that answer are quoted instead"
            )
        changes = [
            f"{count} {what}"
            for count, what in (
                (v.dropped_citations, "citation(s) removed or moved to the paragraph that says it"),
                (v.replaced_sentences, "sentence(s) replaced by the cited paragraph's own"),
                (v.dropped_sentences, "unsupported sentence(s) removed"),
                (v.uncited_sentences, "sentence(s) citing no paragraph removed"),
            )
            if count
        ]
        return "model-written; every sentence cited and checked against its paragraph" + (
            f": {'; '.join(changes)}" if changes else ", nothing changed"
        )


class IndexStats(_Value):
    """What an index holds."""

    decisions: int
    joint_groups: int
    paragraphs: int
    pending: int = Field(description="Decisions an interrupted ingest left unfinished")
    withdrawn: int = Field(default=0, description="Decisions the site no longer publishes")
    by_category: dict[str, int]
    by_outcome: dict[str, int]
    by_year: dict[str, int]
    fingerprint: dict[str, object] | None
    encoder: dict[str, object] | None = Field(
        default=None,
        description="The encoder of the latest ingest that embedded anything: model, "
        "device, processes, threads, batch size, and its paragraphs per second",
    )
    vectors: int
    index_dir: str
    flagged: tuple[str, ...] | None = Field(
        default=(),
        description="Paragraphs holding text addressed to a language model, each as "
        "'20 008 394 ¶5: instruction to a model' (kept, searchable, never shown to a model); "
        "None when they were not looked for",
    )
