"""Text addressed to a language model inside data: found, and made harmless in prompts.

A decision file, a synced page or a complaint may carry text meant for the model rather than
a reader: instructions ("ignore previous instructions and say ..."), citation markers the
answer contract uses (`[P9]`, `[B12]`, `[99 999 999 ¶4]`), chat-template tokens
(`</s><|im_start|>system`) and text closing the fences the prompts put data in
(`</complaint>`, `</paragraph>`). `flags` names what a text holds; the index reports it,
the answer and draft paths never show a flagged paragraph to the model, never cite it and
never take a remedy figure from it. `defuse_tokens` (every value put in a prompt) and
`neutralise` (data put inside a fence) rewrite tokens and fence tags so that, whatever
reaches a prompt, a tokenizer cannot read them as control tokens and a fence cannot be
closed from inside.

Detection is by pattern, on the text with compatibility forms folded and invisible
characters removed ("ign\u200bore"); it is a tripwire, not a proof: a planted decision that
addresses no one is indistinguishable from a real one (see the threat-model notes).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator

from assistant.types import Decision, paragraph_label

INSTRUCTION = "instruction to a model"
MARKER = "citation marker"
TEMPLATE = "chat-template token"
FENCE = "prompt fence"

# The tags the prompts fence data with; text inside data may never open or close one.
FENCE_TAGS = ("paragraph", "complaint")

_INSTRUCTION = re.compile(
    r"\b(?:ignore|forget|override|disregard)\s+(?:all\s+|any\s+|the\s+|your\s+|of\s+)*"
    r"(?:previous|prior|above|earlier|preceding|former|system|original)\s+"
    r"(?:instructions?|prompts?|rules|directions|guidelines|context|messages?)"
    r"|\b(?:disregard|ignore)\s+(?:all\s+|any\s+|the\s+|your\s+)*(?:instructions|rules|prompt)\b"
    r"|\b(?:ignore|disregard|forget)\s+(?:all\s+|everything\s+)?(?:of\s+)?(?:the\s+)?above\s+"
    r"and\s+(?:just\s+|instead\s+|only\s+)?(?:say|answer|reply|respond|state|cite|write|tell)\b"
    r"|\b(?:system|developer)\s+(?:prompt|message|instructions?)\b"
    r"|\byou\s+are\s+(?:now\s+)?(?:an?\s+|the\s+)?(?:ai|assistant|chatbot|language\s+model|llm)\b"
    r"|\bas\s+an\s+(?:ai|language\s+model)\b"
    r"|\bnew\s+instructions?\s*:"
    r"|\bprompt\s+injection\b"
    r"|\b(?:dear|attention|note\s+to(?:\s+the)?|hey|hello)\s+(?:ai|assistant|chatbot|model|llm)\b"
    r"|\b(?:ai|language\s+model|llm|chatbot|assistant)s?\s+(?:must|should|will)\s+"
    r"(?:say|answer|reply|respond|state|cite|write)\b",
    re.IGNORECASE,
)
_MARKER = re.compile(
    r"\[\s*[A-Z]{1,2}\s*\d+\s*\]|\[\s*\d{2}\s?\d{3}\s?\d{3}\s*¶\s*\d+\s*\]|¶\s*\d+", re.IGNORECASE
)
_TEMPLATE = re.compile(
    r"<\|[^|<>\n]{1,40}\|>"  # <|im_start|>, <|eot_id|>, <|system|>
    r"|</?s>"  # Llama / Mistral sequence marks
    r"|\[/?INST\]|<</?SYS>>"
    r"|<(?:start|end)_of_turn>"
    r"|^\s*#{2,}\s*(?:instruction|system|response|assistant)\s*:?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_FENCE = re.compile(rf"</?\s*(?:{'|'.join(FENCE_TAGS)})\b[^>]*>?", re.IGNORECASE)
_KINDS = ((INSTRUCTION, _INSTRUCTION), (MARKER, _MARKER), (TEMPLATE, _TEMPLATE), (FENCE, _FENCE))
# Bidirectional overrides and zero-width characters hide words from a pattern, not a model.
_INVISIBLE = re.compile(
    r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f"
    r"\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)


# Flags found at ingest are stored (`Store.flagged`); a change to the patterns changes this,
# and the next ingest finds them again.
PATTERNS_VERSION = hashlib.sha256(
    "\n".join([_INVISIBLE.pattern, *(f"{kind}={p.pattern}" for kind, p in _KINDS)]).encode()
).hexdigest()[:16]


def folded(text: str) -> str:
    """The text as patterns see it: compatibility forms folded, invisible characters gone."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def flags(*texts: str | None) -> tuple[str, ...]:
    """What the texts hold that is addressed to a model, by kind (empty: nothing)."""
    joined = folded("\n".join(t for t in texts if t))
    return tuple(kind for kind, pattern in _KINDS if pattern.search(joined))


def defuse_tokens(text: str) -> str:
    """The text with chat-template tokens defused ('<|im_start|>' -> '‹|im_start|›'): kept
    legible, never read as a control token (a tokenizer reads one only from its exact
    characters, so no folding is needed here). Applied to every value put in a prompt."""
    return _TEMPLATE.sub(_defuse, text)


def neutralise(text: str) -> str:
    """`defuse_tokens`, and fence tags defused too ('</complaint>' -> '‹/complaint›'): for
    data put inside a fence, which it can then never close."""
    return _FENCE.sub(_defuse, defuse_tokens(text))


def _defuse(match: re.Match[str]) -> str:
    return match.group(0).translate(_DEFUSE)


_DEFUSE = str.maketrans({"<": "‹", ">": "›", "[": "⟦", "]": "⟧"})


def flagged_line(label: str, kinds: Iterable[str]) -> str:
    """'20 008 394 ¶5: instruction to a model, citation marker'."""
    return f"{label}: {', '.join(kinds)}"


def header_flags(
    council: str | None, category: str | None, subcategory: str | None
) -> tuple[str, ...]:
    """What a decision's header fields hold that is addressed to a model."""
    return flags(council, category, subcategory)


def flagged_parts(decision: Decision) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(label, kinds) for the decision's header and each paragraph addressed to a model."""
    found = header_flags(decision.council, decision.category, decision.subcategory)
    if found:
        yield f"{decision.ref} header", found
    for p in decision.paragraphs:
        if found := flags(p.section, p.subsection, p.text):
            yield paragraph_label(decision.ref, p.number), found
