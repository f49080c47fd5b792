"""The one line that tells a reader what the answer contract did."""

from __future__ import annotations

from assistant.types import Verification
from tests.conftest import bare_answer as answer


def test_a_clean_answer_says_nothing_changed() -> None:
    note = answer(Verification()).verification_note()
    assert note.startswith("model-written") and note.endswith("nothing changed")


def test_each_intervention_is_counted_by_name() -> None:
    note = answer(
        Verification(dropped_citations=2, replaced_sentences=1, uncited_sentences=3)
    ).verification_note()
    assert "2 citation(s) removed or moved to the paragraph that says it" in note
    assert "1 sentence(s) replaced by the cited paragraph's own" in note
    assert "3 sentence(s) citing no paragraph removed" in note


def test_a_fallback_says_so_plainly() -> None:
    note = answer(Verification(fell_back_to_extractive=True)).verification_note()
    assert note.startswith("FELL BACK") and "quoted" in note


def test_not_answered_tells_gate_from_model() -> None:
    gate = answer(Verification(), answered=False, output="").verification_note()
    declined = answer(Verification(), answered=False, output="no").verification_note()
    assert "no model was asked" in gate
    assert "the model said" in declined


def test_interventions_count_every_removal_and_replacement() -> None:
    v = Verification(
        claims=20,
        dropped_citations=1,
        dropped_sentences=2,
        replaced_sentences=3,
        uncited_sentences=9,
    )
    assert v.unsupported_claims == 14  # the model's statements that did not stand as written
    assert v.interventions == 15  # and the one citation moved
