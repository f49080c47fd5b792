"""Filters from what a user typed, shared by every surface through the facade."""

from __future__ import annotations

from collections.abc import Mapping

from assistant.errors import InputError
from assistant.parsing import normalise_ref
from assistant.parsing.common import parse_date
from assistant.types import SearchFilters

# What a user types to filter: the names of `make_filters`' arguments.
FILTER_INPUTS = ("category", "subcategory", "outcome", "council", "since", "until", "ref")
# Longer than any category, outcome or council name (the longest stored is under 80).
MAX_FILTER_CHARS = 200
# A described fault is a phrase ("delay at stage two"); a complaint goes to `draft`.
MAX_FAULT_CHARS = 300
# The most paragraphs one search returns.
MAX_RESULTS = 50


def check_length(label: str, value: str | None, limit: int) -> None:
    """A free-text input over `limit` characters is refused, naming it."""
    if value is not None and len(value) > limit:
        raise InputError(f"{label} is {len(value):,} characters; the limit is {limit:,}")


def check_k(k: object) -> int | None:
    """How many paragraphs a search returns: a whole number from 1 to `MAX_RESULTS`."""
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, (int, float)) or int(k) != k:
        raise InputError(f"k must be a whole number from 1 to {MAX_RESULTS}, not {k!r}")
    if not 1 <= k <= MAX_RESULTS:
        raise InputError(f"k must be from 1 to {MAX_RESULTS}, not {int(k)}")
    return int(k)


def check_fault(fault: str | None) -> str | None:
    """A described fault, stripped; blank is no fault."""
    check_length("the fault", fault, MAX_FAULT_CHARS)
    return fault.strip() if fault and fault.strip() else None


def filter_inputs(values: Mapping[str, object]) -> dict[str, str | None]:
    """The filter inputs among named values (a handler's parameters, say)."""
    return {name: values[name] for name in FILTER_INPUTS if name in values}  # type: ignore[misc]


def make_filters(
    *,
    category: str | None = None,
    subcategory: str | None = None,
    outcome: str | None = None,
    council: str | None = None,
    since: str | None = None,
    until: str | None = None,
    ref: str | None = None,
    date_labels: tuple[str, str] = ("--since", "--until"),
) -> SearchFilters:
    """Filters from the words a user typed: blanks ignored, dates and references checked,
    each bad value named by the label the user saw (`date_labels` for the two dates)."""
    for name, value in (
        ("category", category),
        ("subcategory", subcategory),
        ("outcome", outcome),
        ("council", council),
        ("since", since),
        ("until", until),
        ("ref", ref),
    ):
        check_length(f"the {name} filter", value, MAX_FILTER_CHARS)
    dates = {}
    fields = ("date_from", "date_to")
    for field, label, raw in zip(fields, date_labels, (since, until), strict=True):
        raw = (raw or "").strip()
        if raw:
            parsed = parse_date(raw)
            if parsed is None:
                raise InputError(f"{label} {raw!r} is not a date (use YYYY-MM-DD)")
            dates[field] = parsed
    values = {
        name: value.strip()
        for name, value in (
            ("category", category),
            ("subcategory", subcategory),
            ("outcome", outcome),
            ("council", council),
        )
        if value and value.strip()
    }
    if ref and ref.strip():
        try:
            values["ref"] = normalise_ref(ref)
        except ValueError as exc:
            raise InputError(str(exc)) from exc
    return SearchFilters(**values, **dates)
