"""Value objects that cross module boundaries: decisions, paragraphs, remedies, hits, answers."""

from __future__ import annotations

import datetime as dt
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


class RetrievedParagraph(_Value):
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


class Citation(_Value):
    key: str
    ref: str
    paragraph: int
    section: str
    quote: str
    url: str
    withdrawn: dt.date | None = None


class Verification(_Value):
    dropped_citations: int = 0
    dropped_sentences: int = 0
    replaced_sentences: int = 0
    uncited_sentences: int = 0
    fell_back_to_extractive: bool = False
    notes: tuple[str, ...] = ()


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
    figures: str | None = Field(
        default=None,
        description="Remedy figures computed from the extracted remedies (remedies questions)",
    )
