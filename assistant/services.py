"""Small use-cases shared by the surfaces (CLI, UI, Python API) that need no model."""

from __future__ import annotations

from pathlib import Path

from assistant.errors import AssistantError, InputError, ParseError
from assistant.parsing import normalise_ref, read_path
from assistant.parsing.common import parse_date
from assistant.settings import Settings
from assistant.types import Decision, SearchFilters


def load_decision(ref_or_path: str, settings: Settings) -> Decision:
    """A decision by reference from the index, or parsed straight from a file."""
    path = Path(ref_or_path)
    if path.is_file():
        for item in read_path(path):
            if isinstance(item, ParseError):
                raise item
            return item
        raise ParseError(str(path), "no decision in the file")
    try:
        ref = normalise_ref(ref_or_path)
    except ValueError as exc:
        raise InputError(
            f"{ref_or_path!r} is neither a file nor a reference like 20 008 394"
        ) from exc
    from assistant.index import Index

    index = Index(settings)
    decision = index.store.decision(ref)
    if decision is None:
        raise AssistantError(f"decision {ref} is not in the index at {settings.index_dir}")
    return decision


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
