"""A long paragraph is shown to the model as its sentences nearest the question."""

from __future__ import annotations

import json

from assistant.answer.asked import asked_for
from assistant.answer.context import paragraph_keys
from assistant.answer.focus import GAP, Focus, cut, units_of
from assistant.answer.support import sentences_of
from assistant.index import Index
from tests.conftest import assistant_with, scripted

AGREED = (
    "To remedy the injustice caused, the council has agreed to:\n"
    "• apologise to the woman for the failings we have identified;\n"
    "• pay the woman £300 for the initial costs of caring for the children. This would also "
    "meet her travel costs;\n"
    "• pay the woman £500 for the legal advice she obtained for the order;\n"
    "• review its policy on family and friends carers within three months."
)


def test_the_best_sentences_are_kept_in_order_and_each_gap_is_marked() -> None:
    units = units_of("One two three four. Five six seven eight. Nine ten eleven twelve.")
    assert [u.text for u in units] == [
        "One two three four.",
        "Five six seven eight.",
        "Nine ten eleven twelve.",
    ]
    assert (
        cut(units, [0.9, 0.1, 0.8], words=8)
        == f"One two three four.\n{GAP}\nNine ten eleven twelve."
    )
    assert cut(units, [0.1, 0.9, 0.2], words=4) == f"{GAP}\nFive six seven eight.\n{GAP}"


def test_a_kept_list_item_brings_the_sentence_introducing_its_list() -> None:
    units = units_of(AGREED)
    # A list item is one unit: its second sentence ("This would also ...") leans on its first.
    assert [u.bullet for u in units] == [False, True, True, True, True]
    assert units[2].text.endswith("This would also meet her travel costs;")
    legal = next(i for i, u in enumerate(units) if "£500" in u.text)
    scores = [1.0 if i == legal else 0.0 for i in range(len(units))]
    shown = cut(units, scores, words=5)
    assert shown == (
        "To remedy the injustice caused, the council has agreed to:\n"
        f"{GAP}\n"
        "• pay the woman £500 for the legal advice she obtained for the order;\n"
        f"{GAP}"
    )
    # The ellipsis is no sentence of what was shown: nothing can cite or quote it.
    assert GAP not in " ".join(sentences_of(shown))


def test_the_sentence_answering_the_question_is_kept_and_the_paragraph_cut(
    built_index: Index,
) -> None:
    focus = Focus(built_index.embedder.encode, words=20)
    question = "How much did the council pay the grandmother for her solicitor?"
    [shown] = focus.bodies(question, [AGREED], asked_for(question))
    assert "£500 for the legal advice" in shown
    assert "has agreed to:" in shown
    assert len(shown.split()) < len(AGREED.split())


def test_an_amount_asked_for_is_kept_before_closer_words_without_one(
    built_index: Index,
) -> None:
    text = (
        "The council reviewed its policy on family and friends carers and apologised to the "
        "grandmother for the delay in reviewing it. It then paid her £250 for her time and "
        "trouble. The policy now says carers are told of their rights at the first visit."
    )
    focus = Focus(built_index.embedder.encode, words=12)
    question = "How much did the council give the grandmother for the delay reviewing its policy?"
    [shown] = focus.bodies(question, [text], asked_for(question))
    assert "£250" in shown


def test_short_paragraphs_and_a_zero_budget_are_shown_whole(built_index: Index) -> None:
    short = "The council agreed to pay Ms X £100."
    assert Focus(built_index.embedder.encode, words=60).bodies("q?", [short], None) == [short]
    assert Focus(built_index.embedder.encode, words=0).bodies("q?", [AGREED], None) == [AGREED]


def test_the_model_is_shown_the_cut_paragraph_and_a_claim_is_checked_against_it(
    built_index: Index,
) -> None:
    """Through the real index: for a question about Redbridge's payment, the Wirral
    decision's long agreed action (15 016 298 ¶3) is shown without its bullet paying the
    grandparents £400, and a claim stating that bullet is not supported by what the model
    saw: it is removed, and the amount reaches no one."""
    question = (
        "How much did Redbridge have to pay the mother for the hassle of bringing her "
        "complaint to the Ombudsman?"
    )
    probe = assistant_with(built_index, '{"claims": []}')
    hits, _ = probe.evidence(question)
    place = [hit.place for hit in hits].index(("15 016 298", 3))
    assert "pay the grandparents £400" in hits[place].text
    key = paragraph_keys(hits)[place]
    cut_away = "The council agreed to pay the grandparents £400 for the distress caused to them."
    backend = scripted(json.dumps({"claims": [{"key": key, "statement": cut_away}]}))
    answer = assistant_with(built_index, backend).ask(question)

    prompt = "\n".join(str(message.content) for message in backend.model.sent[0])
    assert "pay Ms X £100 to reflect the time and trouble" in prompt
    assert "pay the teenager £550" in prompt
    assert "£400" not in prompt
    assert "£400" not in answer.text
    assert answer.verification.dropped_sentences == 1
