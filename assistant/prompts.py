"""Prompts live in prompts/ as versioned files: a header (name, version), then ## sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

from assistant.errors import AssistantError

_HEADER = re.compile(r"^---\n(?P<header>.*?)\n---\n", re.DOTALL)
_SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str

    def template(self) -> ChatPromptTemplate:
        return ChatPromptTemplate.from_messages([("system", self.system), ("user", self.user)])


@lru_cache(maxsize=16)
def load_prompt(directory: Path, name: str, version: str | None = None) -> Prompt:
    """The named prompt; the highest version on disk unless one is asked for."""
    candidates = sorted(directory.glob(f"{name}.v*.md"), key=_version_number)
    if version:
        candidates = [p for p in candidates if p.stem == version]
    if not candidates:
        raise AssistantError(f"No prompt {version or name!r} in {directory}")
    path = candidates[-1]
    raw = path.read_text(encoding="utf-8")
    header = _HEADER.match(raw)
    if not header:
        raise AssistantError(f"{path}: a prompt file starts with a --- header ---")
    fields = dict(line.split(":", 1) for line in header.group("header").splitlines() if ":" in line)
    body = raw[header.end() :]
    parts = _SECTION.split(body)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(sections) != {"system", "user"}:
        raise AssistantError(f"{path}: needs a '## system' and a '## user' section")
    return Prompt(
        name=fields.get("name", name).strip(),
        version=fields.get("version", path.stem).strip(),
        system=sections["system"],
        user=sections["user"],
    )


def _version_number(path: Path) -> int:
    match = re.search(r"\.v(\d+)$", path.stem)
    return int(match.group(1)) if match else 0
