"""Filters from what a user typed, shared by every surface through the facade."""

from __future__ import annotations

from collections.abc import Mapping

from assistant.errors import InputError
from assistant.parsing import normalise_ref
from assistant.parsing.common import parse_date
from assistant.types import SearchFilters

# What a user types to filter: the names of `make_filters`' arguments.
FILTER_INPUTS = ("category", "subcategory", "outcome", "council", "since", "until", "ref")


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
