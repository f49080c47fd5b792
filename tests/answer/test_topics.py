"""A question naming a topic no decision found mentions is declined, naming the topic."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.answer.assistant import Assistant
from assistant.answer.topics import (
    default_topics,
    load_topics,
    mentions,
    topics_named,
    unmentioned_topics,
)
from tests.conftest import WIRRAL, declined_without_the_model, make_settings, scripted

TOPICS = """
[[topic]]
name = "child protection"
variants = ["child protection"]
source = "Children Act 1989 s47"

[[topic]]
name = "child protection conference"
variants = ["child protection conference", "initial child protection conference"]
source = "Working Together to Safeguard Children"

[[topic]]
name = "education, health and care plan"
variants = ["education, health and care plan", "ehc plan"]
abbreviations = ["EHCP"]
source = "Children and Families Act 2014 s37"

[[topic]]
name = "time limit"
variants = ["time limit for complaining to the ombudsman"]
together = [["time limit", "complaint", "ombudsman"]]
source = "Local Government Act 1974 s26B"
"""


@pytest.fixture
def topics(tmp_path: Path):
    path = tmp_path / "topics.toml"
    path.write_text(TOPICS, encoding="utf-8")
    return load_topics(path)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Was the child protection conference late?", ["child protection conference"]),
        ("Two initial Child Protection Conferences were missed", ["child protection conference"]),
        ("The child protection team never rang", ["child protection"]),
        ("Her EHC plans were late", ["education, health and care plan"]),
        ("Was the EHCP late?", ["education, health and care plan"]),
        ("Did the council say ehcp?", []),  # abbreviations only as written
        ("What did the council pay for delay?", []),
    ],
)
def test_a_topic_is_named_by_its_longest_wording(topics, text: str, named: list[str]) -> None:
    assert [t.name for t in topics_named(text, topics)] == named


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Is there a time limit for taking my complaint to the Ombudsman?", ["time limit"]),
        ("Complaints to the Ombudsman: what is the time limit?", ["time limit"]),
        # every wording of the group must stand in the text
        ("What time limit did the council set for the complaint?", []),
        ("What time limit did the Ombudsman give the council?", []),
    ],
)
def test_a_topic_is_named_by_a_group_of_wordings_in_any_order(
    topics, text: str, named: list[str]
) -> None:
    assert [t.name for t in topics_named(text, topics)] == named


def test_a_decision_holding_a_whole_group_mentions_the_topic(topics) -> None:
    time_limit = next(t for t in topics if t.name == "time limit")
    assert mentions("The Ombudsman's time limit means a late complaint is refused.", time_limit)
    assert not mentions("The Ombudsman gave the council a time limit of one month.", time_limit)


def test_a_topic_counts_as_mentioned_in_any_of_its_wordings_anywhere_in_a_decision(
    topics,
) -> None:
    decisions = {"a": "The Council held an Initial Child Protection Conference.", "b": "..."}
    question = "How much for a late child protection conference and no EHCP?"
    assert [t.name for t in unmentioned_topics(question, decisions, topics)] == [
        "education, health and care plan"
    ]
    assert unmentioned_topics("What did the council pay?", decisions, topics) == ()


def test_the_shipped_topics_each_have_a_source_and_wordings_of_their_own() -> None:
    shipped = default_topics()
    assert len(shipped) >= 100
    assert all(t.source and (t.variants or t.abbreviations) for t in shipped)
    wordings = Counter(v for t in shipped for v in t.variants)
    assert [w for w, n in wordings.items() if n > 1] == []
    # A wording only a decision mentions a topic by names no topic in a question either.
    assert {w for t in shipped for w in t.in_decisions} & set(wordings) == set()


def test_a_sample_decision_a_topic_cites_mentions_it(built_index) -> None:
    """A topic whose source cites a sample decision ("sample 15 017 863") is mentioned in it,
    in one of its wordings: otherwise a question about that decision is declined for naming
    a topic no decision found mentions."""
    store = built_index.store
    cited = [
        (topic, ref)
        for topic in default_topics()
        for ref in re.findall(r"sample (\d\d \d{3} \d{3})", topic.source)
    ]
    assert len(cited) >= 5
    texts = store.decision_texts({ref for _, ref in cited})
    unmentioned = [(topic.name, ref) for topic, ref in cited if not mentions(texts[ref], topic)]
    assert unmentioned == []


def test_a_question_naming_a_topic_no_decision_found_mentions_is_declined_without_the_model(
    built_index,
) -> None:
    question = "Did the Ombudsman find fault when a council delayed a care leaver's pathway plan?"
    answer = declined_without_the_model(built_index, question)
    assert (
        "none of the decisions found mentions “care leaver (leaving care)” or “pathway plan”"
        in answer.text
    )

    # Switched off, the same question reaches the model.
    off = Assistant(
        make_settings(built_index.dir, retrieval={"topic_check": False}),
        index=built_index,
        backend=scripted(),
    )
    assert off.answerable(question, off.retrieve(question))


def test_a_topic_the_decisions_found_mention_passes_the_gate(built_index) -> None:
    fake = Assistant(make_settings(built_index.dir), index=built_index, llm="fake")
    answer = fake.ask("Did a council pay the legal costs of a special guardianship order?")
    assert answer.answered
    assert any(c.ref == "15 018 561" for c in answer.citations)


def test_a_means_test_question_passes_on_the_decision_about_assessing_finances(
    built_index,
) -> None:
    """15 017 863 never says "financial assessment": it says the council failed "to assess
    Ms K’s daughter’s finances properly". Its wording is one of the topic's, so the question
    is answered from it rather than declined for a topic no decision mentions."""
    fake = Assistant(make_settings(built_index.dir), index=built_index, llm="fake")
    question = (
        "Was it fault to count a personal injury payment in the financial assessment for "
        "care costs?"
    )
    answer = fake.ask(question)
    assert answer.answered, answer.text
    assert any(c.ref == "15 017 863" for c in answer.citations)


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        (
            "Could I take the Ombudsman to court if I think its decision about my son is wrong?",
            "judicial review of an Ombudsman decision (High Court)",
        ),
        (
            "How long do I have to complain to the Ombudsman after the council's final reply?",
            "time limit for complaining to the Ombudsman (late complaint)",
        ),
        # words between the fixed phrases: named by a group of wordings
        (
            "Is there any time limit on bringing a complaint about my children's social care "
            "to the ombudsman?",
            "time limit for complaining to the Ombudsman (late complaint)",
        ),
        (
            "Can I appeal if I think the Ombudsman's decision on my case is unfair?",
            "review of an Ombudsman decision (challenging the Ombudsman's decision)",
        ),
        (
            "How many months will the ombudsman need to reach a decision on my son's case?",
            "how long an Ombudsman investigation takes",
        ),
    ],
)
def test_a_question_about_the_ombudsmans_own_process_is_declined_when_no_decision_states_it(
    built_index, question: str, topic: str
) -> None:
    answer = declined_without_the_model(built_index, question)
    assert f"mentions “{topic}”" in answer.text


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        (
            "Has the Ombudsman ever told a council to cancel a penalty charge notice?",
            "parking and traffic penalty charge notices",
        ),
        (
            "What did the Ombudsman say when a council chased someone for council tax they "
            "did not owe?",
            "council tax (bills, discounts, council tax reduction, summonses and liability orders)",
        ),
        (
            "My neighbour's extension got planning permission without anyone asking us. Is "
            "that fault?",
            "planning permission and planning applications",
        ),
    ],
)
def test_a_question_about_another_service_area_is_declined_when_no_decision_found_covers_it(
    built_index, question: str, topic: str
) -> None:
    """The sample decisions are all children's services: a question about parking, council
    tax or planning is declined by name, not answered from a fostering decision."""
    answer = declined_without_the_model(built_index, question)
    assert f"mentions “{topic}”" in answer.text


def test_a_homeless_teenager_sent_to_housing_is_declined_without_naming_the_judgment(
    built_index,
) -> None:
    """Parents describe the situation; they rarely name the Southwark judgment."""
    question = "Our 17-year-old is homeless and the council put him in a hostel. Was that fault?"
    answer = declined_without_the_model(built_index, question)
    assert "mentions “homeless 16- and 17-year-olds (Southwark judgment)”" in answer.text


def test_a_childs_condition_is_a_description_not_a_topic() -> None:
    # The shipped list names services, plans and bodies; a parent describing the child
    # ("autistic", "ADHD", "disabled son") names none of them.
    assert topics_named("My disabled son is autistic and has ADHD") == ()


def test_a_question_describing_the_child_is_answered_from_a_decision_that_does_not(
    built_index,
) -> None:
    # The Wirral decision says "special educational needs", never "autistic".
    fake = Assistant(make_settings(built_index.dir), index=built_index, llm="fake")
    answer = fake.ask(
        "Our autistic daughter lost her free school bus halfway through the year - "
        "what did the council agree to pay the families in the Wirral transport case?"
    )
    assert answer.answered
    assert any(c.ref in WIRRAL for c in answer.citations)


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        (
            "I'm an advocate for a dad in Hackney. Why didn't the Ombudsman look at it?",
            "advocacy (advocate)",
        ),
        (
            "As her solicitor, I need to know what the council agreed to do.",
            "solicitor (legal representation)",
        ),
        (
            "I’m the IRO for two children: what did the Ombudsman say about contact?",
            "Independent Reviewing Officer",
        ),
        ("I work as a councillor and a resident asked me about a complaint.", "councillor"),
        ("I am an independent advocate - was the complaint handled late?", "advocacy (advocate)"),
    ],
)
def test_a_profession_the_asker_says_they_hold_names_no_topic(question: str, topic: str) -> None:
    # Advocates, solicitors and councillors ask on someone's behalf; their job is not the
    # question's topic.
    assert topic not in [t.name for t in topics_named(question)]


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Did the council have to give my son an advocate?", "advocacy (advocate)"),
        (
            "Should the council pay for a solicitor for a special guardianship order?",
            "solicitor (legal representation)",
        ),
        # "as an" later in a sentence says what someone did, not who asks
        ("The council acted as an advocate in the meeting", "advocacy (advocate)"),
        # a family's own status is what it asks about
        ("I'm a foster carer: did a council stop paying a carer?", "fostering"),
    ],
)
def test_the_same_wordings_still_name_their_topic_when_they_say_what_is_asked(
    question: str, topic: str
) -> None:
    assert topic in [t.name for t in topics_named(question)]


def test_an_advocate_asking_about_a_decision_is_answered_not_declined(built_index) -> None:
    # No sample decision mentions advocacy: before `asker`, the gate declined this question
    # for naming a topic none of the decisions found mentions.
    fake = Assistant(make_settings(built_index.dir), index=built_index, llm="fake")
    answer = fake.ask(
        "I'm an advocate for a mum in Redbridge whose complaint stopped at stage two. "
        "What did the council agree to pay her?"
    )
    assert answer.answered
    assert any(c.ref == "20 008 394" for c in answer.citations)


def test_a_decision_mentions_a_topic_by_a_wording_too_broad_to_name_it_in_a_question() -> None:
    care_home = next(t for t in default_topics() if t.name.startswith("care home"))
    assert mentions("He wanted to move out of residential care to live on his own.", care_home)
    # In a question the wording is ambiguous (a children's home, a residential school).
    assert topics_named("Is residential care ever paid for by the council?") == ()


def test_a_care_home_question_is_answered_from_a_decision_saying_residential_care(
    built_index,
) -> None:
    # 15 020 256 says only "residential care": before `in_decisions`, the gate declined this
    # question for naming a topic none of the decisions found mentions.
    fake = Assistant(make_settings(built_index.dir), index=built_index, llm="fake")
    answer = fake.ask(
        "After his stroke a man was kept in a care home though he wanted a flat of his own. "
        "What did the councils have to pay him?"
    )
    assert answer.answered
    assert {c.ref for c in answer.citations} & {"15 020 256", "16 005 249"}
