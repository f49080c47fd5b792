"""`assistant eval --replay RUN`: a recorded run's model replies answer again through
today's retrieval and checks, so a change to verification is measured without the model."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.evaluation import EvalRun, run_eval
from tests.conftest import ROOT, make_settings, run_cli


def _recorded_fake_run(built_index, tmp_path: Path, questions: int = 6) -> tuple[Path, Path]:
    gold = tmp_path / "gold.jsonl"
    lines = (ROOT / "evals" / "gold.jsonl").read_text().splitlines()[:questions]
    gold.write_text("\n".join(lines) + "\n")
    settings = make_settings(built_index.dir)
    run = run_eval(settings, gold, k=5, llm="fake", systems=["pipeline"], index=built_index)
    return gold, run.write(tmp_path / "recorded.jsonl")


def _replay(built_index, gold: Path, recorded: Path, out: Path):
    return run_cli(
        "eval",
        "--gold", str(gold),
        "--replay", str(recorded),
        "--systems", "pipeline",
        "--index", str(built_index.dir),
        "--record", str(out),
    )  # fmt: skip


def test_a_replay_gives_back_the_recorded_answers(built_index, tmp_path: Path) -> None:
    gold, recorded = _recorded_fake_run(built_index, tmp_path)
    result = _replay(built_index, gold, recorded, tmp_path / "replayed.jsonl")
    assert result.exit_code == 0, result.stderr
    before, after = EvalRun.read(recorded), EvalRun.read(tmp_path / "replayed.jsonl")
    assert after.header["mode"] == "replay"
    assert after.header["settings"]["llm"]["backend"] == "replay"  # no configured model ran
    assert after.header["replay"] == {"run": str(recorded), "retrieval_changed": []}
    answered = [row for row in before.rows().values() if row["answer"]["answered"]]
    assert answered, "the fake model answered none of the questions"
    for question_id, row in before.rows().items():
        assert after.rows()[question_id]["answer"]["text"] == row["answer"]["text"]
        assert after.rows()[question_id]["answer"]["model_output"] == row["answer"]["model_output"]


def test_a_replayed_reply_meets_todays_checks(built_index, tmp_path: Path) -> None:
    """A reply edited in the record to cite a key the model was never shown is checked as
    if the model had written it: the citation is removed and counted."""
    gold, recorded = _recorded_fake_run(built_index, tmp_path, questions=1)
    lines = recorded.read_text().splitlines()
    row = json.loads(lines[1])
    row["answer"]["model_output"] = json.dumps(
        {"claims": [{"key": "P9", "statement": "The Council paid Ms X £100."}]}
    )
    lines[1] = json.dumps(row)
    recorded.write_text("\n".join(lines) + "\n")
    result = _replay(built_index, gold, recorded, tmp_path / "replayed.jsonl")
    assert result.exit_code == 0, result.stderr
    replayed = EvalRun.read(tmp_path / "replayed.jsonl").rows()[row["id"]]
    verification = replayed["answer"]["verification"]
    assert verification["dropped_citations"] == 1
    assert replayed["answer"]["model_output"] == row["answer"]["model_output"]
    assert "P9" not in replayed["answer"]["text"]


def test_replaying_a_retrieval_only_run_is_one_clear_line(built_index, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text((ROOT / "evals" / "gold.jsonl").read_text().splitlines()[0] + "\n")
    settings = make_settings(built_index.dir)
    run = run_eval(settings, gold, retrieval_only=True, systems=["pipeline"], index=built_index)
    recorded = run.write(tmp_path / "retrieval.jsonl")
    result = _replay(built_index, gold, recorded, tmp_path / "replayed.jsonl")
    assert result.exit_code == 2
    assert "retrieval-only run has no model replies to replay" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
