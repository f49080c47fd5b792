"""A question about one council is not answered from another council's decisions."""

from __future__ import annotations

import pytest

from assistant.answer.assistant import Assistant
from assistant.answer.councils import councils_named, unmatched_councils
from tests.conftest import declined_without_the_model, make_settings


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("What did the Ombudsman find against Kent County Council?", ["Kent"]),
        ("has kent county council ever been told to pay?", ["Kent"]),
        (
            "the London Borough of Hackney and Central Bedfordshire",
            ["Hackney", "Central Bedfordshire"],
        ),
        ("Did Stoke-on-Trent delay stage two?", ["Stoke-on-Trent"]),
        ("Did Reading Borough Council delay?", ["Reading"]),
        ("Reading the decisions, what does the Ombudsman expect?", []),
        ("Did Bury Council apologise?", ["Bury"]),
        ("Where should I bury this complaint?", []),
        ("A council delayed stage two of my complaint", []),
    ],
)
def test_councils_are_recognised_by_the_names_people_use(text: str, named: list[str]) -> None:
    assert [c.name for c in councils_named(text)] == named


def test_a_decision_that_names_the_council_anywhere_matches() -> None:
    decisions = {"1": "London Borough of Redbridge\n...", "2": "\n{...the Council in Kent...}"}
    assert unmatched_councils("What happened in Kent?", decisions) == ()
    assert [c.name for c in unmatched_councils("What did Leeds do?", decisions)] == ["Leeds"]
    assert unmatched_councils("What did the council do?", decisions) == ()


def test_a_question_about_a_council_the_index_lacks_is_declined_without_the_model(
    built_index,
) -> None:
    answer = declined_without_the_model(
        built_index,
        "What did the Ombudsman say when Kent County Council refused to escalate a "
        "complaint to stage two?",
    )
    assert "none of the decisions found is about Kent" in answer.text

    fake = Assistant(make_settings(built_index.dir), index=built_index, llm="fake")
    known = fake.ask("What did the Ombudsman say about Redbridge's stage two delay?")
    assert known.answered
    assert any(c.ref == "20 008 394" for c in known.citations)  # Redbridge's decision


def test_a_question_naming_a_decision_searches_that_decision(built_index) -> None:
    fake = Assistant(make_settings(built_index.dir), index=built_index, llm="fake")
    for question in ("What did 23 016 199 decide?", "Summarise decision 23-016-199"):
        hits = fake.retrieve(question)
        assert hits and all(h.refs == ("23 016 199",) for h in hits)
        answer = fake.ask(question)
        assert answer.answered and {c.ref for c in answer.citations} == {"23 016 199"}


def test_a_question_naming_a_decision_the_index_lacks_is_declined_naming_it(
    built_index,
) -> None:
    answer = declined_without_the_model(
        built_index, "What did the Ombudsman find in 99 123 456 about stage two delay?"
    )
    assert "decision 99 123 456 is not in the index" in answer.text
