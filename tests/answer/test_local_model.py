"""End to end on the real embedded model (Qwen2.5-Coder-1.5B via xllamacpp on 127.0.0.1)."""

from __future__ import annotations

import httpx
import pytest

from assistant.answer import Assistant
from assistant.index import Index
from assistant.llm.local_server import LocalServer, ensure_local_model
from assistant.prompts import DECLINE_PHRASE
from tests.conftest import search_sentence_on

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


def test_prompt_lookup_writes_the_reply_the_model_writes_without_it(built_index: Index) -> None:
    """Prompt-lookup decoding only drafts tokens for the model to check: the greedy reply is
    the same word for word, and a reply copying the prompt's words takes drafted tokens."""
    llm = built_index.settings.llm
    body = {
        "messages": [
            {
                "role": "user",
                "content": "Repeat this sentence exactly: The Council agreed to pay Ms X £100 "
                "to reflect the time and trouble in bringing her complaint to the Ombudsman.",
            }
        ],
        "max_tokens": 40,
        "temperature": 0,
    }
    replies = {}
    for lookup in (False, True):
        settings = llm.model_copy(update={"local_prompt_lookup": lookup})
        server = LocalServer(ensure_local_model(settings), settings)
        try:
            replies[lookup] = httpx.post(
                f"{server.url}/v1/chat/completions", json=body, timeout=300
            ).json()
        finally:
            server.stop()
    text = {lookup: r["choices"][0]["message"]["content"] for lookup, r in replies.items()}
    assert "£100 to reflect the time and trouble" in text[False]
    assert text[True] == text[False]
    assert replies[True]["timings"]["draft_n_accepted"] > 0
    assert replies[False]["timings"].get("draft_n_accepted", 0) == 0


def test_real_model_writes_the_sentence_retrieval_searches_with(built_index: Index) -> None:
    """With the search sentence on, the model first writes one sentence in a decision's
    wording; the hits the answer shows are those of the question and that sentence
    together."""
    settings = search_sentence_on(built_index.settings)
    assistant = Assistant(settings, llm="local", index=built_index)
    question = "grandma has the kids full time now, did the council ever cough up for that?"
    answer = assistant.ask(question)
    sentence = answer.search_sentence
    assert sentence and "\n" not in sentence and len(sentence.split()) <= 40
    assert DECLINE_PHRASE not in sentence
    searched, _ = assistant.evidence(f"{question} {sentence}")
    assert [(h.ref, h.number) for h in answer.hits] == [(h.ref, h.number) for h in searched]
    assert answer.answered and answer.citations
    t = answer.timings
    assert 0 < t["search_sentence_s"] < t["evidence_s"] < t["first_token_s"] <= t["total_s"]
