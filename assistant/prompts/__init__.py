"""Prompts as versioned package data, each declaring its variables."""

from assistant.prompts.prompt import (
    DECLINE_PHRASE,
    DECLINED,
    SHARED,
    Prompt,
    load_prompt,
    parse_prompt,
)

__all__ = ["DECLINED", "DECLINE_PHRASE", "SHARED", "Prompt", "load_prompt", "parse_prompt"]
