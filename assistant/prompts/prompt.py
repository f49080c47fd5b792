"""Prompts are package data (`assistant/prompts/*.vN.md`), loaded with `importlib.resources`.

A prompt file starts with a header declaring its name, version and variables (and its
`output`, when the reply is structured claims rather than text), then has a `## system`
and a `## user` section. Worked examples, when a prompt shows the model some, stand between
them as `## user` / `## assistant` pairs, sent as earlier turns. Loading fails when the
placeholders in the text differ from the declared variables. Sentences the code also relies
on (`DECLINED`) are written in the files as `{declined}` and filled in here, so prompt, code
and tests share one text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Formatter

from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate

from assistant.errors import AssistantError
from assistant.injection import defuse_tokens

# What the model is told to reply when the paragraphs do not answer; the code recognises
# a reply by the phrase, and says it in its own words when nothing relevant was found.
DECLINE_PHRASE = "do not answer this question"
DECLINED = f"The decisions provided {DECLINE_PHRASE}."
# Fixed texts a prompt may use by name; they are not variables the caller fills.
SHARED = {"declined": DECLINED}

OUTPUTS = ("text", "claims")
_HEADER = re.compile(r"^---\n(?P<header>.*?)\n---\n", re.DOTALL)
_SECTION = re.compile(r"^## (system|user|assistant)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    variables: frozenset[str]
    system: str
    user: str
    # What the reply is: "claims" (JSON constrained by `claims_schema`) or plain "text".
    output: str = "text"
    # Worked examples shown before the user's turn: (user's words, the reply wanted).
    examples: tuple[tuple[str, str], ...] = ()

    def template(self) -> ChatPromptTemplate:
        """The chat template, with the shared sentences filled in: takes `variables`."""
        turns = [("system", self.system)]
        for asked, replied in self.examples:
            turns += [("user", asked), ("ai", replied)]
        template = ChatPromptTemplate.from_messages([*turns, ("user", self.user)])
        shared = {k: v for k, v in SHARED.items() if k in template.input_variables}
        return template.partial(**shared) if shared else template

    def messages(self, **values: object) -> list[BaseMessage]:
        """The chat messages with `values` filled in, each with chat-template tokens defused:
        whatever text a value carries, it never becomes a control token of the model."""
        return self.template().format_messages(
            **{name: defuse_tokens(str(value)) for name, value in values.items()}
        )


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(text) if field}


@lru_cache(maxsize=16)
def load_prompt(name: str, version: str | None = None, directory: Path | None = None) -> Prompt:
    """The named prompt (the highest version unless one is asked for), from the package or,
    when given, from another folder of prompt files."""
    folder = resources.files("assistant.prompts") if directory is None else directory
    candidates = sorted(
        (f for f in folder.iterdir() if re.fullmatch(rf"{re.escape(name)}\.v\d+\.md", f.name)),
        key=lambda f: int(f.name.rsplit(".v", 1)[1].removesuffix(".md")),
    )
    if version:
        candidates = [f for f in candidates if f.name == f"{version}.md"]
    if not candidates:
        raise AssistantError(f"No prompt {version or name!r} in {folder}")
    return parse_prompt(candidates[-1].read_text(encoding="utf-8"), where=str(candidates[-1]))


def parse_prompt(raw: str, *, where: str) -> Prompt:
    header = _HEADER.match(raw)
    if not header:
        raise AssistantError(f"{where}: a prompt file starts with a --- header ---")
    fields = {
        key.strip(): value.strip()
        for key, value in (
            line.split(":", 1) for line in header.group("header").splitlines() if ":" in line
        )
    }
    missing = {"name", "version", "variables"} - set(fields)
    if missing:
        raise AssistantError(f"{where}: the header must declare {', '.join(sorted(missing))}")
    parts = _SECTION.split(raw[header.end() :])
    sections = [(parts[i], parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)]
    roles = [role for role, _ in sections]
    if roles[:1] != ["system"] or roles[-1:] != ["user"] or len(roles) < 2:
        raise AssistantError(f"{where}: needs a '## system' and a '## user' section")
    middle = sections[1:-1]
    if [role for role, _ in middle] != ["user", "assistant"] * (len(middle) // 2):
        raise AssistantError(
            f"{where}: examples between '## system' and the last '## user' come as "
            "'## user' / '## assistant' pairs"
        )
    examples = tuple((middle[i][1], middle[i + 1][1]) for i in range(0, len(middle), 2))
    system, user = sections[0][1], sections[-1][1]
    declared = frozenset(v.strip() for v in fields["variables"].split(",") if v.strip())
    used = placeholders(system) | placeholders(user)
    if any(placeholders(a) | placeholders(b) for a, b in examples):
        raise AssistantError(f"{where}: examples are fixed text, with no {{placeholders}}")
    found = used - set(SHARED)
    if found != declared:
        raise AssistantError(
            f"{where}: declares variables {sorted(declared)} but its text uses {sorted(found)}"
        )
    output = fields.get("output", "text")
    if output not in OUTPUTS:
        raise AssistantError(f"{where}: output is one of {', '.join(OUTPUTS)}, not {output!r}")
    return Prompt(
        name=fields["name"],
        version=fields["version"],
        variables=declared,
        system=system,
        user=user,
        output=output,
        examples=examples,
    )
