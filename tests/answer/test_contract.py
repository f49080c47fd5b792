"""The answer contract with scripted model replies: what the code enforces, not the prompt."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import SecretStr

from assistant.answer import NOT_ANSWERED, AnswerEvent, Assistant, EvidenceEvent, TokenEvent, Turn
from assistant.answer.assistant import QUOTED, kind_asked
from assistant.answer.claims import check_claims, parse_claims
from assistant.answer.context import paragraph_keys
from assistant.answer.focus import GAP
from assistant.answer.verify import figures
from assistant.errors import InputError
from assistant.evaluation.metrics import groundedness
from assistant.index import Index
from assistant.llm import make_chat_backend
from assistant.prompts import DECLINED
from tests.conftest import assistant_with, first_key, key_of, scripted
from tests.hostile.endpoint import hostile_endpoint

QUESTION = "What remedy did the Ombudsman ask for when a council delayed a stage two complaint?"


def model_citations(answer) -> list:
    """The model's citations; a typical-remedies question also gets computed ones."""
    return [c for c in answer.citations if not c.computed]


def test_valid_answer_keeps_its_citations(built_index: Index) -> None:
    probe = assistant_with(built_index, "x").ask(QUESTION)
    key = key_of(probe, "24 017 708", 8)
    answer = assistant_with(
        built_index,
        f"The Council was asked to pay £50 for each month of delay, £300 in all [{key}].",
    ).ask(QUESTION)
    assert answer.answered
    assert "[24 017 708 ¶8]" in answer.text
    [citation] = model_citations(answer)
    assert (citation.ref, citation.paragraph, citation.section) == (
        "24 017 708",
        8,
        "My assessment",
    )
    assert "A total of £300" in citation.quote
    assert citation.url.endswith("24-017-708")
    assert answer.verification.dropped_citations == answer.verification.dropped_sentences == 0


def test_keys_the_model_was_not_given_are_stripped_and_counted(built_index: Index) -> None:
    key = first_key(assistant_with(built_index, "x").ask(QUESTION))
    answer = assistant_with(
        built_index,
        f"Councils must escalate complaints to stage two [{key}][P42]. They must also pay [P1].",
    ).ask(QUESTION)
    assert answer.verification.dropped_citations == 2
    assert "P42" not in answer.text and "P1" not in answer.text
    assert all(c.key == key for c in model_citations(answer))


def test_the_per_month_trap_is_caught(built_index: Index) -> None:
    """The 1.5B model once wrote '£300 for each month' from '£50 for each month ... £300'."""
    probe = assistant_with(built_index, "x").ask(QUESTION)
    key = key_of(probe, "24 017 708", 8)
    answer = assistant_with(
        built_index,
        f"The Council had to pay £300 for each month it delayed [{key}]. "
        f"It also had to apologise [{key}].",
    ).ask(QUESTION)
    v = answer.verification
    assert v.dropped_sentences + v.replaced_sentences == 1
    assert "£300 for each month" not in answer.text
    assert "apologise" in answer.text


def test_a_figure_cited_to_the_wrong_paragraph_is_moved_to_the_paragraph_stating_it(
    built_index: Index,
) -> None:
    probe = assistant_with(built_index, "x").ask(QUESTION)
    right = key_of(probe, "24 017 708", 8)
    wrong = next(key for key in paragraph_keys(probe.hits) if key != right)
    answer = assistant_with(built_index, f"The Council paid £50 for each month [{wrong}].").ask(
        QUESTION
    )
    assert answer.verification.dropped_citations == 1
    assert answer.text.startswith("The Council paid £50 for each month. [24 017 708 ¶8]")
    assert [(c.ref, c.paragraph) for c in model_citations(answer)] == [("24 017 708", 8)]


def test_a_sentence_saying_the_opposite_is_replaced_by_the_paragraphs_own_sentence(
    built_index: Index,
) -> None:
    probe = assistant_with(built_index, "x").ask(QUESTION)
    key = key_of(probe, "24 017 708", 8)
    answer = assistant_with(
        built_index, f"The Council did not have to make a payment of £50 for each month [{key}]."
    ).ask(QUESTION)
    assert answer.verification.replaced_sentences == 1
    assert answer.text.startswith("“Make a payment of £50 for each month")
    assert "did not have to" not in answer.text


def test_no_uncited_sentence_reaches_the_user(built_index: Index) -> None:
    probe = assistant_with(built_index, "x").ask(QUESTION)
    key = key_of(probe, "24 017 708", 8)
    answer = assistant_with(
        built_index,
        f"The Council had to pay £50 for each month of delay [{key}]. "
        "So every council always pays compensation for any delay.",
    ).ask(QUESTION)
    assert answer.verification.uncited_sentences == 1
    assert "every council always pays" not in answer.text
    assert "£50 for each month" in answer.text


