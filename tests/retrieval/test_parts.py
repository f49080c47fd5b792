"""Questions that ask two things, split into their parts."""

from __future__ import annotations

from assistant.retrieval.parts import interleave, question_parts
from assistant.types import RetrievedParagraph


def test_a_question_asking_two_things_has_two_standalone_parts() -> None:
    parts = question_parts(
        "What did the Ombudsman say when a council refused stage two, and what remedy did "
        "it ask for?"
    )
    assert parts == [
        "What did the Ombudsman say when a council refused stage two",
        "what remedy did it ask for (What did the Ombudsman say when a council refused "
        "stage two)",
    ]
    assert len(question_parts("Was the council at fault? What did it have to pay?")) == 2
    assert question_parts("Did the Ombudsman look at delays and failures in assessments?") == []
    assert question_parts("What is stage two?") == []


def _hit(ref: str, number: int) -> RetrievedParagraph:
    return RetrievedParagraph(
        ref=ref,
        refs=(ref,),
        council=None,
        category=None,
        subcategory=None,
        outcome=None,
        date=None,
        number=number,
        section="What I found",
        subsection=None,
        text=f"Paragraph {number} of {ref}.",
        url="https://www.lgo.org.uk/decisions",
        score=1.0,
    )


def test_interleaving_takes_each_list_in_turn_and_each_paragraph_once() -> None:
    whole = [_hit("a", 1), _hit("a", 2), _hit("a", 3)]
    part = [_hit("a", 2), _hit("b", 7), _hit("b", 8)]
    chosen = interleave([whole, part], 4)
    assert [(h.refs[0], h.number) for h in chosen] == [("a", 1), ("a", 2), ("b", 7), ("a", 3)]
