"""Deterministic chat models for tests and offline dry runs where wording does not matter.

`ExtractiveFakeChatModel` answers from the context it is given the way a careful model
would: the first sentence shown of each of the first two paragraphs, each followed by its
key. With no context keys in the prompt it declines in the prompt's own words.
`ScriptedChatModel` replies with canned texts in turn. Both record every prompt they were
sent (`sent`), so a test can assert what the model saw, and whether it was called at all.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from assistant.prompts import DECLINED
from assistant.types import KEY_PATTERN

_CONTEXT = re.compile(
    rf"^\[(?P<key>{KEY_PATTERN})\][^\n]*\n(?:<paragraph[^>\n]*>\n)?"
    rf"(?P<text>.+?)(?=\n</paragraph>|\n\[{KEY_PATTERN}\]|\n\nQuestion:|\Z)",
    re.MULTILINE | re.DOTALL,
)


def condensed_question(prompt: str) -> str | None:
    """The question a condense prompt asks to rewrite; None for any other prompt."""
    if "Latest question:" not in prompt:
        return None
    return prompt.rsplit("Latest question:", 1)[1].split("\n", 1)[0].strip()


def extractive_reply(prompt: str, sentences: int = 2, *, structured: bool = False) -> str:
    """The first sentence of each of the first paragraphs with its key: as `[P1]`-marked
    text, or, when structured output was asked for, as the claims JSON."""
    latest = condensed_question(prompt)
    if latest is not None:  # the condense prompt: echo the question
        return latest
    claims = []
    for match in list(_CONTEXT.finditer(prompt))[:sentences]:
        # The first line with a word: a long paragraph may be shown from a later sentence,
        # its cut marked by an ellipsis line (`assistant.answer.focus`).
        lines = match.group("text").strip().splitlines()
        text = next((line for line in lines if any(c.isalnum() for c in line)), "")
        first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".:;")
        claims.append({"key": match.group("key"), "statement": f"{first}."})
    if structured:
        return json.dumps({"claims": claims})
    return " ".join(f"{c['statement'][:-1]} [{c['key']}]." for c in claims) or DECLINED


class RecordingChatModel(BaseChatModel):
    """A chat model that records the messages of every call; `reply` says what it answers."""

    token_delay_s: float = 0.0
    calls: int = 0
    sent: list[list[BaseMessage]] = Field(
        default_factory=list, description="The latest calls' messages (at most 50 kept)"
    )

    @property
    def _llm_type(self) -> str:
        return "recording"

    @property
    def prompts(self) -> list[str]:
        """Each call's messages as one text: 'system: ...\nuser: ...'."""
        return ["\n".join(f"{m.type}: {m.content}" for m in call) for call in self.sent]

    def reply(self, messages: list[BaseMessage], *, structured: bool = False) -> str:
        raise NotImplementedError

    def _respond(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
        self.calls += 1
        self.sent = [*self.sent[-49:], list(messages)]
        return self.reply(messages, structured="response_format" in kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = self._respond(messages, kwargs)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # An empty reply is one empty chunk, as a real server streams it.
        for token in re.findall(r"\S+\s*", self._respond(messages, kwargs)) or [""]:
            if self.token_delay_s:
                time.sleep(self.token_delay_s)
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))


class ExtractiveFakeChatModel(RecordingChatModel):
    @property
    def _llm_type(self) -> str:
        return "fake-extractive"

    def reply(self, messages: list[BaseMessage], *, structured: bool = False) -> str:
        return extractive_reply(str(messages[-1].content), structured=structured)


class ScriptedChatModel(RecordingChatModel):
    """Replies with `replies` in turn, then repeats the last one."""

    replies: list[str]

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def reply(self, messages: list[BaseMessage], *, structured: bool = False) -> str:
        return self.replies[min(self.calls, len(self.replies)) - 1]


class ReplayChatModel(RecordingChatModel):
    """Replies as a recorded eval run's model did to the same question: its words before
    verification, the sentence it searched with, and its rewrite of a follow-up question. A
    change to the checks after the model is then measured on the model's real replies in
    seconds, without running it. A question the run holds no reply for is declined in the
    prompt's own words."""

    answers: dict[str, str] = Field(description="Standalone question -> the model's reply")
    rewrites: dict[str, str] = Field(
        default_factory=dict, description="Latest question -> the model's rewrite of it"
    )
    sentences: dict[str, str] = Field(
        default_factory=dict,
        description="Standalone question -> the sentence the model searched with ('' none)",
    )

    @property
    def _llm_type(self) -> str:
        return "replay"

    def reply(self, messages: list[BaseMessage], *, structured: bool = False) -> str:
        prompt = str(messages[-1].content)
        if prompt in self.sentences:  # the search-sentence prompt ends with the bare question
            return self.sentences[prompt]
        latest = condensed_question(prompt)
        if latest is not None:
            return self.rewrites.get(latest, latest)
        question = prompt.rsplit("Question:", 1)[-1].strip()
        return self.answers.get(question, DECLINED)