def test_unverifiable_answer_falls_back_to_the_sentences_that_answer(built_index: Index) -> None:
    key = first_key(assistant_with(built_index, "x").ask(QUESTION))
    answer = assistant_with(built_index, f"They paid £9,999 within 17 days [{key}].").ask(QUESTION)
    assert answer.verification.fell_back_to_extractive
    assert answer.verification.dropped_sentences == 1
    assert answer.citations and answer.answered
    assert answer.text.startswith(QUOTED)
    assert "£9,999" not in answer.text
    # each quoted sentence is one sentence of the paragraph its marker names
    quoted = re.findall(r"“([^”]+)” \[(\d\d \d{3} \d{3}) ¶(\d+)\]", answer.text)
    assert quoted
    for sentence, ref, number in quoted:
        hit = next(h for h in answer.hits if h.ref == ref and h.number == int(number))
        assert sentence in hit.text


def test_nothing_relevant_means_no_model_call_and_no_citation(built_index: Index) -> None:
    backend = scripted("this reply must never be used")
    answer = assistant_with(built_index, backend).ask(
        "What did the Ombudsman decide about parking fines in Leeds?"
    )
    assert not answer.answered
    assert answer.citations == ()
    assert answer.text.startswith(NOT_ANSWERED.split(".")[0])  # "… do not answer this question"
    assert "none of the decisions found is about Leeds" in answer.text
    assert backend.model.calls == 0 and backend.model.sent == []


def test_a_decline_after_a_confident_retrieval_is_answered_in_the_decisions_words(
    built_index: Index,
) -> None:
    """Refusals are earned: only the relevance gate says the decisions do not answer."""
    for reply in (DECLINED, '{"claims": []}'):
        answer = assistant_with(built_index, reply).ask(QUESTION)
        assert answer.answered and answer.verification.fell_back_to_extractive
        assert answer.text.startswith(QUOTED) and answer.citations


def test_a_decline_without_a_confident_retrieval_stands(built_index: Index) -> None:
    # one content word ("school") is found, so the gate lets it through; no shown sentence
    # holds half of the question's content words, so the model's decline is the answer
    question = "What did the Ombudsman decide about school dinners and football kits?"
    answer = assistant_with(built_index, DECLINED).ask(question)
    assert not answer.answered and answer.citations == ()
    assert answer.text == DECLINED


def test_a_model_that_cited_paragraphs_in_words_that_fail_is_answered_by_quoting(
    built_index: Index,
) -> None:
    """The embedded model often restates a plain-English question as its answer ("Yes,
    ..."), citing the right paragraph. A sentence it does not support is removed; the
    model did point at paragraphs, so their sentences holding a word of the question are
    quoted, though none holds half of its words."""
    question = "Did the grandparents get anything when the teenager was moved without a word?"
    probe = assistant_with(built_index, DECLINED).ask(question)
    assert not probe.answered  # the model's decline stands: retrieval is not confident
    assert probe.text == DECLINED  # the gate passed it: the model was asked
    echo = "Yes, they were handed a holiday voucher by way of amends."
    reply = json.dumps({"claims": [{"key": first_key(probe), "statement": echo}]})
    answer = assistant_with(built_index, reply).ask(question)
    assert answer.answered and answer.verification.fell_back_to_extractive
    assert answer.text.startswith(QUOTED) and answer.citations
    assert "voucher" not in answer.text
    assert answer.verification.dropped_sentences == 1
    # every quoted sentence is its paragraph's own words; the label is not a claim
    assert groundedness(answer) == 1.0


def test_structured_claims_are_checked_and_cited(built_index: Index) -> None:
    probe = assistant_with(built_index, "x").ask(QUESTION)
    key = key_of(probe, "24 017 708", 8)
    reply = json.dumps(
        {
            "claims": [
                {"key": key, "statement": "The Council had to pay £50 for each month of delay"},
                {"key": first_key(probe), "statement": "It paid £9,999 within 17 days."},
            ]
        }
    )
    events = list(assistant_with(built_index, reply).ask_stream(QUESTION))
    streamed = "".join(e.text for e in events if isinstance(e, TokenEvent))
    assert "{" not in streamed and "£50 for each month" in streamed  # statements, not JSON
    answer = events[-1].answer
    assert answer.text.startswith("The Council had to pay £50 for each month of delay. [24 017")
    assert "£9,999" not in answer.text and answer.verification.dropped_sentences == 1


