"""Where a decision is read on lgo.org.uk: its page, only when the source states it.

A page address is never made up from a reference: a planted file's reference would get a
plausible lgo.org.uk link to a page that does not exist. A decision whose source states no
address (a text copy, an imported record without one) links to the site's search for its
reference instead, which claims nothing.
"""

from __future__ import annotations

import re

DECISIONS_URL = "https://www.lgo.org.uk/decisions"
_STATED_URL = re.compile(r"^https?://[a-z0-9.-]+(?::\d+)?/[^\s?#@]*$", re.IGNORECASE)


def search_url(ref: str) -> str:
    """The site's search for a reference."""
    return f"{DECISIONS_URL}?q={ref.replace(' ', '-')}"


def stated_url(url: str | None, ref: str) -> str | None:
    """A page address the source states for its decision, when it is a plain web address
    ending in the decision's reference ('.../20-008-394'); None for anything else (another
    page, a script, credentials or a query in the address)."""
    if not url or not _STATED_URL.match(url.strip()):
        return None
    url = url.strip()
    return url if url.rstrip("/").rsplit("/", 1)[-1] == ref.replace(" ", "-") else None


def decision_url(url: str | None, ref: str) -> str:
    """The link a decision's citations carry."""
    return stated_url(url, ref) or search_url(ref)
