"""An answer states the kind of fact its question asks for, or it is not an answer."""

from __future__ import annotations

import json

import pytest

from assistant.answer.asked import (
    AGE,
    AMOUNT,
    COUNT,
    DATE,
    DEADLINE,
    DURATION,
    FREQUENCY,
    NAME,
    PERCENTAGE,
    SHARE,
    asked_for,
)
from assistant.answer.assistant import QUOTED_FOR_KIND, Assistant, unstated_decline
from assistant.answer.context import paragraph_keys
from assistant.answer.councils import councils_named, is_about
from assistant.evaluation.metrics import groundedness
from assistant.index import Index
from assistant.types import Answer
from tests.conftest import (
    assistant_with,
    declined_without_the_model,
    key_of,
    make_settings,
    scripted,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How much did Hackney offer the dad in total?", AMOUNT),
        ("What exact amount did the council pay for the missed respite?", AMOUNT),
        ("how long did Tower Hamlets get to appoint an investigator?", DURATION),
        ("How many weeks did the social worker take to get in touch?", DURATION),
        ("Which council took the niece away, and how old was she?", AGE),
        ("How many of the carer's complaints were upheld?", COUNT),
        ("What percentage of complaints does the Ombudsman uphold?", PERCENTAGE),
        # a share of something is a percentage or a fraction as well as an amount
        ("How much of the cost of the wall did the council cover?", SHARE),
        ("What share of the fees did the council refund?", SHARE),
        ("How much of a say do grandparents get in the plan?", None),
        ("What part of the complaint did the Ombudsman uphold?", None),
        ("How often was the dad supposed to see his son?", FREQUENCY),
        ("What was the name of the IRO who chaired the review?", NAME),
        ("what was the foster carer's name", NAME),
        # the name of a council or a document is stated, not anonymised
        ("What is the name of the council in the kinship carer case?", None),
        ("What's the name of the policy the council relied on?", None),
        ("When did Mr B first complain to Hackney?", DATE),
        ("On what date was the Tower Hamlets decision issued?", DATE),
        ("So when was it finally sorted?", DATE),
        ("By when did Tower Hamlets have to appoint an investigator?", DEADLINE),
        ("What review did the councils agree, and when did they have to report back?", DEADLINE),
        # the present tense asks for circumstances, not a date
        ("When does the Ombudsman decline to investigate a complaint?", None),
        ("Did the Ombudsman find fault when a council refused to hear a complaint?", None),
        ("Did the council have to apologise?", None),
        ("Why did the Ombudsman stop investigating?", None),
        # a question phrase inside a statement asks for nothing ...
        ("Can the council count her compensation when it decides how much support she gets?", None),
        ("Was she paid anything for how many months the council delayed?", None),
        # ... but it does after a word of asking, at the start of a clause, or inverted
        ("I'd like to know how much the council paid the grandparents", AMOUNT),
        ("Hackney - how much they offered Mr B?", AMOUNT),
        ("Tell me how long the stage two investigation took", DURATION),
        ("The carer was owed money, so how much did the council pay her?", AMOUNT),
    ],
)
def test_the_kind_of_fact_a_question_asks_for(question: str, kind: object) -> None:
    assert asked_for(question) is kind


def test_which_sentences_state_each_kind() -> None:
    assert AMOUNT.stated_in("pay the aunt and uncle £850")
    assert not AMOUNT.stated_in("pay the aunt and uncle for their distress")
    assert DURATION.stated_in("appoint an investigator within four weeks of the decision")
    assert DURATION.stated_in("a further payment for a two-month delay")
    assert DURATION.stated_in("She complained in March 2020 and heard back in April 2020.")
    assert not DURATION.stated_in("there was a delay in the social worker contacting her")
    assert AGE.stated_in("the girl, aged 15, was moved") and AGE.stated_in("a 17-year-old boy")
    assert not AGE.stated_in("the teenage niece was moved")
    assert COUNT.stated_in("two of her complaints were upheld")
    # a year, a paragraph number or an amount is not a count
    assert not COUNT.stated_in("In 2021 the council paid £300 (¶8).")
    assert PERCENTAGE.stated_in("upheld 81% of complaints")
    assert SHARE.stated_in("agreed to meet 50% of the cost") and SHARE.stated_in("pay half")
    assert SHARE.stated_in("refund the £120 fee") and not SHARE.stated_in("refund the fee")
    assert DATE.stated_in("Mr B first complained to the Council in late 2022.")
    assert DATE.stated_in("Ombudsman satisfied with council's response: 19 July 2017")
    # the year of an Act, an amount or a duration is not a date; "may" is not May
    assert not DATE.stated_in("The Children Act 1989 sets out a three-stage procedure.")
    assert not DATE.stated_in("pay £2000 within four weeks; it may not delay")
    assert DEADLINE.stated_in("report back within six months") and DEADLINE.stated_in("by May 2021")
    # decisions anonymise the people in them: "Ms X" is no name
    assert NAME.stated_in("Mr Smith, the social worker, visited")
    assert not NAME.stated_in("Ms X complained; Mr B's children")
    assert FREQUENCY.stated_in("contact twice a week") and FREQUENCY.stated_in("every two weeks")
    assert FREQUENCY.stated_in("a payment of £50 for each month the council delayed")
    # "once" joining clauses, or a single span of time, says nothing of how often
    assert not FREQUENCY.stated_in("Once her complaint has completed stage two, she may return.")
    assert not FREQUENCY.stated_in("The social worker visited a week later.")