def test_the_prompt_holds_the_keyed_paragraphs_the_question_and_the_decline_sentence(
    built_index: Index,
) -> None:
    backend = scripted("Councils must follow all three stages [P1].")
    assistant = assistant_with(built_index, backend)
    answer = assistant.ask(QUESTION)
    [prompt] = backend.model.prompts
    assert prompt.startswith("system: You answer questions about decisions")
    assert f"or only: {DECLINED}" in prompt
    assert f"Question: {QUESTION}" in prompt
    # Each hit is shown under its key (its paragraph's number under its decision's letter),
    # with its decision, paragraph and own words (a long one's nearest the question), and
    # nothing else is.
    keys = paragraph_keys(answer.hits)
    texts = [hit.text for hit in answer.hits]
    bodies = assistant.focus.bodies(QUESTION, texts, kind_asked(QUESTION, QUESTION))
    assert bodies != texts, "no paragraph was long enough to be cut"
    for key, hit, body in zip(keys, answer.hits, bodies, strict=True):
        assert key == f"{key[0]}{hit.number}"
        assert f"[{key}] {', '.join(hit.refs)} ¶{hit.number}, {hit.section}" in prompt
        assert f"<paragraph>\n{body}\n</paragraph>" in prompt
        for line in body.split("\n"):
            assert line == GAP or line.removeprefix("• ") in hit.text
    assert re.findall(r"^\[([A-Z]\d+)\] ", prompt, re.MULTILINE) == keys
    letters = {hit.ref: key[0] for key, hit in zip(keys, answer.hits, strict=True)}
    assert sorted(letters.values()) == list("ABCDE"[: len(letters)])


def test_streaming_shows_evidence_before_tokens(built_index: Index) -> None:
    events = list(
        assistant_with(built_index, "Councils must follow all three stages [P1].").ask_stream(
            QUESTION
        )
    )
    assert isinstance(events[0], EvidenceEvent) and events[0].hits
    tokens = [e for e in events if isinstance(e, TokenEvent)]
    assert len(tokens) > 3
    assert isinstance(events[-1], AnswerEvent)
    timings = events[-1].answer.timings
    assert timings["evidence_s"] <= timings["first_token_s"] <= timings["total_s"]


def test_follow_up_questions_are_condensed_with_history(built_index: Index) -> None:
    backend = scripted("Tower Hamlets [P1].", "Tower Hamlets [P1].")
    history = [Turn("What did Tower Hamlets agree for the stage two delay?", "It agreed …")]
    answer = assistant_with(built_index, backend).ask("And how much was that?", history=history)
    # The scripted model condenses to its first reply; retrieval also sees the earlier question.
    assert "stage two delay" in answer.standalone_question
    assert any(h.ref == "24 017 708" for h in answer.hits)
    condense, _ = backend.model.prompts
    assert "User: What did Tower Hamlets agree for the stage two delay?" in condense
    assert "Assistant: It agreed …" in condense
    assert "Latest question: And how much was that?" in condense


@pytest.mark.parametrize("question", ["", "   ", "x" * 2001])
def test_bad_questions_get_a_clear_message(built_index: Index, question: str) -> None:
    with pytest.raises(InputError):
        assistant_with(built_index, "unused").ask(question)


def test_figures_are_normalised() -> None:
    assert figures("£1,000 within four weeks") == {"£1000", "4 week"}
    assert figures("£50 for each month. A total of £300.") == {"£50/month", "£300"}
    assert figures("decision 20 008 394 ¶29 in July 2021") == {"jul 2021", "2021"}
    result = check_claims(
        parse_claims("Paid £1000 in recognition [P1]."), {"P1": "pay £1,000 in recognition"}
    )
    assert result.dropped_sentences == 0 and result.cited_keys == ["P1"]


def test_an_unreachable_endpoint_is_a_clear_error(built_index: Index) -> None:
    from assistant.errors import LLMError
    from assistant.llm import make_chat_backend

    settings = built_index.settings.llm.model_copy(
        update={"backend": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m"}
    )
    backend = make_chat_backend(settings)
    assistant = Assistant(built_index.settings, backend=backend, index=built_index)
    with pytest.raises(LLMError, match=r"language model \(m\) failed"):
        assistant.ask(QUESTION)


def test_a_reply_cut_at_the_token_limit_keeps_its_complete_claims(built_index: Index) -> None:
    """A structured reply cut off at `max_tokens` (the embedded model once ran to 320 tokens
    on a follow-up) is answered from the claims it completed; the cut one is left out, and
    the user is not shown a model failure."""
    probe = assistant_with(built_index, "x").ask(QUESTION)
    key = key_of(probe, "24 017 708", 8)
    reply = (
        f'{{"claims": [{{"key": "{key}", "statement": "The Council was asked to pay £50 for '
        f'each month of delay, £300 in all."}}, {{"key": "P1", "statement": "The Council also'
    )
    with hostile_endpoint(reply, finish="length") as endpoint:
        llm = built_index.settings.llm.model_copy(
            update={"base_url": endpoint.url, "api_key": SecretStr("k"), "model": "cut"}
        )
        answer = assistant_with(built_index, make_chat_backend(llm, "openai")).ask(QUESTION)
    assert endpoint.requests[0]["response_format"]["type"] == "json_schema"
    assert answer.answered
    assert answer.text.startswith("The Council was asked to pay £50")
    assert "[24 017 708 ¶8]" in answer.text
    assert "also" not in answer.text
    assert answer.verification.uncited_sentences == 0
