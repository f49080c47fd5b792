"""Gold-set reading and the metric definitions of evals/README.md, on hand-built cases."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.evaluation.compare import bootstrap_interval
from assistant.evaluation.gold import ExpectedParagraph, load_gold, matches
from assistant.evaluation.metrics import RetrievedItem, mean_of, retrieval_metrics

GOLD = Path(__file__).resolve().parents[2] / "evals" / "gold.jsonl"


def test_the_project_gold_set_loads_and_covers_every_kind_of_question() -> None:
    gold = load_gold(GOLD)
    assert len(gold) >= 40
    assert sum(not q.answerable for q in gold) >= 5
    assert sum(bool(q.history) for q in gold) >= 3
    assert sum(not q.filters.is_empty() for q in gold) >= 5
    assert all(q.expected for q in gold if q.answerable)


def test_every_gold_quote_stands_in_its_decision(built_index) -> None:
    """A quote that matches nothing would make a question unwinnable, silently."""
    store = built_index.store
    for question in load_gold(GOLD):
        for expected in question.expected:
            decision = store.decision(expected.ref)
            assert decision is not None, (question.id, expected.ref)
            assert any(matches(expected, (expected.ref,), p.text) for p in decision.paragraphs), (
                question.id,
                expected.quote,
            )


def test_matching_ignores_reference_style_case_and_curly_quotes() -> None:
    expected = ExpectedParagraph(ref="20-008-394", quote="we do not award 'damages'")
    assert expected.ref == "20 008 394"
    text = "This means We  do not award ‘damages’ or ‘compensation’."
    assert matches(expected, ("20 008 394",), text)
    assert matches(expected, ("15 018 169", "20 008 394"), text)  # a joint decision
    assert not matches(expected, ("23 016 199",), text)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "gold.jsonl:2: not valid JSON"),
        (
            '{"id": "b", "question": "q?", "expected": [], "answerable": true}',
            "gold.jsonl:2: an answerable",
        ),
        (
            '{"id": "a", "question": "q?", "answerable": false}',
            "gold.jsonl:2: the id 'a' is used twice",
        ),
        (
            '{"id": "b", "question": "q?", "expected": [{"ref": "123", "quote": "abc"}]}',
            "gold.jsonl:2: expected.0.ref",
        ),
        ('{"id": "b", "question": "q?", "answerable": false, "colour": 1}', "gold.jsonl:2: colour"),
    ],
)
def test_a_malformed_gold_line_is_named_by_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "a", "question": "q?", "answerable": false}\n' + line + "\n")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(".", r"\.")):
        load_gold(path)


def test_retrieval_metrics_follow_their_definitions() -> None:
    expected = [
        ExpectedParagraph(ref="20 008 394", quote="time and trouble"),
        ExpectedParagraph(ref="24 017 708", quote="£50 for each month"),
    ]
    items = [
        RetrievedItem(refs=("23 016 199",), text="unrelated"),
        RetrievedItem(refs=("20 008 394",), text="pay Ms X £100 for the time and trouble"),
        RetrievedItem(refs=("20 008 394",), text="again the time and trouble"),  # no new item
        RetrievedItem(refs=("24 017 708",), text="a payment of £50 for each month"),
    ]
    got = retrieval_metrics(items, expected, k=3)
    assert got["hit@3"] == 1.0
    assert got["recall@3"] == 0.5
    assert got["mrr"] == 0.5
    assert got["ndcg@3"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    at_4 = retrieval_metrics(items, expected, k=4)
    assert at_4["recall@4"] == 1.0
    assert retrieval_metrics(items, [], k=3)["hit@3"] is None  # unanswerable: not scored


def test_bootstrap_calls_one_flipped_question_noise_and_many_a_drop() -> None:
    base = [{"hit": 1.0} for _ in range(50)]
    one_flip = [{"hit": 0.0}, *base[1:]]
    many = [{"hit": 0.0}] * 10 + base[10:]
    aggregate = mean_of("hit")
    assert bootstrap_interval(aggregate, base, base) == (0.0, 0.0)
    assert bootstrap_interval(aggregate, one_flip, base)[1] == 0.0  # not below zero
    assert bootstrap_interval(aggregate, many, base)[1] < 0
