"""Typical remedies over the real sample index: every payment extracted, the statistics on
known subsets, joint decisions once, the fault filter, the CLI and the ask path."""

from __future__ import annotations

import json

import pytest

from assistant.answer import Assistant
from assistant.parsing import iter_decision_files, read_path
from assistant.remedies import RemedyView, fault_in, is_remedies_question
from assistant.types import PaymentPurpose, SearchFilters
from tests.conftest import CORPUS, WIRRAL, make_settings, run_cli

# (ref, ¶, amount, purposes, payee, per month, stated total, origin): every payment in the
# sample corpus, read by a person from the decisions.
PAYMENTS = {
    (
        "15 016 298",
        3,
        550.0,
        ("distress", "time_and_trouble"),
        "the teenager",
        False,
        None,
        "ombudsman",
    ),
    (
        "15 016 298",
        3,
        850.0,
        ("distress", "time_and_trouble"),
        "the aunt and uncle",
        False,
        None,
        "ombudsman",
    ),
    (
        "15 016 298",
        3,
        400.0,
        ("distress", "time_and_trouble"),
        "the grandparents",
        False,
        None,
        "ombudsman",
    ),
    ("15 017 863", 3, None, ("refund",), None, False, None, "ombudsman"),
    *(
        (ref, 3, amount, ("distress",), f"the {nth} family", False, None, "ombudsman")
        for ref in WIRRAL
        for nth, amount in (
            ("first", 300.0),
            ("second", 100.0),
            ("third", 600.0),
            ("fourth", 500.0),
        )
    ),
    ("15 018 561", 3, None, ("other",), None, False, None, "ombudsman"),
    ("15 018 561", 3, 300.0, ("costs", "refund"), "the woman", False, None, "ombudsman"),
    ("15 018 561", 3, 500.0, ("costs",), "the woman", False, None, "ombudsman"),
    ("15 018 561", 3, 500.0, ("distress", "time_and_trouble"), None, False, None, "ombudsman"),
    *(
        (ref, n, amount, purposes, None, False, None, "ombudsman")
        for ref in ("15 020 256", "16 005 249")
        for n, amount, purposes in (
            (3, 2000.0, ("delay", "distress")),
            (4, 300.0, ("delay", "distress", "time_and_trouble")),
        )
    ),
    ("15 020 792", 3, None, ("costs",), None, False, None, "ombudsman"),
    ("15 020 792", 3, 250.0, ("time_and_trouble",), "the woman", False, None, "ombudsman"),
    ("16 000 780", 3, None, ("costs", "lost_provision"), None, False, None, "ombudsman"),
    (
        "16 000 780",
        3,
        1000.0,
        ("distress", "time_and_trouble"),
        "the couple",
        False,
        None,
        "ombudsman",
    ),
    ("16 002 186", 3, 4628.0, ("costs", "refund"), None, False, None, "ombudsman"),
    ("20 008 394", 29, 100.0, ("time_and_trouble",), "Ms X", False, None, "ombudsman"),
    ("23 016 199", 10, 650.0, ("distress",), None, False, None, "council"),
    ("23 016 199", 10, 100.0, ("delay", "distress"), None, False, None, "council"),
    ("24 017 708", 8, 50.0, ("delay",), None, True, 300.0, "ombudsman"),
}


def test_every_payment_in_the_sample_corpus_is_extracted() -> None:
    found = set()
    for path in iter_decision_files([CORPUS]):
        for decision in read_path(path):
            for r in decision.remedies:
                if r.kind.value == "payment":
                    purposes = tuple(sorted(p.value for p in r.purposes))
                    found.add(
                        (
                            decision.ref,
                            r.paragraph,
                            r.amount,
                            purposes,
                            r.payee,
                            r.per_month,
                            r.total,
                            r.origin,
                        )
                    )
    assert found == PAYMENTS


@pytest.fixture(scope="module")
def view(built_index) -> RemedyView:
    return RemedyView(built_index, make_settings(built_index.dir).retrieval)


