"""`make_chat_backend`: the configured chat model (local, openai or fake) as a `ChatBackend`,
whose calls turn every client failure into one `LLMError`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, BaseMessageChunk
from openai import LengthFinishReasonError

from assistant.errors import LLMError
from assistant.llm import local_model
from assistant.llm.fake import ExtractiveFakeChatModel
from assistant.llm.local_server import LocalServer
from assistant.settings import LLMBackend, LLMSettings


@dataclass(frozen=True)
class Reply:
    text: str
    usage: dict[str, int]  # prompt_tokens, completion_tokens; empty when not counted


def token_usage(metadata: Mapping[str, Any] | None) -> dict[str, int]:
    """A reply's token counts as runs record them, from langchain's `usage_metadata`."""
    if not metadata:
        return {}
    return {
        "prompt_tokens": metadata.get("input_tokens", 0),
        "completion_tokens": metadata.get("output_tokens", 0),
    }


@dataclass(frozen=True)
class ChatBackend:
    """A chat model with the name answers record; its calls fail only with `LLMError`."""

    model: BaseChatModel
    name: str
    backend: LLMBackend
    structured: bool = True

    def invoke(self, messages: Sequence[BaseMessage]) -> str:
        """The model's whole reply."""
        try:
            return str(self.model.invoke(list(messages)).content)
        except Exception as exc:  # the client's connection and API errors
            raise self._failed(exc) from exc

    def reply(self, messages: Sequence[BaseMessage], schema: dict | None = None) -> Reply:
        """The model's whole reply (constrained to `schema` as `stream` does) with the tokens
        it took, where the backend counts them."""
        text, usage = "", {}
        for chunk in self.stream(messages, schema):
            text += chunk.content if isinstance(chunk.content, str) else ""
            usage = token_usage(chunk.usage_metadata) or usage
        return Reply(text, usage)

    def stream(
        self, messages: Sequence[BaseMessage], schema: dict | None = None
    ) -> Iterator[BaseMessageChunk]:
        """The model's reply chunk by chunk, as it is generated; constrained to the JSON
        `schema` when one is given and this backend offers structured output."""
        model = self.model
        if schema is not None and self.structured:
            model = model.bind(response_format=json_schema_format(schema))
        try:
            yield from model.stream(list(messages))
        except LLMError:
            raise
        except LengthFinishReasonError:
            # The reply reached max_tokens: what was streamed stands, and the claims it
            # completed are read from it; only the structured client raises on this.
            return
        except Exception as exc:  # the client's connection and API errors
            raise self._failed(exc) from exc

    def _failed(self, exc: Exception) -> LLMError:
        return LLMError(f"The language model ({self.name}) failed: {exc}")


def json_schema_format(schema: dict) -> dict:
    """The OpenAI-compatible `response_format` that constrains a reply to `schema`."""
    return {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": schema, "strict": True},
    }


def make_chat_backend(settings: LLMSettings, backend: LLMBackend | None = None) -> ChatBackend:
    chosen = backend or settings.backend
    if chosen == "fake":
        return ChatBackend(
            ExtractiveFakeChatModel(token_delay_s=settings.fake_token_delay_s),
            "fake-extractive",
            "fake",
            settings.structured_output,
        )
    if chosen == "local":
        server = LocalServer.shared(settings)
        model = _openai_compatible(
            settings, f"{server.url}/v1", "local", local_model.MODEL_NAME, retries=0
        )
        return ChatBackend(model, local_model.MODEL_NAME, "local", settings.structured_output)
    if settings.api_key is None and "api.openai.com" in settings.base_url:
        raise LLMError(
            "The openai backend needs an API key: set LGSCO_LLM__API_KEY (and "
            "LGSCO_LLM__BASE_URL / LGSCO_LLM__MODEL for another OpenAI-compatible endpoint)."
        )
    key = settings.api_key.get_secret_value() if settings.api_key else "none"
    model = _openai_compatible(settings, settings.base_url, key, settings.model, retries=1)
    return ChatBackend(model, settings.model, "openai", settings.structured_output)


def _openai_compatible(
    settings: LLMSettings, base_url: str, api_key: str, model: str, *, retries: int
) -> BaseChatModel:
    """One client for the embedded server and every remote endpoint alike."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=base_url,
        api_key=api_key,  # type: ignore[arg-type]
        model=model,
        temperature=settings.temperature,
        max_completion_tokens=settings.max_tokens,
        timeout=settings.timeout_s,
        max_retries=retries,
        stream_usage=True,
    )
