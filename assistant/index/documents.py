"""What is indexed for a paragraph, beyond its bare stored text.

Both retrievers see the paragraph with its section and a few words about its decision that
the paragraph itself never repeats but users type: the council's place name ("Hackney"),
the category and the subcategory ("Fostering"). Changing this changes every vector: bump
`SCHEMA_VERSION` in `assistant/index/__init__.py` so indexes are rebuilt.
"""

from __future__ import annotations

from assistant.parsing.common import council_place
from assistant.types import Decision


def decision_context(council: str | None, category: str | None, subcategory: str | None) -> str:
    return " ".join(filter(None, (council_place(council), category, subcategory)))


def embedding_text(decision: Decision, section: str, text: str) -> str:
    context = decision_context(decision.council, decision.category, decision.subcategory)
    return f"{context}. {section}: {text}" if context else f"{section}: {text}"


def keyword_text(context: str, section: str, text: str) -> str:
    return f"{context} {section} {text}" if context else f"{section} {text}"
