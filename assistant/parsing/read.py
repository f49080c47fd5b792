"""Decision files and pages -> typed `Decision`s. Pure Python: knows nothing of embeddings.

`read_path` accepts every shape real users have: plain-text page copies (numbered or
dashed), saved HTML pages, JSON records, JSON arrays of records, and JSON Lines bulk files.
A file that is not a decision, or is beyond the limits in `limits`, yields a `ParseError`
naming it; the others go on.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import ParseError
from assistant.parsing.html import looks_like_html, parse_html
from assistant.parsing.limits import MAX_BULK_BYTES, MAX_DECISION_BYTES
from assistant.parsing.records import NESTED_TOO_DEEP, iter_json_lines, parse_record
from assistant.parsing.text import parse_text
from assistant.types import Decision

SUPPORTED_SUFFIXES = {".txt", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".gz"}
BULK_SUFFIXES = {".json", ".jsonl", ".ndjson"}  # may hold many decisions
MAX_FILE_BYTES = MAX_BULK_BYTES


def iter_decision_files(paths: list[Path]) -> Iterator[Path]:
    """Files under the given paths, in a stable order; folders are searched recursively."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield child
        else:
            yield path


def read_path(path: Path) -> Iterator[Decision | ParseError]:
    # A file name that is not UTF-8 (kept by Python as surrogate escapes) is named readably.
    source = str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if not path.exists():
        yield ParseError(source, "no such file")
        return
    suffix = path.suffix.lower()
    gzipped = suffix == ".gz"  # a page kept gzipped (the sync's raw store): name.html.gz
    if gzipped:
        suffix = Path(path.stem).suffix.lower()
    limit = MAX_BULK_BYTES if suffix in BULK_SUFFIXES else MAX_DECISION_BYTES
    size = path.stat().st_size
    if size > limit:
        yield ParseError(source, _too_big(size, limit))
        return
    try:
        if gzipped:
            with gzip.open(path, "rb") as packed:
                data = packed.read(limit + 1)  # never more than the limit, whatever it packs
            if len(data) > limit:
                yield ParseError(source, f"unpacks to more than {limit:,} bytes, the limit")
                return
        else:
            data = path.read_bytes()
        raw = data.decode("utf-8-sig")
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        yield ParseError(source, f"not a readable gzip file ({exc})")
        return
    except UnicodeDecodeError as exc:
        yield ParseError(source, f"not UTF-8 text (byte {exc.start}); is it a binary file?")
        return
    except OSError as exc:
        yield ParseError(source, f"cannot be read: {exc.strerror}")
        return
    yield from parse_string(raw, source=source, suffix=suffix)


def _too_big(size: int, limit: int) -> str:
    return f"file is {size:,} bytes; the limit is {limit:,}"


def parse_string(raw: str, *, source: str, suffix: str = "") -> Iterator[Decision | ParseError]:
    """Parse one file's content; JSON Lines and JSON arrays may hold many decisions."""
    if not raw.strip():
        yield ParseError(source, "the file is empty")
        return
    bulk = suffix in BULK_SUFFIXES or (not suffix and raw.lstrip()[:1] in "{[")
    limit = MAX_BULK_BYTES if bulk else MAX_DECISION_BYTES
    if len(raw) > limit:
        yield ParseError(source, _too_big(len(raw), limit))
        return
    try:
        if suffix in {".jsonl", ".ndjson"}:
            yield from iter_json_lines(raw, source=source)
        elif suffix == ".json" or raw.lstrip()[:1] in "{[":
            yield from _parse_json(raw, source=source)
        elif suffix in {".html", ".htm"} or looks_like_html(raw):
            yield parse_html(raw, source=source)
        else:
            yield parse_text(raw, source=source)
    except ParseError as exc:
        yield exc
    except ValueError as exc:
        yield ParseError(source, str(exc))


def _parse_json(raw: str, *, source: str) -> Iterator[Decision | ParseError]:
    try:
        data = json.loads(raw)
    except RecursionError:
        yield ParseError(source, NESTED_TOO_DEEP)
        return
    except json.JSONDecodeError as exc:
        if "\n{" in raw.strip():
            yield from iter_json_lines(raw, source=source)
            return
        yield ParseError(source, f"invalid JSON ({exc.msg} at line {exc.lineno})")
        return
    records = data if isinstance(data, list) else [data]
    for index, record in enumerate(records):
        where = source if len(records) == 1 else f"{source}[{index}]"
        try:
            yield parse_record(record, source=where)
        except ParseError as exc:
            yield exc
        except ValueError as exc:
            yield ParseError(where, str(exc))
