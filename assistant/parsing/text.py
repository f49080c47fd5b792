"""Plain-text copies of decision pages, in the two shapes real copies arrive in.

- numbered: paragraphs are "  1." items whose visible numbers restart in each list, bullets
  are "•" lines, "Back to top" closes a top-level section, and the site's footer follows
  "Print this page". Deeper-indented "1." items are a paragraph's nested list (the page's
  a), b), c)) and take no paragraph number.
- dashed: every paragraph and every bullet is a "- " line; `lists.classify_items` tells them
  apart.
"""

from __future__ import annotations

import re

from assistant.errors import ParseError
from assistant.parsing.common import (
    BOILERPLATE_LINE,
    Block,
    BlockKind,
    Header,
    assemble,
    is_end_of_decision,
    looks_like_heading,
    read_header_lines,
    read_summary,
)
from assistant.parsing.lists import classify_items
from assistant.types import Decision

_NUMBERED = re.compile(r"^(?P<indent>[ \t]*)(?P<num>\d{1,3})[.)]\s+(?P<text>\S.*)$")
_BULLET = re.compile(r"^[ \t]*[•·▪◦●○■–]\s*(?P<text>.*)$")
_DASHED = re.compile(r"^(?P<indent>[ \t]*)[-*]\s+(?P<text>\S.*)$")
_NESTED_INDENT = 4


def detect_shape(text: str) -> str | None:
    lines = text.splitlines()
    numbered = sum(1 for line in lines if _NUMBERED.match(line))
    dashed = sum(1 for line in lines if _DASHED.match(line))
    if numbered == 0 and dashed == 0:
        return None
    return "numbered" if numbered >= dashed else "dashed"


def parse_text(text: str, *, source: str) -> Decision:
    shape = detect_shape(text)
    if shape is None:
        raise ParseError(source, "no numbered ('  1.') or dashed ('- ') paragraphs found")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header = Header()
    start = read_header_lines(lines, header)
    body_start = read_summary(lines, start, header)
    body = _body_lines(lines[body_start:])
    blocks = _numbered_blocks(body) if shape == "numbered" else _dashed_blocks(body)
    return assemble(header, blocks, source=source, shape=shape)


def _body_lines(lines: list[str]) -> list[str]:
    body: list[str] = []
    for line in lines:
        if is_end_of_decision(line):
            break
        body.append(line.rstrip())
    return body


def _numbered_blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if BOILERPLATE_LINE.match(stripped):
            blocks.append(Block(BlockKind.SECTION_BREAK, ""))
            continue
        if match := _NUMBERED.match(line):
            indent = len(match.group("indent").expandtabs(4))
            if indent >= _NESTED_INDENT:
                blocks.append(Block(BlockKind.NESTED, match.group("text"), marker=None))
            else:
                blocks.append(Block(BlockKind.PARAGRAPH, match.group("text")))
            continue
        if match := _BULLET.match(line):
            blocks.append(Block(BlockKind.BULLET, match.group("text")))
            continue
        if looks_like_heading(stripped) and not line.startswith((" ", "\t")):
            blocks.append(Block(BlockKind.HEADING, stripped))
            continue
        blocks.append(Block(BlockKind.TRAILING, stripped))
    _letter_nested_items(blocks)
    return blocks


def _letter_nested_items(blocks: list[Block]) -> None:
    """Nested items are lettered a), b), c) on the page; the copy shows them as 1., 2., 3."""
    letter = 0
    for block in blocks:
        if block.kind is BlockKind.NESTED:
            block.marker = f"{chr(ord('a') + letter % 26)})"
            letter += 1
        elif block.kind is not BlockKind.BULLET and block.kind is not BlockKind.TRAILING:
            letter = 0


def _dashed_blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    run: list[tuple[str, bool]] = []  # (item text, indented) of consecutive items

    def flush() -> None:
        if not run:
            return
        flags = classify_items([text for text, _ in run])
        for (text, indented), bullet in zip(run, flags, strict=True):
            kind = BlockKind.BULLET if bullet or indented else BlockKind.PARAGRAPH
            blocks.append(Block(kind, text))
        run.clear()

    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if BOILERPLATE_LINE.match(stripped):
            flush()
            blocks.append(Block(BlockKind.SECTION_BREAK, ""))
            continue
        if match := _DASHED.match(line):
            indented = bool(match.group("indent")) and bool(run)
            run.append((match.group("text"), indented))
            continue
        if match := _BULLET.match(line):
            run.append((match.group("text"), True))
            continue
        flush()
        if looks_like_heading(stripped):
            blocks.append(Block(BlockKind.HEADING, stripped))
        else:
            blocks.append(Block(BlockKind.TRAILING, stripped))
    flush()
    return blocks
