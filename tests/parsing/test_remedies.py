"""Remedies extracted from every sample decision: amounts, purposes, payees, actions."""

from __future__ import annotations

from pathlib import Path

from assistant.parsing import read_path
from assistant.types import Decision, PaymentPurpose, Remedy, RemedyKind

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def decision(name: str) -> Decision:
    for folder in ("decisions", "lgo-samples"):
        path = CORPUS / folder / name
        if path.exists():
            [parsed] = list(read_path(path))
            assert isinstance(parsed, Decision)
            return parsed
    raise FileNotFoundError(name)


def payments(d: Decision) -> list[Remedy]:
    return [r for r in d.remedies if r.kind is RemedyKind.PAYMENT]


def actions(d: Decision, kind: RemedyKind) -> set[str]:
    return {r.action for r in d.remedies if r.kind is kind}


def test_redbridge_agreed_action() -> None:
    d = decision("20-008-394.txt")
    [pay] = payments(d)
    assert (pay.amount, pay.purposes, pay.payee, pay.paragraph) == (
        100.0,
        (PaymentPurpose.TIME_AND_TROUBLE,),
        "Ms X",
        29,
    )
    assert pay.deadline == "within one month of the final decision"
    assert actions(d, RemedyKind.APOLOGY) == {"apology"}
    assert {
        "appoint an investigating officer and independent person",
        "progress the complaint to stage two",
        "complete stage three",
    } <= actions(d, RemedyKind.PROCEDURAL)
    assert actions(d, RemedyKind.SERVICE_IMPROVEMENT) == {"reminder to staff", "staff training"}
    deadlines = {r.deadline for r in d.remedies if r.kind is RemedyKind.DEADLINE}
    assert deadlines == {
        "within one month of the final decision",
        "Within two months of the final decision",
    }
    # The complainant asking to escalate (¶20) is history, not a remedy.
    assert all(r.paragraph in {29, 30} for r in d.remedies)


def test_per_month_payment_with_a_stated_total() -> None:
    d = decision("24-017-708.txt")
    [pay] = payments(d)
    assert pay.amount == 50.0 and pay.per_month and pay.total == 300.0
    assert pay.purposes == (PaymentPurpose.DELAY,)
    assert pay.paragraph == 8
    assert "progress the complaint to stage two" in actions(d, RemedyKind.PROCEDURAL)


def test_council_offers_are_marked_and_guidance_is_not_a_remedy() -> None:
    d = decision("23-016-199.txt")
    amounts = sorted(p.amount for p in payments(d))
    assert amounts == [100.0, 650.0]  # not the £500 of the guidance, nor the £750 restated
    assert all(r.paragraph == 10 and r.origin == "council" for r in d.remedies)
    further = next(p for p in payments(d) if p.amount == 100.0)
    assert PaymentPurpose.DELAY in further.purposes


def test_several_payees_in_one_paragraph() -> None:
    d = decision("15-016-298.json")
    got = {(p.payee, p.amount) for p in payments(d)}
    assert got == {
        ("the teenager", 550.0),
        ("the aunt and uncle", 850.0),
        ("the grandparents", 400.0),
    }
    for p in payments(d):
        assert set(p.purposes) == {PaymentPurpose.DISTRESS, PaymentPurpose.TIME_AND_TROUBLE}


def test_a_list_of_amounts_shares_its_purpose() -> None:
    d = decision("15-018-169.json")
    assert sorted(p.amount for p in payments(d)) == [100.0, 300.0, 500.0, 600.0]
    assert {p.purposes for p in payments(d)} == {(PaymentPurpose.DISTRESS,)}


def test_costs_refunds_and_unpriced_payments() -> None:
    refund = payments(decision("16-002-186.json"))
    assert [(p.amount, PaymentPurpose.REFUND in p.purposes) for p in refund] == [(4628.0, True)]
    costs = payments(decision("15-018-561.json"))
    legal = next(p for p in costs if p.amount == 500.0 and PaymentPurpose.COSTS in p.purposes)
    assert "legal advice" in legal.text
    drainage = payments(decision("15-020-792.json"))
    assert [p.amount for p in drainage].count(None) == 3  # "Meet 50% of the cost ..."
    assert 250.0 in [p.amount for p in drainage]


def test_no_remedies_where_none_were_asked_for() -> None:
    assert decision("23-017-039.txt").remedies == ()
