"""The queue's lanes: which events share a concurrency limit, and how many run at once.

Gradio gives events sharing a `concurrency_id` the lowest limit any of them states, and an
event that states none the queue's default (2). So every event in a lane states its lane's
limit: when `/decision` stated none, the whole `search` lane ran two at a time and searches
waited seconds behind it while answers streamed.
"""

from __future__ import annotations

from typing import Any

LIMITS = {
    "ask": 4,  # answers and drafts: the language model, one server for everyone
    "search": 8,  # retrieval and the decision view: short, and never behind an answer
    "remedies": 2,
}


def lane(name: str) -> dict[str, Any]:
    """Keyword arguments putting an event in the named lane."""
    return {"concurrency_id": name, "concurrency_limit": LIMITS[name]}
