"""What `Assistant.ask_stream` yields: the evidence first, then tokens, then the answer."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.types import Answer, RetrievedParagraph


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation."""

    question: str
    answer: str


@dataclass(frozen=True)
class EvidenceEvent:
    standalone_question: str
    hits: tuple[RetrievedParagraph, ...]
    relevant: bool


@dataclass(frozen=True)
class TokenEvent:
    text: str


@dataclass(frozen=True)
class AnswerEvent:
    answer: Answer


AskEvent = EvidenceEvent | TokenEvent | AnswerEvent
