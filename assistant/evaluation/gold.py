"""Gold sets: JSON Lines of questions with the paragraphs that answer them.

The format is shared with users and other teams, so it is read strictly and every problem is
reported with its line number. Two optional fields beyond the published format: `history`,
the earlier questions of a conversation, for follow-ups ("How much was that in total?"),
and `tags`, labels that name the splits a question belongs to (see `splits.py`).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.errors import InputError
from assistant.parsing.common import normalise_ref
from assistant.types import SearchFilters

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


class ExpectedParagraph(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ref: str
    quote: str = Field(min_length=3)

    @field_validator("ref")
    @classmethod
    def _ref(cls, value: str) -> str:
        return normalise_ref(value)


class GoldQuestion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    filters: SearchFilters = SearchFilters()
    history: tuple[str, ...] = ()
    expected: tuple[ExpectedParagraph, ...] = ()
    answer_must_include: tuple[str, ...] = ()
    answerable: bool = True
    tags: tuple[str, ...] = Field(
        default=(), description="Free labels: paraphrase, cross-decision, filtered, follow-up"
    )


def normalise_text(text: str) -> str:
    """Case, whitespace, curly quotes and dashes normalised: how quotes are matched."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES).casefold()).strip()


def matches(expected: ExpectedParagraph, refs: tuple[str, ...], text: str) -> bool:
    """A retrieved or cited paragraph matches when its reference (any member of a joint
    decision) is the expected one and its text contains the quote."""
    return expected.ref in refs and normalise_text(expected.quote) in normalise_text(text)


def load_gold(path: Path) -> list[GoldQuestion]:
    questions: list[GoldQuestion] = []
    for where, question in read_records(path, GoldQuestion, "gold set", "questions"):
        if question.answerable and not question.expected:
            raise InputError(f"{where}: an answerable question needs at least one expected item")
        if not question.answerable and question.expected:
            raise InputError(f"{where}: an unanswerable question cannot list expected items")
        questions.append(question)
    return questions


Record = TypeVar("Record", bound=BaseModel)


def read_records(
    path: Path, model: type[Record], name: str, items: str
) -> list[tuple[str, Record]]:
    """Each line of a JSON Lines file (a `name`, "gold set", of `items`, "questions") read
    strictly as a `model` with an `id` used once, with where it stands (`file:line`); blank
    lines and lines starting `//` are skipped. Every problem is an `InputError` naming its
    line; a missing file and one with no line are errors too."""
    if not path.is_file():
        raise InputError(f"No {name} at {path}: give a JSON Lines file (see evals/README.md)")
    records: list[tuple[str, Record]] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        try:
            record = model.model_validate(row)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in exc.errors()
            )
            raise InputError(f"{where}: {problems}") from None
        except ValueError as exc:
            raise InputError(f"{where}: {exc}") from None
        identifier = str(getattr(record, "id", ""))
        if identifier in seen:
            raise InputError(f"{where}: the id {identifier!r} is used twice")
        seen.add(identifier)
        records.append((where, record))
    if not records:
        raise InputError(f"{path}: the {name} has no {items}")
    return records


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