def answer_citing(index: Index, question: str, ref: str, number: int, statement: str) -> Answer:
    """The answer when the model's one claim is `statement`, citing the key its prompt
    showed `ref` ¶`number` under."""
    key = key_of(assistant_with(index, "{}").ask(question), ref, number)
    reply = json.dumps({"claims": [{"key": key, "statement": statement}]})
    return assistant_with(index, reply).ask(question)


def test_a_supported_answer_without_the_amount_asked_for_quotes_the_sentence_stating_it(
    built_index: Index,
) -> None:
    """The embedded model restates the paragraph it cites; asked how much, it can cite the
    remedy paragraph and name every remedy but the payment."""
    question = "How much did Redbridge have to pay Ms X for the trouble of her complaint?"
    statement = "The Council agreed to apologise to Ms X for failing to investigate at stage two."
    answer = answer_citing(built_index, question, "20 008 394", 29, statement)
    assert answer.answered and answer.verification.fell_back_to_extractive
    assert answer.text.startswith(QUOTED_FOR_KIND.format(kind=AMOUNT.name))
    assert statement not in answer.text
    assert "£100" in answer.text and "[20 008 394 ¶29]" in answer.text
    assert any("states an amount of money" in note for note in answer.verification.notes)
    assert groundedness(answer) == 1.0


def test_a_question_whose_kind_of_fact_no_hit_states_is_declined_before_the_model(
    built_index: Index,
) -> None:
    """No decision in the sample states a percentage: the gate declines without asking
    the model, in the words the answer's own check would have used."""
    question = "What percentage of stage two complaints about children's services is upheld?"
    answer = declined_without_the_model(built_index, question)
    assert answer.text == unstated_decline(PERCENTAGE)


def test_a_question_asking_a_persons_name_is_declined_before_the_model(
    built_index: Index,
) -> None:
    """Published decisions name no one involved: asked who someone was by name, the gate
    declines rather than let the model answer with what the decision says of them."""
    question = "What was the name of the Hackney social worker Mr B complained about?"
    answer = declined_without_the_model(built_index, question)
    assert answer.text == unstated_decline(NAME, councils_named(question))
    assert "about Hackney states a person's name" in answer.text
    assert answer.text.endswith("do not name the people involved.")


def test_with_the_kind_check_off_the_answer_is_declined_after_the_model(
    built_index: Index,
) -> None:
    """The same question reaches the model with the gate's kind check off; its sentence,
    which states no percentage, is not an answer, and no shown sentence states one."""
    question = "What percentage of stage two complaints about children's services is upheld?"
    settings = make_settings(built_index.dir, retrieval={"kind_check": False})
    probe = Assistant(settings, backend=scripted("{}"), index=built_index)
    hits, _ = probe.evidence(question)
    assert hits and probe.declined_because(question, hits) is None  # the gate passes it
    claim = {"key": paragraph_keys(hits)[0], "statement": "The Council closed the complaint."}
    model = Assistant(
        settings, backend=scripted(json.dumps({"claims": [claim]})), index=built_index
    )
    answer = model.ask(question)
    assert not answer.answered and answer.citations == ()
    assert answer.text == unstated_decline(PERCENTAGE)


def test_the_gate_reads_the_kind_from_the_named_councils_hits_only(built_index: Index) -> None:
    """Asked how much Bexley paid: other councils' hits state amounts, Bexley's do not
    (the Ombudsman did not investigate), so the question is declined naming Bexley."""
    question = "How much did Bexley pay the carer of two children after her complaint?"
    probe = Assistant(make_settings(built_index.dir), backend=scripted("{}"), index=built_index)
    hits = probe.retrieve(question)
    bexley = [h for h in hits if h.ref == "24 005 987"]
    assert bexley and not any(AMOUNT.stated_in(h.text) for h in bexley)
    assert any(AMOUNT.stated_in(h.text) for h in hits if h.ref != "24 005 987")
    answer = declined_without_the_model(built_index, question)
    assert answer.text == unstated_decline(AMOUNT, councils_named(question))
    assert "about Bexley" in answer.text


