"""Ask: question -> retrieval -> prompt -> LLM -> verified, cited answer."""

from assistant.answer.assistant import (
    MAX_QUESTION_CHARS,
    NOT_ANSWERED,
    AnswerFigures,
    Assistant,
    check_question,
    join_follow_up,
)
from assistant.answer.context import Context, KeyedText, Shown
from assistant.answer.events import AnswerEvent, AskEvent, EvidenceEvent, TokenEvent, Turn

__all__ = [
    "MAX_QUESTION_CHARS",
    "NOT_ANSWERED",
    "AnswerEvent",
    "AnswerFigures",
    "AskEvent",
    "Assistant",
    "Context",
    "EvidenceEvent",
    "KeyedText",
    "Shown",
    "TokenEvent",
    "Turn",
    "check_question",
    "join_follow_up",
]