def test_joint_decisions_count_once(view: RemedyView) -> None:
    figures = view.figures()
    distress = next(p for p in figures.payments if p.purpose is PaymentPurpose.DISTRESS)
    wirral = [p for p in distress.payments if p.ref in WIRRAL]
    assert len(wirral) == 4  # one member's four payments, not sixteen
    assert {p.refs for p in wirral} == {WIRRAL}
    assert figures.considered == 13  # 17 references, two joint groups (4 and 2 members)


def test_statistics_on_a_known_subset(view: RemedyView) -> None:
    figures = view.figures(SearchFilters(subcategory="Friends and family carers"))
    assert figures.decisions == 2
    distress = next(p for p in figures.payments if p.purpose is PaymentPurpose.DISTRESS)
    assert distress.amounts == [400.0, 500.0, 550.0, 850.0]
    assert distress.decisions == 2
    assert not distress.summarised  # two decisions: said, not hidden behind a median
    assert "2 decisions" in distress.describe() and "too few" in distress.describe()
    costs = next(p for p in figures.payments if p.purpose is PaymentPurpose.COSTS)
    assert costs.amounts == [300.0, 500.0]

    everything = view.figures()
    distress_all = next(p for p in everything.payments if p.purpose is PaymentPurpose.DISTRESS)
    assert distress_all.summarised
    assert distress_all.amounts[0] == 100.0 and distress_all.amounts[-1] == 2000.0
    assert distress_all.median == 500.0
    delay = next(p for p in everything.payments if p.purpose is PaymentPurpose.DELAY)
    assert 300.0 in delay.amounts  # £50 a month counts at its stated total of £300
    apology = next(a for a in everything.actions if a.label == "apology")
    assert apology.decisions == 9


def test_a_described_fault_narrows_by_findings_not_substring(view: RemedyView) -> None:
    figures = view.figures(fault="delay at stage two")
    refs = {r.ref for r in figures.records}
    assert {"24 017 708", "23 016 199"} <= refs
    assert not refs & set(WIRRAL)
    # "withdrawn" is not in the text ("removed their children's transport"): meaning counts.
    transport = view.figures(fault="school transport withdrawn")
    assert {r.ref for r in transport.records} == {"15 018 169"}
    origin = view.figures(fault="delay at stage two", origin="ombudsman")
    assert "23 016 199" not in {r.ref for r in origin.records}  # Hackney's was its own offer


def test_remedies_cli_json(built_index) -> None:
    result = run_cli(
        "remedies", "--fault", "delay at stage two", "--index", str(built_index.dir), "--json"
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    delay = next(p for p in data["payments"] if p["purpose"] == "delay")
    assert {(w["ref"], w["paragraph"]) for w in delay["where"]} >= {("24 017 708", 8)}
    assert delay["too_few_for_summary"] is True and delay["median"] is None
    assert any(a["remedy"] == "apology" for a in data["other_remedies"])


def test_recognising_a_typical_remedies_question() -> None:
    assert is_remedies_question("What does the Ombudsman usually ask for, and how much?")
    assert is_remedies_question("What is the normal amount paid for distress?")
    assert not is_remedies_question("How much did Redbridge pay Ms X?")
    fault = fault_in("How much is usually paid for delay at stage two?")
    assert fault == "How is delay at stage two?"


def test_ask_states_computed_figures_with_their_paragraphs(built_index) -> None:
    assistant = Assistant(make_settings(built_index.dir), llm="fake", index=built_index)
    answer = assistant.ask(
        "What does the Ombudsman usually ask councils to pay for delay at stage two?"
    )
    assert answer.answered and answer.figures
    assert answer.figures in answer.text
    assert "[24 017 708 ¶8]" in answer.figures and "too few decisions" in answer.figures
    cited = {(c.ref, c.paragraph): c for c in answer.citations}
    assert "£50 for each month" in cited[("24 017 708", 8)].quote
    assert any(c.computed for c in answer.citations)  # remedy paragraphs added
    # every amount in the figures is stated in a paragraph the answer cites
    from assistant.evaluation.metrics import figures_supported

    assert figures_supported(answer) == 1.0
