"""A deterministic chat model for tests and offline dry runs where wording does not matter.

It answers from the context it is given the way a careful model would: the first sentence
of each of the first two paragraphs, each followed by its key. With no context keys in the
prompt it says the decisions do not answer the question.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

_CONTEXT = re.compile(
    r"^\[(?P<key>P\d+)\][^\n]*\n(?P<text>.+?)(?=\n\[P\d+\]|\n\nQuestion:|\Z)",
    re.MULTILINE | re.DOTALL,
)
NO_ANSWER = "The decisions provided do not answer this question."


def extractive_reply(prompt: str, sentences: int = 2) -> str:
    if "Latest question:" in prompt:  # the condense prompt: echo the question
        return prompt.rsplit("Latest question:", 1)[1].split("\n", 1)[0].strip()
    parts = []
    for match in list(_CONTEXT.finditer(prompt))[:sentences]:
        text = match.group("text").strip().split("\n", 1)[0]
        first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".:;")
        parts.append(f"{first} [{match.group('key')}].")
    return " ".join(parts) or NO_ANSWER


class ExtractiveFakeChatModel(BaseChatModel):
    token_delay_s: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "fake-extractive"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = extractive_reply(str(messages[-1].content))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        reply = extractive_reply(str(messages[-1].content))
        for token in re.findall(r"\S+\s*", reply):
            if self.token_delay_s:
                time.sleep(self.token_delay_s)
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))
