"""The model's search sentence: a question in plain English is searched again with one
sentence in a decision's wording that would answer it (`llm.search_sentence`).

Real index and retrieval; the model is scripted where its wording is the input under test.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from assistant.answer import Assistant
from assistant.evaluation.replay import replay_backend
from assistant.evaluation.runner import EvalRun
from assistant.index import Index
from assistant.llm import ChatBackend
from assistant.prompts import DECLINED
from assistant.settings import Settings
from assistant.types import RetrievedParagraph, SearchFilters
from tests.conftest import (
    declined_without_the_model,
    make_settings,
    scripted,
    search_sentence_on,
)

# The grandmother's remedy: 15 018 561 ¶3 holds what the council agreed to pay her.
QUESTION = "grandma has the kids full time now, did the council ever cough up for that?"
SENTENCE = (
    "The Council agreed to pay Mrs X a special guardianship allowance for caring for her "
    "grandchildren."
)
REMEDY = ("15 018 561", 3)


def asker(index: Index, *replies: str) -> tuple[Assistant, ChatBackend]:
    """An assistant with the search sentence on, whose model replies `replies` in turn."""
    backend = scripted(*replies)
    assistant = Assistant(search_sentence_on(index.settings), backend=backend, index=index)
    return assistant, backend


def places(hits: Sequence[RetrievedParagraph]) -> list[tuple[str, int]]:
    return [(h.ref, h.number) for h in hits]


def own_places(index: Index, question: str) -> list[tuple[str, int]]:
    """Where the question alone finds its hits, with the index's own settings."""
    return places(
        Assistant(index.settings, backend=scripted(DECLINED), index=index).retrieve(question)
    )


def test_the_sentence_finds_what_the_question_alone_misses(built_index: Index) -> None:
    assert REMEDY not in own_places(built_index, QUESTION)  # plain English misses the remedy

    assistant, backend = asker(built_index, SENTENCE, DECLINED)
    answer = assistant.ask(QUESTION)
    assert answer.search_sentence == SENTENCE
    assert REMEDY in places(answer.hits)
    assert "search_sentence_s" in answer.timings
    sentence_call, answer_call = backend.model.prompts  # type: ignore[attr-defined]
    assert sentence_call.endswith(f"human: {QUESTION}")
    # The sentence is a search aid, never evidence: the answer prompt does not hold it.
    assert SENTENCE not in answer_call and QUESTION in answer_call


def test_the_gate_reads_the_question_before_the_model_is_asked(built_index: Index) -> None:
    answer = declined_without_the_model(
        built_index,
        "Can the council refund my council tax overpayment?",
        llm={"search_sentence": True},
    )
    assert answer.search_sentence == ""


def test_new_hits_that_would_fail_the_gate_leave_the_question_s_own(built_index: Index) -> None:
    """A question naming Tower Hamlets keeps Tower Hamlets' paragraph: a sentence pulling in
    another council's decision instead would have the gate decline what it let through.
    (One hit a question, so the sentence can push the named council out.)"""
    question = "What did Tower Hamlets agree to do about its slow stage two?"
    retrieval = built_index.settings.retrieval.model_copy(update={"k": 1})
    settings = built_index.settings.model_copy(update={"retrieval": retrieval})
    alone = Assistant(settings, backend=scripted(DECLINED), index=built_index)
    own = places(alone.retrieve(question))
    assert [ref for ref, _ in own] == ["24 017 708"]  # Tower Hamlets
    astray = (
        "The Wirral school transport appeal panel refused free home to school transport "
        "for the disabled child's sibling."
    )
    assert places(alone.retrieve(f"{question} {astray}")) != own
    assistant = Assistant(
        search_sentence_on(settings), backend=scripted(astray, DECLINED), index=built_index
    )
    answer = assistant.ask(question)
    assert answer.search_sentence == astray
    assert places(answer.hits) == own


def test_a_declined_or_empty_sentence_searches_with_the_question_alone(
    built_index: Index,
) -> None:
    own = own_places(built_index, QUESTION)
    for reply in (DECLINED, "", "   "):
        assistant, _ = asker(built_index, reply, DECLINED)
        answer = assistant.ask(QUESTION)
        assert answer.search_sentence == ""
        assert places(answer.hits) == own


def test_only_the_first_line_and_forty_words_are_read(built_index: Index) -> None:
    assistant, _ = asker(built_index, f"{SENTENCE}\nThe Council also apologised.\nMore.")
    assert assistant.search_sentence(QUESTION) == SENTENCE
    assistant, _ = asker(built_index, " ".join(["word"] * 200))
    assert assistant.search_sentence(QUESTION) == " ".join(["word"] * 40)


def test_a_replay_searches_with_the_recorded_sentence(built_index: Index, tmp_path: Path) -> None:
    """A recorded run's sentence is sent back to the prompt that asks for it; a run recorded
    before sentences were written searches with the question alone, as it did."""
    rows = [
        {
            "type": "question",
            "id": "s1",
            "system": "pipeline",
            "question": QUESTION,
            "standalone": QUESTION,
            "retrieved": [],
            "metrics": {},
            "answer": {"answered": False, "model_output": DECLINED, "search_sentence": SENTENCE},
        },
        {
            "type": "question",
            "id": "s2",
            "system": "pipeline",
            "question": "an older question",
            "standalone": "an older question",
            "retrieved": [],
            "metrics": {},
            "answer": {"answered": False, "model_output": DECLINED},
        },
    ]
    path = tmp_path / "run.jsonl"
    header = {"type": "run", "mode": "local", "k": 5, "model": "recorded"}
    summary = {"type": "summary"}
    path.write_text("\n".join(json.dumps(x) for x in [header, *rows, summary]) + "\n")
    backend = replay_backend(EvalRun.read(path), path, [])
    assistant = Assistant(
        search_sentence_on(built_index.settings), backend=backend, index=built_index
    )
    assert assistant.search_sentence(QUESTION) == SENTENCE
    assert assistant.search_sentence("an older question") == ""


def test_it_is_off_unless_turned_on(built_index: Index, tmp_path: Path) -> None:
    """Off by default (it nearly doubles the embedded model's wait for the first token):
    the model is asked once, for the answer, and the question alone is searched."""
    assert not Settings().llm.search_sentence
    assert make_settings(tmp_path, llm={"search_sentence": True}).llm.search_sentence
    backend = scripted(DECLINED)
    answer = Assistant(built_index.settings, backend=backend, index=built_index).ask(QUESTION)
    assert len(backend.model.sent) == 1  # type: ignore[attr-defined]
    assert answer.search_sentence == "" and "search_sentence_s" not in answer.timings


def test_filters_hold_for_the_second_search(built_index: Index) -> None:
    filters = SearchFilters(ref="20 008 394")
    assistant, _ = asker(built_index, SENTENCE, DECLINED)
    answer = assistant.ask("did the council ever cough up for anything?", filters)
    assert answer.search_sentence == SENTENCE
    assert answer.hits and {h.ref for h in answer.hits} == {"20 008 394"}


def test_a_reference_in_the_sentence_narrows_nothing(built_index: Index) -> None:
    """A reference in the question keeps the search to that decision; one the model writes
    is taken out, so the sentence never narrows what the user asked."""
    assistant, _ = asker(built_index, f"In decision 20 008 394, {SENTENCE}", DECLINED)
    answer = assistant.ask(QUESTION)
    assert answer.search_sentence == f"In decision , {SENTENCE}"
    assert REMEDY in places(answer.hits)
    assert {h.ref for h in answer.hits} != {"20 008 394"}
