"""The keys a model is shown paragraphs under: they name the paragraph, not its rank."""

from __future__ import annotations

from assistant.answer.claims import parse_claims
from assistant.answer.context import Context, paragraph_keys, rank_keys
from tests.conftest import retrieved


def test_a_key_is_the_paragraph_number_under_its_decisions_letter() -> None:
    hits = [retrieved("24 017 708", 8), retrieved("20 008 394", 29), retrieved("24 017 708", 9)]
    assert paragraph_keys(hits) == ["A8", "B29", "A9"]
    context = Context.of(hits)
    assert context.text.startswith("[A8] 24 017 708 ¶8, What I found\n<paragraph>")
    assert context.render("Paid. [B29]") == "Paid. [20 008 394 ¶29]"
    assert rank_keys(hits) == ["P1", "P2", "P3"]
    assert list(Context.of(hits, keys=rank_keys).shown) == ["P1", "P2", "P3"]


def test_a_joint_decision_is_one_letter_whichever_reference_a_hit_carries() -> None:
    joint = ("15 018 169", "15 019 136")
    hits = [
        retrieved("15 018 169", 1, joint),
        retrieved("15 019 136", 2, joint),
        retrieved("20 008 394", 2),
    ]
    assert paragraph_keys(hits) == ["A1", "A2", "B2"]


def test_past_the_26th_decision_letters_double_and_keys_stay_unique() -> None:
    hits = [retrieved(f"{n:02d} 000 001", 1) for n in range(30)]
    keys = paragraph_keys(hits)
    assert keys[:2] == ["A1", "B1"] and keys[25:28] == ["Z1", "AA1", "AB1"]
    assert len(set(keys)) == len(keys)
    [claim] = parse_claims("The Council apologised. [AB1]")
    assert claim.keys == ("AB1",)
