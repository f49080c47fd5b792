"""A decisions listing page -> the decisions it lists and the link to the next page.

lgo.org.uk lists a category's decisions newest first, ten a page: each item links the
decision page (`/decisions/{category}/{subcategory}/{ref-with-dashes}`) under the title
"Council (ref)", then a line with the kind (Report / Statement), the outcome, the
subcategory and the decision date (`26-Aug-2025`), then the summary. Nothing on the listing
says a decision was edited, so each item's text is hashed: a changed summary, outcome or
date marks the decision for a conditional re-fetch. The next page is the `rel="next"` link
(or a link reading "Next"), so the page numbering scheme does not matter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from assistant.parsing.common import clean_text, parse_date

_DECISION_PATH = re.compile(r"^/decisions/[^/?#]+/[^/?#]+/(\d{2}-?\d{3}-?\d{3})/?$")
_DATE = re.compile(r"\b(\d{1,2}[- ](?:[A-Z][a-z]{2,8})[- ]\d{4})\b")


@dataclass(frozen=True)
class ListingItem:
    ref: str
    url: str
    date: dt.date | None
    fingerprint: str = ""


@dataclass(frozen=True)
class ListingPage:
    url: str
    items: tuple[ListingItem, ...]
    next_url: str | None


def parse_listing(html: str | bytes, url: str) -> ListingPage:
    soup = BeautifulSoup(html, "lxml")
    root = soup.find("main") or soup.body or soup
    items: list[ListingItem] = []
    seen: set[str] = set()
    for link in root.find_all("a", href=True):
        href = urljoin(url, str(link["href"]))
        match = _DECISION_PATH.match(urlsplit(href).path)
        if not match:
            continue
        digits = match.group(1).replace("-", "")
        ref = f"{digits[:2]} {digits[2:5]} {digits[5:]}"
        if ref in seen:
            continue
        seen.add(ref)
        block = _item_block(link)
        text = clean_text(block.get_text(" ")) if block is not None else clean_text(link.text)
        found = _DATE.search(text)
        date = parse_date(found.group(1).replace("-", " ")) if found else None
        fingerprint = hashlib.sha256(text.encode()).hexdigest()[:16]
        items.append(ListingItem(ref, href.split("#")[0], date, fingerprint))
    return ListingPage(url, tuple(items), _next_link(soup, url))


def _item_block(link: Tag) -> Tag | None:
    """The smallest element around the link that holds this item only (its `<li>`)."""
    for parent in link.parents:
        if parent.name in {"li", "article", "tr"}:
            return parent
        if parent.name in {"ul", "ol", "main", "body"}:
            return None
    return None


def _next_link(soup: BeautifulSoup, url: str) -> str | None:
    link = soup.find("a", rel="next", href=True)
    if link is None:
        link = soup.find(
            "a", href=True, string=lambda s: bool(s) and s.strip().lower().startswith("next")
        )
    if not isinstance(link, Tag):
        return None
    target = urljoin(url, str(link["href"]))
    return None if target == url else target
