"""Typical remedies: figures computed from the extracted remedies, every one traceable.

A language model never produces these numbers. `RemedyView` reads the remedies the parser
extracted (stored per decision in the index), narrows them by filters and, optionally, by a
described fault (hybrid retrieval over the decisions' findings, not substring matching), and
computes counts and min / median / max per payment purpose. A joint decision counts once;
a payment for several purposes ("distress and time and trouble") counts under each; a
per-month payment counts at its stated total when there is one. Small samples are said as
they are: below three decisions the amounts are listed, not summarised.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from assistant.answer.relevance import content_stems, content_words
from assistant.answer.verify import amounts
from assistant.index import Index
from assistant.index.store import normalise_for_hash, paragraph_id
from assistant.injection import flags
from assistant.retrieval import BOILERPLATE_SECTIONS, HybridRetriever
from assistant.settings import RetrievalSettings
from assistant.types import (
    Citation,
    PaymentPurpose,
    Remedy,
    RemedyKind,
    SearchFilters,
    paragraph_label,
    paragraph_marker,
)

log = logging.getLogger(__name__)

Origin = Literal["any", "ombudsman", "council"]
MIN_DECISIONS_FOR_SUMMARY = 3
# A decision matches a described fault when one of its findings paragraphs is among the
# best hybrid hits and shares most of the description's content words (by stem), or half
# of them when the paragraph is also close in meaning ("withdrawn" for "removed").
FAULT_MIN_OVERLAP = 0.75
FAULT_MIN_OVERLAP_CLOSE = 0.5
FAULT_MIN_SIMILARITY = 0.55
FAULT_CANDIDATES = 60

PURPOSE_LABELS = {purpose: purpose.label for purpose in PaymentPurpose}


@dataclass(frozen=True)
class RemedyRecord:
    """One remedy with the decision it comes from."""

    remedy: Remedy
    ref: str
    refs: tuple[str, ...]
    council: str | None
    category: str | None
    subcategory: str | None
    outcome: str | None
    date: dt.date | None
    url: str
    section: str | None  # of the remedy's paragraph
    quote: str | None  # the remedy paragraph's own words

    @property
    def value(self) -> float | None:
        """The amount a payment counts at: its stated total for a per-month payment."""
        r = self.remedy
        if r.per_month and r.total:
            return r.total
        return r.amount

    @property
    def label(self) -> str:
        r = self.remedy
        if r.kind is RemedyKind.APOLOGY:
            return "apology"
        if r.kind is RemedyKind.DEADLINE:
            return (
                f"deadline: {r.deadline[0].lower()}{r.deadline[1:]}" if r.deadline else "deadline"
            )
        return r.action or r.kind.value.replace("_", " ")

    @property
    def label_of_paragraph(self) -> str:
        return paragraph_label(self.ref, self.remedy.paragraph)

    @property
    def marker(self) -> str:
        return paragraph_marker(self.ref, self.remedy.paragraph)

    def describe_amount(self) -> str:
        return self.remedy.amount_text()

    def citation(self) -> Citation | None:
        """A citation of the remedy's paragraph, when the paragraph was found."""
        if self.quote is None or self.section is None:
            return None
        return Citation(
            key="",
            ref=self.ref,
            paragraph=self.remedy.paragraph,
            section=self.section,
            quote=self.quote,
            url=self.url,
        )


@dataclass(frozen=True)
class PaymentFigures:
    purpose: PaymentPurpose
    payments: tuple[RemedyRecord, ...]  # with an amount
    unstated: tuple[RemedyRecord, ...]  # "a sum equivalent to the cost of ..."

    @property
    def decisions(self) -> int:
        return len({p.refs for p in (*self.payments, *self.unstated)})

    @property
    def amounts(self) -> list[float]:
        return sorted(p.value for p in self.payments if p.value is not None)

    @property
    def summarised(self) -> bool:
        """Enough decisions for min / median / max to mean something."""
        return len({p.refs for p in self.payments}) >= MIN_DECISIONS_FOR_SUMMARY

    @property
    def median(self) -> float | None:
        return statistics.median(self.amounts) if self.amounts else None

    def describe(self) -> str:
        label = self.purpose.label
        total = len(self.payments) + len(self.unstated)
        n = self.decisions
        text = f"{label}: {total} payment{'s' * (total != 1)} in {n} decision{'s' * (n != 1)}"
        if self.amounts and self.summarised:
            text += (
                f", £{self.amounts[0]:,.0f} to £{self.amounts[-1]:,.0f} "
                f"(median £{self.median:,.0f})"
            )
        elif self.amounts:
            listed = ", ".join(f"£{a:,.0f}" for a in self.amounts)
            text += f", stated amounts {listed} (too few decisions for a typical figure)"
        if self.unstated:
            text += f"; {len(self.unstated)} with the amount not stated"
        return text


@dataclass(frozen=True)
class ActionFigures:
    label: str
    kind: RemedyKind
    records: tuple[RemedyRecord, ...]

    @property
    def decisions(self) -> int:
        return len({r.refs for r in self.records})


