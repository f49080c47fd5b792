"""Decision files and pages -> typed `Decision`s. Pure Python: knows nothing of embeddings.

`read_path` accepts every shape real users have: plain-text page copies (numbered or
dashed), saved HTML pages, JSON records, JSON arrays of records, and JSON Lines bulk files.
A file that is not a decision yields a `ParseError` naming it; the others go on.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import ParseError
from assistant.parsing.html import looks_like_html, parse_html
from assistant.parsing.records import iter_json_lines, parse_record
from assistant.parsing.text import parse_text
from assistant.types import Decision

SUPPORTED_SUFFIXES = {".txt", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".gz"}
MAX_FILE_BYTES = 200_000_000


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
    source = str(path)
    if not path.exists():
        yield ParseError(source, "no such file")
        return
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        yield ParseError(source, f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        return
    suffix = path.suffix.lower()
    try:
        if suffix == ".gz":  # a page kept gzipped (the sync's raw store): name.html.gz
            suffix = Path(path.stem).suffix.lower()
            raw = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
        else:
            raw = path.read_text(encoding="utf-8-sig")
    except (gzip.BadGzipFile, EOFError) as exc:
        yield ParseError(source, f"not a readable gzip file ({exc})")
        return
    except UnicodeDecodeError as exc:
        yield ParseError(source, f"not UTF-8 text (byte {exc.start}); is it a binary file?")
        return
    except OSError as exc:
        yield ParseError(source, f"cannot be read: {exc.strerror}")
        return
    yield from parse_string(raw, source=source, suffix=suffix)


def parse_string(raw: str, *, source: str, suffix: str = "") -> Iterator[Decision | ParseError]:
    """Parse one file's content; JSON Lines and JSON arrays may hold many decisions."""
    if not raw.strip():
        yield ParseError(source, "the file is empty")
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
