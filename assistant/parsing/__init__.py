"""Decision files and pages -> typed `Decision`s. Pure Python: knows nothing of embeddings."""

from assistant.parsing.common import normalise_ref
from assistant.parsing.read import (
    MAX_FILE_BYTES,
    SUPPORTED_SUFFIXES,
    iter_decision_files,
    parse_string,
    read_path,
)
from assistant.parsing.urls import search_url

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "iter_decision_files",
    "normalise_ref",
    "parse_string",
    "read_path",
    "search_url",
]
