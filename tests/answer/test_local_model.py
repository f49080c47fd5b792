"""End to end on the real embedded model (Qwen2.5-Coder-1.5B via xllamacpp on 127.0.0.1)."""

from __future__ import annotations

import pytest

from assistant.answer import Assistant
from assistant.index import Index

pytestmark = pytest.mark.llm


def test_real_model_answer_is_verified_and_cited(built_index: Index) -> None:
    assistant = Assistant(built_index.settings, llm="local", index=built_index)
    answer = assistant.ask(
        "What did the Ombudsman ask Tower Hamlets to do about the delay at stage two?"
    )
    assert answer.model.startswith("Qwen2.5-Coder-1.5B")
    assert answer.model_output.strip()  # the model really generated text
    assert answer.usage.get("completion_tokens", 0) > 0
    shown = {(h.ref, h.number) for h in answer.hits}
    assert answer.answered and answer.citations
    for citation in answer.citations:
        assert (citation.ref, citation.paragraph) in shown  # never cites what it was not shown
        assert f"[{citation.ref} ¶{citation.paragraph}]" in answer.text
    assert any(c.ref == "24 017 708" for c in answer.citations)
    t = answer.timings
    assert t["evidence_s"] < t["first_token_s"] <= t["total_s"]
