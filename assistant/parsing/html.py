"""The decision page as lgo.org.uk serves it.

An `<article>` holds the title ("London Borough of Redbridge (20 008 394)"), a header of
Category / Decision / Decision date label-value pairs, then the final decision: the Summary,
headed sections (h2; h3 for sub-headings) and numbered paragraphs as `<li>` items of `<ol>`
lists. The page numbers those items 1..N straight through the decision whatever each list's
own start, so they are counted here, not read from `start`. Lists inside an item are its
bullets or its lettered sub-items; a `<p>` between lists is a trailing line of the paragraph
before it (e.g. a citation in brackets).
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from assistant.errors import ParseError
from assistant.parsing.common import (
    BOILERPLATE_LINE,
    FINAL_DECISION_INTRO,
    SUMMARY_LINE,
    Block,
    BlockKind,
    Header,
    assemble,
    clean_text,
    is_end_of_decision,
    normalise_ref,
)
from assistant.parsing.limits import MAX_NESTING
from assistant.types import Decision

_TITLE = re.compile(r"^(?P<council>.+?)\s*\((?P<ref>\d{2}\s?\d{3}\s?\d{3})\)\s*$")
_LABEL = re.compile(r"^(category|decision date|decision)\s*:?\s*(.*)$", re.IGNORECASE)
_HEADINGS = {"h2": True, "h3": False, "h4": False}


def looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<article" in head or "<!doctype html" in head


def parse_html(text: str, *, source: str) -> Decision:
    soup = BeautifulSoup(text, "lxml")
    root = soup.find("article") or soup.body
    if not isinstance(root, Tag):
        raise ParseError(source, "no <article> or <body> element in the page")
    header = Header()
    canonical = soup.find("link", rel="canonical")
    if isinstance(canonical, Tag) and str(canonical.get("href", "")).startswith("http"):
        header.url = str(canonical["href"])
    blocks: list[Block] = []
    _walk(root, header, blocks)
    if not any(b.kind is BlockKind.PARAGRAPH for b in blocks):
        raise ParseError(source, "no numbered paragraphs (<ol><li>) in the page")
    return assemble(header, blocks, source=source, shape="html")


def _walk(node: Tag, header: Header, blocks: list[Block], depth: int = 0) -> None:
    if depth > MAX_NESTING:
        # A real page nests a few dozen levels; thousands would exhaust the stack.
        raise ValueError(f"elements nested more than {MAX_NESTING} levels deep")
    for child in node.children:
        if not isinstance(child, Tag):
            continue
        name = child.name
        text = clean_text(child.get_text(" "))
        if name in {"script", "style", "nav", "footer", "form", "aside"}:
            continue
        if is_end_of_decision(text):
            return
        if name == "h1" and (match := _TITLE.match(text)):
            header.council = match.group("council")
            header.ref = normalise_ref(match.group("ref"))
        elif name in _HEADINGS:
            if FINAL_DECISION_INTRO.match(text.replace("’", "'")) or not text:
                continue
            blocks.append(Block(BlockKind.HEADING, text, top_level=_HEADINGS[name]))
        elif name == "ol":
            for item in child.find_all("li", recursive=False):
                _list_item(item, blocks)
        elif name == "ul":
            for item in child.find_all("li", recursive=False):
                blocks.append(Block(BlockKind.BULLET, clean_text(item.get_text(" "))))
        elif name == "dl":
            _definition_header(child, header)
        elif name in {"p", "span", "a"}:
            _paragraph_text(text, header, blocks)
        elif name in {"div", "section", "header", "main", "dd", "dt"}:
            if _label_pair(text, header) and not child.find(["ol", "h2", "h3"]):
                continue
            _walk(child, header, blocks, depth + 1)


def _list_item(item: Tag, blocks: list[Block]) -> None:
    own_text = clean_text(
        " ".join(
            part.get_text(" ") if isinstance(part, Tag) else str(part)
            for part in item.children
            if not (isinstance(part, Tag) and part.name in {"ul", "ol"})
        )
    )
    blocks.append(Block(BlockKind.PARAGRAPH, own_text))
    for sub in item.find_all(["ul", "ol"], recursive=False):
        for letter, sub_item in enumerate(sub.find_all("li", recursive=False)):
            sub_text = clean_text(sub_item.get_text(" "))
            if sub.name == "ol":
                blocks.append(Block(BlockKind.NESTED, sub_text, marker=f"{chr(97 + letter)})"))
            else:
                blocks.append(Block(BlockKind.BULLET, sub_text))


def _paragraph_text(text: str, header: Header, blocks: list[Block]) -> None:
    if not text:
        return
    if BOILERPLATE_LINE.match(text):
        blocks.append(Block(BlockKind.SECTION_BREAK, ""))
        return
    if FINAL_DECISION_INTRO.match(text.replace("’", "'")):
        return
    if _label_pair(text, header):
        return
    if header.summary is None and (match := SUMMARY_LINE.match(text)):
        header.summary = match.group(1).strip() or None
        return
    blocks.append(Block(BlockKind.TRAILING, text))


def _label_pair(text: str, header: Header) -> bool:
    match = _LABEL.match(text)
    if not match or len(text) > 200 or not match.group(2):
        return False
    header.apply_label(match.group(1), match.group(2).strip())
    return True


def _definition_header(dl: Tag, header: Header) -> None:
    for term in dl.find_all("dt"):
        value = term.find_next_sibling("dd")
        if value is not None:
            _label_pair(
                f"{clean_text(term.get_text(' ')).rstrip(':')} : {clean_text(value.get_text(' '))}",
                header,
            )