def test_an_amount_asked_of_a_named_council_comes_from_that_councils_decision(
    built_index: Index,
) -> None:
    """Asked what Redbridge paid, a supported sentence stating Tower Hamlets' payment does
    not answer: Redbridge's own remedy sentence is quoted, and only it."""
    question = "How much did Redbridge pay Ms X for the trouble of taking her complaint further?"
    statement = (
        "The Council agreed to make a payment of £50 for each month the Council delayed in "
        "dealing with the stage two complaint."
    )
    answer = answer_citing(built_index, question, "24 017 708", 8, statement)
    assert answer.answered and answer.verification.fell_back_to_extractive
    assert answer.text.startswith(QUOTED_FOR_KIND.format(kind=AMOUNT.name))
    assert "£100" in answer.text and "£50" not in answer.text
    assert [(c.ref, c.paragraph) for c in answer.citations] == [("20 008 394", 29)]
    assert key_of(answer, "20 008 394", 29) in {c.key for c in answer.citations}


def test_an_amount_no_paragraph_of_the_named_council_states_is_declined(
    built_index: Index,
) -> None:
    """Havering's decision states no payment; Redbridge's £100, shown beside it, is not
    Havering's answer."""
    question = "How much did Havering have to pay Miss X?"
    statement = "The Council agreed to pay Ms X £100 to reflect her time and trouble."
    answer = answer_citing(built_index, question, "20 008 394", 29, statement)
    assert not answer.answered and answer.citations == ()
    assert answer.text == unstated_decline(AMOUNT, councils_named(question))
    assert "about Havering states an amount of money" in answer.text


def test_a_decision_without_a_recorded_council_is_about_the_council_its_text_names() -> None:
    havering = councils_named("What did Havering do?")
    assert is_about("London Borough of Havering", havering)
    assert not is_about("London Borough of Redbridge", havering)
    assert is_about("None\nThe complaint: Havering Council failed to ...", havering)
    assert not is_about(None, havering) and not is_about("", havering)


def test_a_date_asked_for_is_quoted_from_the_paragraph_the_model_cited(
    built_index: Index,
) -> None:
    """Asked by when Redbridge had to train its staff, the model named the training but
    not the deadline; the cited paragraph's sentence stating both is quoted."""
    question = "What did Redbridge have to teach its employees, and by when?"
    statement = "The Council agreed to train staff on escalating complaints through the procedure."
    answer = answer_citing(built_index, question, "20 008 394", 30, statement)
    assert answer.answered and answer.verification.fell_back_to_extractive
    assert answer.text.startswith(QUOTED_FOR_KIND.format(kind=DEADLINE.name))
    assert "Within two months of the final decision" in answer.text
    assert "[20 008 394 ¶30]" in answer.text


def test_a_date_about_something_else_does_not_answer_a_when_question(
    built_index: Index,
) -> None:
    """Hackney's decision dates Mr B's first complaint (¶7, "late 2022") but not the stage
    3 panel's sitting. A sentence holding a date and none of the question's words, in a
    paragraph the model did not cite, is not quoted as the answer: the question is declined."""
    question = "When did Hackney's stage 3 review panel sit, and who chaired it?"
    statement = "The panel report said the quality of the stage 2 report was satisfactory."
    answer = answer_citing(built_index, question, "23 016 199", 13, statement)
    assert key_of(answer, "23 016 199", 7)  # the dated paragraph was shown
    assert not answer.answered and answer.citations == ()
    assert "2022" not in answer.text


def test_a_share_asked_for_is_answered_by_a_percentage(built_index: Index) -> None:
    """A question asking how much of the cost asks for a share: "50% of the cost" answers it,
    where reading "how much" alone as money had quoted the paragraph's £250 for time and
    trouble in its place."""
    question = "How much of the cost of rebuilding the woman's wall did the council agree to pay?"
    statement = "The council agreed to meet 50% of the cost of the work to rebuild the wall."
    answer = answer_citing(built_index, question, "15 020 792", 3, statement)
    assert answer.answered and not answer.verification.fell_back_to_extractive
    assert statement in answer.text and "[15 020 792 ¶3]" in answer.text
    assert "£250" not in answer.text
