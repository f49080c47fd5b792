"""A model reply that fails mid-run (a timeout, an overloaded server) costs that question,
not the whole eval: the run goes on, records the failure and says so; a model that keeps
failing stops the run with one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.errors import LLMError
from assistant.evaluation import EvalRun, run_eval
from assistant.llm import make_chat_backend
from tests.conftest import ROOT, make_settings, run_cli
from tests.hostile.endpoint import SERVER_ERROR, hostile_endpoint

ANSWER = json.dumps({"claims": [{"key": "P1", "statement": "The Council agreed to apologise."}]})


def _gold(tmp_path: Path, questions: int) -> Path:
    gold = tmp_path / "gold.jsonl"
    lines = (ROOT / "evals" / "gold.jsonl").read_text().splitlines()[:questions]
    gold.write_text("\n".join(lines) + "\n")
    return gold


def _eval_against(built_index, gold: Path, url: str) -> EvalRun:
    """An eval of `gold` whose model is the openai-compatible endpoint at `url`."""
    llm = built_index.settings.llm.model_copy(
        update={"base_url": url, "api_key": SecretStr("k"), "model": "flaky"}
    )
    return run_eval(
        make_settings(built_index.dir),
        gold,
        systems=["pipeline"],
        index=built_index,
        backend=make_chat_backend(llm, "openai"),
        mode="openai",
    )


def test_one_failed_reply_is_recorded_and_the_run_goes_on(built_index, tmp_path: Path) -> None:
    gold = _gold(tmp_path, 3)
    # The openai client retries once: the second question's request and its retry fail.
    with hostile_endpoint(ANSWER, SERVER_ERROR, SERVER_ERROR, ANSWER) as endpoint:
        run = _eval_against(built_index, gold, endpoint.url)
    rows = run.questions
    assert [("error" in r) for r in rows] == [False, True, False]
    failed = rows[1]
    assert "flaky" in failed["error"] and "503" in failed["error"]
    assert failed["retrieved"] and "hit@5" in failed["metrics"]  # retrieval still scored
    assert "verified_answer" not in failed["metrics"]  # no answer metric counts it
    summary = run.summary["systems"]["pipeline"]
    assert summary["failed"] == 1
    assert rows[0]["metrics"]["verified_answer"] is not None


def test_a_model_that_keeps_failing_stops_the_run(built_index, tmp_path: Path) -> None:
    gold = _gold(tmp_path, 4)
    stopped = r"failed on 3 questions in a row \(q\w+, q\w+, q\w+\)"
    with hostile_endpoint(SERVER_ERROR) as endpoint, pytest.raises(LLMError, match=stopped):
        _eval_against(built_index, gold, endpoint.url)


def test_the_command_names_the_failed_question_and_exits_1(built_index, tmp_path: Path) -> None:
    gold, record = _gold(tmp_path, 2), tmp_path / "run.jsonl"
    with hostile_endpoint(SERVER_ERROR, SERVER_ERROR, ANSWER) as endpoint:
        env = {
            "LGSCO_LLM__BASE_URL": endpoint.url,
            "LGSCO_LLM__API_KEY": "k",
            "LGSCO_LLM__MODEL": "flaky",
        }
        result = run_cli(
            "eval", "--gold", str(gold), "--llm", "openai", "--systems", "pipeline",
            "--index", str(built_index.dir), "--record", str(record), env=env,
        )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    first = json.loads(gold.read_text().splitlines()[0])["id"]
    assert f"1 question(s) got no answer, the model failed: {first}" in " ".join(
        result.stderr.split()
    )
    assert "Traceback" not in result.stderr + result.stdout
    rows = [json.loads(line) for line in record.read_text().splitlines()]
    assert [r["id"] for r in rows if "error" in r] == [first]
