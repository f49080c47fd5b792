"""`assistant eval --replay RUN`: a recorded run's model replies answer again through
today's retrieval and checks, so a change to verification is measured without the model."""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.answer.context import keys_for_paragraphs
from assistant.evaluation import EvalRun, run_eval
from assistant.settings import with_focus_words
from tests.conftest import ROOT, make_settings, run_cli


def _recorded_fake_run(built_index, tmp_path: Path, questions: int = 6) -> tuple[Path, Path]:
    gold = tmp_path / "gold.jsonl"
    lines = (ROOT / "evals" / "gold.jsonl").read_text().splitlines()[:questions]
    gold.write_text("\n".join(lines) + "\n")
    settings = make_settings(built_index.dir)
    run = run_eval(settings, gold, k=5, llm="fake", systems=["pipeline"], index=built_index)
    return gold, run.write(tmp_path / "recorded.jsonl")


def _in_rank_keys(row: dict) -> str:
    """A recorded reply as it would have been written when keys were ranks ([P1], [P2])."""
    shown = [(h["refs"], h["paragraph"]) for h in row["retrieved"]]
    rank = {key: f"P{i}" for i, key in enumerate(keys_for_paragraphs(shown), start=1)}
    return re.sub(
        r'(?<=\[)[A-Z]\d+(?=\])|(?<="key": ")[A-Z]\d+',
        lambda m: rank[m.group(0)],
        row["answer"]["model_output"],
    )


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


def test_a_run_recorded_with_rank_keys_is_replayed_in_todays_keys(
    built_index, tmp_path: Path
) -> None:
    """Runs recorded before `context_keys` showed the model keys by rank ([P1] the best
    hit): their replies are translated to the same paragraphs' keys, so they give back the
    same answers instead of citing keys that no longer exist."""
    gold, recorded = _recorded_fake_run(built_index, tmp_path)
    lines = recorded.read_text().splitlines()
    header = json.loads(lines[0])
    del header["context_keys"]
    rows = [json.loads(line) for line in lines[1:]]
    for row in rows:
        if row["type"] == "question" and row["answer"]["model_output"]:
            row["answer"]["model_output"] = _in_rank_keys(row)
    outputs = [row["answer"]["model_output"] or "" for row in rows if row["type"] == "question"]
    assert any(re.search(r'"key": "P1"|\[P1\]', output) for output in outputs)
    old = tmp_path / "old.jsonl"
    old.write_text("\n".join(json.dumps(r) for r in [header, *rows]) + "\n")
    result = _replay(built_index, gold, old, tmp_path / "replayed.jsonl")
    assert result.exit_code == 0, result.stderr
    before, after = EvalRun.read(recorded).rows(), EvalRun.read(tmp_path / "replayed.jsonl").rows()
    answered = [i for i, row in before.items() if row["answer"]["answered"]]
    assert answered
    for question_id in answered:
        assert after[question_id]["answer"]["text"] == before[question_id]["answer"]["text"]
        assert after[question_id]["answer"]["verification"]["dropped_citations"] == 0


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


def test_a_run_whose_model_saw_whole_paragraphs_is_replayed_with_whole_paragraphs(
    built_index, tmp_path: Path
) -> None:
    """A run recorded before long paragraphs were cut for the model (no `focus_words` in its
    header) is replayed showing each paragraph whole, so its replies are checked against
    what its model saw: they give back the same answers."""
    gold = tmp_path / "gold.jsonl"
    gold.write_text((ROOT / "evals" / "gold.jsonl").read_text())
    whole = with_focus_words(make_settings(built_index.dir), 0)
    run = run_eval(whole, gold, k=5, llm="fake", systems=["pipeline"], index=built_index)
    header, *rows = run.write(tmp_path / "recorded.jsonl").read_text().splitlines()
    old_header = json.loads(header)
    assert old_header.pop("focus_words") == 0
    old = tmp_path / "old.jsonl"
    old.write_text("\n".join([json.dumps(old_header), *rows]) + "\n")
    result = _replay(built_index, gold, old, tmp_path / "replayed.jsonl")
    assert result.exit_code == 0, result.stderr
    replayed = EvalRun.read(tmp_path / "replayed.jsonl")
    assert replayed.header["focus_words"] == 0
    before, after = run.rows(), replayed.rows()
    assert [i for i, row in before.items() if row["answer"]["answered"]]
    for question_id, row in before.items():
        assert after[question_id]["answer"]["text"] == row["answer"]["text"]
