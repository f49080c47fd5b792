"""JSON decision records (the older short 'summary' format) and JSON Lines files of them.

A record carries metadata fields (case_id, category, subcategory, outcome, date, url, and
sometimes authority) and the page flattened to one line per block in "text". Those pages
show no paragraph numbers; paragraphs are counted 1..N in page order by the same rules as
the dashed copies (see `lists`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from assistant.errors import ParseError
from assistant.parsing.common import (
    BOILERPLATE_LINE,
    COMPLIANCE_LINE,
    Block,
    BlockKind,
    Header,
    assemble,
    council_from_text,
    find_ref,
    is_end_of_decision,
    is_known_top_heading,
    normalise_outcome,
    normalise_ref,
    parse_date,
    read_header_lines,
    read_summary,
)
from assistant.parsing.limits import MAX_DECISION_BYTES
from assistant.parsing.lists import classify_items
from assistant.types import Decision

_REF_FIELDS = ("case_id", "ref", "reference", "case_ref")
NESTED_TOO_DEEP = "JSON nested too deeply to be a decision record"
_COUNCIL_FIELDS = ("authority", "council", "organisation")


def parse_record(record: Any, *, source: str) -> Decision:
    if not isinstance(record, dict):
        raise ParseError(source, f"expected a JSON object, found {type(record).__name__}")
    text = record.get("text") or record.get("body") or record.get("content")
    if not isinstance(text, str) or not text.strip():
        raise ParseError(source, "the record has no decision text (field 'text')")
    if len(text) > MAX_DECISION_BYTES:
        raise ParseError(
            source,
            f"the record's text is {len(text):,} characters; the limit is {MAX_DECISION_BYTES:,}",
        )
    lines = text.replace("\r\n", "\n").split("\n")
    header = Header()
    start = read_header_lines(lines, header)
    body_start = read_summary(lines, start, header)
    _apply_record_fields(record, header, source)
    blocks = _flat_blocks(lines[body_start:])
    if not header.council:
        # Bounded: the name pattern backtracks over long runs of capitalised words.
        header.council = council_from_text(" ".join(filter(None, (header.summary, text)))[:4000])
    return assemble(header, blocks, source=source, shape="json")


def iter_json_lines(raw: str, *, source: str) -> Iterator[Decision | ParseError]:
    """Each line a record; a bad line is reported with its line number and the rest go on."""
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except RecursionError:
            yield ParseError(where, NESTED_TOO_DEEP)
            continue
        except json.JSONDecodeError as exc:
            yield ParseError(where, f"invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        try:
            yield parse_record(record, source=where)
        except ParseError as exc:
            yield exc
        except ValueError as exc:
            yield ParseError(where, str(exc))


def _apply_record_fields(record: dict[str, Any], header: Header, source: str) -> None:
    for name in _REF_FIELDS:
        if isinstance(record.get(name), str) and record[name].strip():
            try:
                header.ref = normalise_ref(record[name])
            except ValueError as exc:
                raise ParseError(source, str(exc)) from exc
            break
    if header.ref is None:
        for name in ("_id", "title", "url"):
            if isinstance(record.get(name), str) and (ref := find_ref(record[name])):
                header.ref = ref
                break
    for name in _COUNCIL_FIELDS:
        if isinstance(record.get(name), str) and record[name].strip():
            header.council = record[name].strip()
            break
    if isinstance(record.get("category"), str):
        header.category = record["category"].strip() or header.category
    if isinstance(record.get("subcategory"), str):
        header.subcategory = record["subcategory"].strip() or header.subcategory
    if isinstance(record.get("outcome"), str):
        header.outcome = normalise_outcome(record["outcome"]) or header.outcome
    if isinstance(record.get("date"), str):
        header.date = parse_date(record["date"]) or header.date
    if isinstance(record.get("url"), str) and record["url"].startswith("http"):
        header.url = record["url"].strip()
    if isinstance(record.get("summary"), str) and not header.summary:
        header.summary = record["summary"].strip()


def _flat_blocks(lines: list[str]) -> list[Block]:
    """One block per line: known headings, and items told apart by `classify_items`."""
    blocks: list[Block] = []
    run: list[str] = []

    def flush() -> None:
        for text, bullet in zip(run, classify_items(run), strict=True):
            blocks.append(Block(BlockKind.BULLET if bullet else BlockKind.PARAGRAPH, text))
        run.clear()

    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if is_end_of_decision(stripped) or BOILERPLATE_LINE.match(stripped):
            break
        if is_known_top_heading(stripped) and not COMPLIANCE_LINE.match(stripped):
            flush()
            blocks.append(Block(BlockKind.HEADING, stripped, top_level=True))
            continue
        run.append(stripped)
    flush()
    return blocks
