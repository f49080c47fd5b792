"""Cross-validation: choices made on training folds, figures from held-out folds only."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.answer.assistant import Assistant
from assistant.evaluation.crossval import (
    abstains,
    assign_folds,
    effective_config,
    grid_configs,
    recorded_row,
    render_markdown,
    run_crossval,
)
from assistant.evaluation.gold import load_gold
from assistant.evaluation.runner import standalone_query
from assistant.evaluation.splits import question_splits, shared_content_words
from tests.conftest import ROOT, make_settings

GOLD = ROOT / "evals" / "gold.jsonl"


def test_folds_are_stratified_and_cover_every_question() -> None:
    gold = load_gold(GOLD)
    folds = assign_folds(gold, 5, seed=0)
    assert set(folds) == {q.id for q in gold} and set(folds.values()) == set(range(5))
    for fold in range(5):
        unanswerable = [q for q in gold if not q.answerable and folds[q.id] == fold]
        assert len(unanswerable) <= 2  # 7 unanswerable spread over 5 folds
    assert assign_folds(gold, 5, seed=0) == folds != assign_folds(gold, 5, seed=1)


def test_paraphrase_split_counts_shared_content_words(built_index) -> None:
    assert shared_content_words("kinship carer money", "family and friends foster carer") == 1
    gold = {q.id: q for q in load_gold(GOLD)}
    splits = {qid: question_splits(q, built_index.store) for qid, q in gold.items()}
    assert splits["q44"] == ("unanswerable",)
    assert "filtered" in splits["q35"] and "follow-up" in splits["q40"]
    assert any("paraphrase" in s for s in splits.values())


def test_gate_rule_matches_the_recorded_features() -> None:
    row = {"keyword": True, "overlap": 0.4, "similarity": 0.3}
    assert not abstains(row, 0.34, 0.0)
    assert abstains(row, 0.5, 0.0) and abstains(row, 0.34, 0.35)
    assert abstains({**row, "keyword": False}, 0.0, 0.0)
    # The topic check, when the gate uses it; a named decision the hits hold needs no overlap.
    assert abstains({**row, "unmentioned_topic": True}, 0.0, 0.0, topics=True)
    assert not abstains({**row, "unmentioned_topic": True}, 0.0, 0.0, topics=False)
    assert not abstains({**row, "overlap": 0.0, "named_decision": True}, 0.34, 0.0)
    assert abstains({**row, "named_decision": False}, 0.0, 0.0, topics=False)
    # As in `declined_because`, naming a decision does not lift the council check.
    assert abstains({**row, "named_decision": True, "other_council": True}, 0.0, 0.0)
    # The asked-kind check, when the gate uses it; naming a decision does not lift it either.
    unstated = {**row, "unstated_kind": True}
    assert abstains(unstated, 0.0, 0.0, kinds=True)
    assert not abstains(unstated, 0.0, 0.0, kinds=False)
    assert abstains({**unstated, "named_decision": True}, 0.0, 0.0)


def test_configurations_differing_only_in_what_their_fusion_ignores_are_one() -> None:
    scores = {"fusion": "scores", "expansion_weight": 3.0}
    assert effective_config({**scores, "keyword_weight": 2.0}) == effective_config(
        {**scores, "keyword_weight": 1.0}
    )
    ranks = {"fusion": "ranks", "expansion_weight": 3.0}
    assert effective_config({**ranks, "keyword_weight": 2.0}) != effective_config(
        {**ranks, "keyword_weight": 1.0}
    )
    assert effective_config({**scores, "keyword_weight": 2.0}) != effective_config(
        {**scores, "keyword_weight": 2.0, "expansion_weight": 0.0}
    )
    # Neither fusion named: nothing is taken as unread.
    assert effective_config({"keyword_weight": 2.0}) != effective_config({"keyword_weight": 1.0})
    # A grid without fusion runs with the settings' own.
    assert effective_config({"keyword_weight": 2.0}, "scores") == effective_config(
        {"keyword_weight": 1.0}, "scores"
    )
    assert effective_config({"keyword_weight": 2.0}, "ranks") != effective_config(
        {"keyword_weight": 1.0}, "ranks"
    )


def test_crossval_reports_held_out_figures(built_index, tmp_path: Path) -> None:
    grid = {
        "expansion_weight": (0.0, 0.3),
        "over_cap_weight": (0.0, 0.5),
        "keyword_weight": (2.0, 1.0),
        "fusion": ("scores",),
    }
    assert len(grid_configs(grid)) == 8
    cv = run_crossval(
        make_settings(built_index.dir),
        GOLD,
        k=5,
        folds=3,
        seed=0,
        index=built_index,
        grid=grid,
        extra={"section_prior": 0.15},
    )
    assert set(cv.baselines) == {"bm25", "dense", "naive"}
    assert 0.5 <= cv.held_out["all"]["hit@5"] <= 1.0
    assert len(cv.folds) == 3 and sum(f["questions"] for f in cv.folds) == 50
    assert cv.deployed["retrieval"] in grid_configs(grid)
    # BM25's weight is a rank-fusion weight: under score fusion its two values are one search,
    # for the grid and for each ablation extra.
    assert cv.header["configurations"] == {"total": 16, "searched": 8}
    names = [row["name"] for row in cv.ablation]
    assert "glossary expansion (BM25): off" in names and "all components, tuned" in names
    assert cv.latency["pipeline"]["p95"] is not None
    text = render_markdown(cv)
    assert "held out" in text and "| paraphrase" in text
    assert "16 configurations, 8 searched" in text
    saved = json.loads(cv.write(tmp_path / "cv.json").read_text())
    assert saved["held_out"]["all"]["mrr"] == cv.held_out["all"]["mrr"]


def test_recorded_gate_decides_every_gold_question_as_the_assistant_does(built_index) -> None:
    """`abstains` restates `Assistant.declined_because` on recorded features, so each fold
    can choose the gate's operating point without searching again. A check added to one
    and not mirrored in the other shows here: every question of every committed gold set
    (their unanswerable ones exercise the council, topic, kind and overlap checks) is
    decided by both, at the shipped settings, from the same search."""
    settings = make_settings(built_index.dir)
    gate = settings.retrieval
    assistant = Assistant(settings, index=built_index)
    k = gate.k
    decided = {"declined": 0, "passed": 0}
    mismatched = []
    for path in sorted((ROOT / "evals").glob("gold*.jsonl")):
        for question in load_gold(path):
            row = recorded_row(assistant.retriever, question, k)
            recorded = abstains(
                row, gate.min_keyword_overlap, 0.0, gate.topic_check, gate.kind_check
            )
            query = standalone_query(question)
            hits = assistant.retrieve(query, question.filters, k)
            live = not assistant.answerable(query, hits, question.question)
            decided["declined" if live else "passed"] += 1
            if recorded != live:
                mismatched.append(f"{path.name} {question.id}: recorded {recorded}, live {live}")
    assert mismatched == []
    # Both outcomes occur often enough for the comparison to mean something.
    assert decided["declined"] >= 50 and decided["passed"] >= 250, decided