@dataclass(frozen=True)
class RemedyFigures:
    records: tuple[RemedyRecord, ...]
    decisions: int  # decisions (joint ones once) with at least one remedy
    considered: int  # decisions matching the filters and fault, with or without remedies
    payments: tuple[PaymentFigures, ...]
    actions: tuple[ActionFigures, ...]
    filters: SearchFilters
    fault: str | None
    origin: Origin

    def markers_for(self, records: Sequence[RemedyRecord], limit: int = 4) -> str:
        seen: list[str] = []
        for record in records:
            if record.marker not in seen:
                seen.append(record.marker)
        extra = f" and {len(seen) - limit} more" if len(seen) > limit else ""
        return " ".join(seen[:limit]) + extra

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data: for --json, the UI and the API."""
        return figures_to_dict(self)

    def summary_text(self) -> str:
        """The figures as sentences, each citing the paragraphs it rests on."""
        if not self.records:
            if not self.considered:
                return "No decision in the index matches, so there are no remedy figures."
            return (
                f"{self.considered} decision{'s' * (self.considered != 1)} match"
                f"{'es' * (self.considered == 1)}, and none records a remedy."
            )
        lines = [
            f"Figures computed from the remedies in {self.decisions} decision"
            f"{'s' * (self.decisions != 1)} (joint decisions counted once):"
        ]
        for payment in self.payments:
            lines.append(
                f"- Payments for {payment.describe()} "
                f"{self.markers_for([*payment.payments, *payment.unstated])}"
            )
        for action in self.actions[:6]:
            lines.append(
                f"- {action.label.capitalize()}: in {action.decisions} decision"
                f"{'s' * (action.decisions != 1)} {self.markers_for(action.records)}"
            )
        return "\n".join(lines)


class RemedyView:
    def __init__(self, index: Index, settings: RetrievalSettings) -> None:
        self.index = index
        self.settings = settings

    @cached_property
    def retriever(self) -> HybridRetriever:
        plain = self.settings.model_copy(
            update={"max_per_decision": FAULT_CANDIDATES, "section_prior": 0.0}
        )
        return HybridRetriever(index=self.index, settings=plain, penalise_boilerplate=False)

    def fault_refs(self, fault: str, filters: SearchFilters) -> set[str]:
        """Decisions whose findings match a described fault ("delay at stage two")."""
        words = content_words(fault)
        if not words:
            return set()
        hits = self.retriever.search(fault, filters, FAULT_CANDIDATES)
        refs: set[str] = set()
        for hit in hits:
            if normalise_for_hash(hit.section) in BOILERPLATE_SECTIONS:
                continue
            labels = " ".join(filter(None, (hit.category, hit.subcategory, hit.section)))
            stems = content_stems(f"{labels} {hit.text}")
            overlap = sum(1 for w in words if w[:5] in stems) / len(words)
            close = (hit.dense_similarity or 0.0) >= FAULT_MIN_SIMILARITY
            if overlap >= FAULT_MIN_OVERLAP or (close and overlap >= FAULT_MIN_OVERLAP_CLOSE):
                refs.update(hit.refs)
        return refs

    def figures(
        self,
        filters: SearchFilters | None = None,
        fault: str | None = None,
        origin: Origin = "any",
        refs: set[str] | None = None,
    ) -> RemedyFigures:
        filters = filters or SearchFilters()
        store = self.index.store
        if fault:
            matched = self.fault_refs(fault, filters)
            refs = matched if refs is None else refs & matched
        rows = list(store.remedies(filters, refs))
        meta = store.decision_meta({ref for ref, _, _ in rows})
        members = store.group_members({ref for ref, _, _ in rows})
        # A joint decision's members carry the same remedies: read them from one member.
        speaker: dict[str, str] = {}
        for ref, group, _ in rows:
            speaker.setdefault(group, ref)
        rows = [
            (ref, group, remedy)
            for ref, group, remedy in rows
            if speaker[group] == ref and origin in ("any", remedy.origin)
        ]
        paragraphs = store.paragraphs_by_id(
            sorted({paragraph_id(ref, remedy.paragraph) for ref, _, remedy in rows})
        )
        # Nothing of a decision that speaks to a model is trusted (as in `Assistant.evidence`).
        distrusted = store.flagged_refs(ref for ref, _, _ in rows)
        records: list[RemedyRecord] = []
        for ref, _, remedy in rows:
            if ref in distrusted:
                continue
            source = paragraphs.get(paragraph_id(ref, remedy.paragraph))
            if source is not None and flags(source.section, source.subsection, source.text):
                # Stored by an older parser: a paragraph addressed to a model gives no figure.
                log.warning("remedy in %s ¶%s set aside: flagged text", ref, remedy.paragraph)
                continue
            if remedy.amount is not None and (
                source is None or not _states_amount(source.text, remedy.amount)
            ):
                # Never report a figure its paragraph does not state.
                log.warning(
                    "remedy amount £%s not found in %s ¶%s", remedy.amount, ref, remedy.paragraph
                )
                continue
            info = meta[ref]
            records.append(
                RemedyRecord(
                    remedy=remedy,
                    ref=ref,
                    refs=members.get(ref, (ref,)),
                    council=info.council,
                    category=info.category,
                    subcategory=info.subcategory,
                    outcome=info.outcome,
                    date=info.date,
                    url=info.url,
                    section=source.section if source else None,
                    quote=source.text if source else None,
                )
            )
        considered = (
            len(set(store.group_of(refs).values()))
            if refs is not None
            else store.count_groups(filters)
        )
        return RemedyFigures(
            records=tuple(records),
            decisions=len({r.refs for r in records}),
            considered=considered,
            payments=tuple(_payments(records)),
            actions=tuple(_actions(records)),
            filters=filters,
            fault=fault,
            origin=origin,
        )


def _states_amount(text: str, amount: float) -> bool:
    stated = {f.split("/")[0] for f in amounts(text)}
    return f"£{amount:.0f}" in stated or f"£{amount:g}" in stated


def _payments(records: Sequence[RemedyRecord]) -> list[PaymentFigures]:
    by_purpose: dict[PaymentPurpose, list[RemedyRecord]] = defaultdict(list)
    for record in records:
        if record.remedy.kind is RemedyKind.PAYMENT:
            for purpose in record.remedy.purposes or (PaymentPurpose.OTHER,):
                by_purpose[purpose].append(record)
    figures = [
        PaymentFigures(
            purpose=purpose,
            payments=tuple(r for r in found if r.value is not None),
            unstated=tuple(r for r in found if r.value is None),
        )
        for purpose, found in by_purpose.items()
    ]
    return sorted(figures, key=lambda f: (-f.decisions, list(PaymentPurpose).index(f.purpose)))


def _actions(records: Sequence[RemedyRecord]) -> list[ActionFigures]:
    by_label: dict[tuple[RemedyKind, str], list[RemedyRecord]] = defaultdict(list)
    for record in records:
        if record.remedy.kind is not RemedyKind.PAYMENT:
            by_label[(record.remedy.kind, record.label)].append(record)
    figures = [
        ActionFigures(label, kind, tuple(found)) for (kind, label), found in by_label.items()
    ]
    return sorted(figures, key=lambda f: (-f.decisions, f.label))


def figures_to_dict(figures: RemedyFigures) -> dict[str, Any]:
    """The figures as JSON-ready data: for --json, the UI and the API."""
    return {
        "filters": figures.filters.model_dump(mode="json", exclude_none=True),
        "fault": figures.fault,
        "origin": figures.origin,
        "decisions_matching": figures.considered,
        "decisions_with_remedies": figures.decisions,
        "payments": [
            {
                "purpose": p.purpose.value,
                "payments": len(p.payments) + len(p.unstated),
                "decisions": p.decisions,
                "amounts": p.amounts,
                "min": p.amounts[0] if p.amounts else None,
                "median": p.median if p.summarised else None,
                "max": p.amounts[-1] if p.amounts else None,
                "too_few_for_summary": not p.summarised,
                "where": [
                    {"ref": r.ref, "paragraph": r.remedy.paragraph, "amount": r.value}
                    for r in (*p.payments, *p.unstated)
                ],
            }
            for p in figures.payments
        ],
        "other_remedies": [
            {
                "remedy": a.label,
                "kind": a.kind.value,
                "decisions": a.decisions,
                "where": sorted({r.label_of_paragraph for r in a.records}),
            }
            for a in figures.actions
        ],
        "records": [
            {
                "ref": r.ref,
                "refs": list(r.refs),
                "council": r.council,
                "category": r.category,
                "outcome": r.outcome,
                "date": r.date.isoformat() if r.date else None,
                "url": r.url,
                **r.remedy.model_dump(mode="json", exclude_none=True),
            }
            for r in figures.records
        ],
    }


_TYPICAL = re.compile(
    r"\b(typical(ly)?|usual(ly)?|normal(ly)?|generally|on average|average|median|range|"
    r"tend to|what (kind|sort)s? of|which remed|what remed|how much (do|does|should|would|"
    r"will|might|can)|precedent)",
    re.IGNORECASE,
)
_REMEDY_WORDS = re.compile(
    r"\b(pay|paid|payments?|remed(y|ies)|compensation|award|amounts?|money|£|apolog|"
    r"ask(ed)? for|recommend)",
    re.IGNORECASE,
)


_REMEDY_VOCABULARY = re.compile(
    r"\b(pay|paid|payments?|remed(y|ies)|compensation|awards?|amounts?|money|much|ask(ed|s)?|"
    r"for|recommend(s|ed)?|typical(ly)?|usual(ly)?|normal(ly)?|generally|average|median|range|"
    r"tend|kind|sort|precedent)\b|£[\d,]+",
    re.IGNORECASE,
)


def fault_in(question: str) -> str:
    """The fault a remedies question is about, without its remedy words: 'What does the
    Ombudsman usually pay for delay at stage two?' -> '... delay at stage two'."""
    return re.sub(r"\s+", " ", _REMEDY_VOCABULARY.sub(" ", question)).strip()


def is_remedies_question(question: str) -> bool:
    """'What does the Ombudsman usually ask for when ..., and how much?'"""
    return bool(_TYPICAL.search(question) and _REMEDY_WORDS.search(question))
