"""Finding 14: an eval record says which language model backend the run used, not the
configured default (a run made with --llm openai said "local")."""

from __future__ import annotations

from pathlib import Path

from assistant.evaluation import run_eval
from tests.conftest import ROOT, make_settings


def test_the_record_names_the_backend_the_run_used(built_index, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text((ROOT / "evals" / "gold.jsonl").read_text().splitlines()[0] + "\n")
    settings = make_settings(built_index.dir)
    assert settings.llm.backend == "local"
    for backend in ("openai", "fake"):
        run = run_eval(settings, gold, llm=backend, retrieval_only=True, systems=["pipeline"])
        assert run.header["settings"]["llm"]["backend"] == backend
    run = run_eval(settings, gold, retrieval_only=True, systems=["pipeline"])
    assert run.header["settings"]["llm"]["backend"] == "local"
