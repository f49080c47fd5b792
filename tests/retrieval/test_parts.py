"""Questions that ask two things, split into their parts."""

from __future__ import annotations

from assistant.retrieval.parts import interleave, question_parts
from tests.conftest import retrieved


def test_a_question_asking_two_things_has_two_standalone_parts() -> None:
    parts = question_parts(
        "What did the Ombudsman say when a council refused stage two, and what remedy did "
        "it ask for?"
    )
    assert parts == [
        "What did the Ombudsman say when a council refused stage two",
        "what remedy did it ask for (What did the Ombudsman say when a council refused stage two)",
    ]
    assert len(question_parts("Was the council at fault? What did it have to pay?")) == 2
    assert question_parts("Did the Ombudsman look at delays and failures in assessments?") == []
    assert question_parts("What is stage two?") == []


def test_interleaving_takes_each_list_in_turn_and_each_paragraph_once() -> None:
    whole = [retrieved("a", 1), retrieved("a", 2), retrieved("a", 3)]
    part = [retrieved("a", 2), retrieved("b", 7), retrieved("b", 8)]
    chosen = interleave([whole, part], 4)
    assert [(h.refs[0], h.number) for h in chosen] == [("a", 1), ("a", 2), ("b", 7), ("a", 3)]
