"""Small use-cases shared by the surfaces (CLI, UI, Python API) that need no model."""

from __future__ import annotations

from pathlib import Path

from assistant.errors import AssistantError, InputError, ParseError
from assistant.parsing import normalise_ref, read_path
from assistant.settings import Settings
from assistant.types import Decision


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
