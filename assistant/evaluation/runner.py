"""Run a gold set through our pipeline and the baselines, and record the run.

A run is one JSON Lines file under `evals/runs/`: a `run` line (git commit, index
fingerprint, model, prompt version, settings, gold file digest), one `question` line per
system and question, and a `summary` line. Baseline comparison reads the same files.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer import Assistant, Turn, join_follow_up
from assistant.answer.context import ANSWER_KEYS
from assistant.errors import LLMError
from assistant.evaluation.gold import GoldQuestion, file_digest, load_gold
from assistant.evaluation.metrics import (
    COST_METRICS,
    aggregators,
    answer_metrics,
    first_match,
    model_speeds,
    percentile,
    retrieval_metrics,
)
from assistant.evaluation.splits import question_splits, split_means
from assistant.evaluation.systems import SYSTEMS, as_item, make_systems
from assistant.index import Index
from assistant.llm.backend import ChatBackend
from assistant.llm.runtime import runtime_info
from assistant.settings import LLMBackend, Settings
from assistant.types import Answer

Progress = Callable[[int, int, str], None]


def step_counter(total: int, progress: Progress | None) -> Callable[[str], None]:
    """A callback that counts one of `total` steps done and reports it under its label."""
    done = 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, label)

    return tick


PIPELINE = "pipeline"
# Model failures in a row after which an eval stops: the model (or its server) is gone.
MAX_FAILURES_IN_A_ROW = 3
_STAGES = ("retrieval_s", "evidence_s", "first_token_s", "generation_s", "total_s")


class FailureStreak:
    """Model failures in a row over a run: one failed reply (a timeout, a dropped
    connection) is recorded and the run goes on; `MAX_FAILURES_IN_A_ROW` in a row mean the
    model or its server is gone, and the run stops with one error naming them."""

    def __init__(self, items: str) -> None:
        self.items = items  # what the run goes through: "questions", "complaints"
        self.ids: list[str] = []

    def passed(self) -> None:
        self.ids = []

    def failed(self, item: str, exc: LLMError) -> None:
        self.ids.append(item)
        if len(self.ids) >= MAX_FAILURES_IN_A_ROW:
            raise LLMError(
                f"the model failed on {len(self.ids)} {self.items} in a row "
                f"({', '.join(self.ids)}), so the eval stopped: {exc}"
            ) from exc


@dataclass
class EvalRun:
    header: dict[str, Any]
    questions: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return int(self.header["k"])

    @property
    def with_answers(self) -> bool:
        return self.header["mode"] != "retrieval-only"

    def rows(self, system: str = PIPELINE) -> dict[str, dict[str, Any]]:
        return {q["id"]: q for q in self.questions if q["system"] == system}

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as f:
            for line in [self.header, *self.questions, self.summary]:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def read(cls, path: Path) -> EvalRun:
        from assistant.errors import InputError

        if not path.is_file():
            raise InputError(f"No eval run at {path}")
        run: EvalRun | None = None
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise InputError(f"{path}:{number}: not a line of an eval run record") from None
            kind = row.get("type")
            if kind == "run":
                run = cls(header=row)
            elif run is None:
                raise InputError(f"{path}: the first line must be the run header")
            elif kind == "question":
                run.questions.append(row)
            elif kind == "summary":
                run.summary = row
        if run is None or not run.summary:
            raise InputError(f"{path}: an incomplete eval run record (no header or summary)")
        return run


def run_eval(
    settings: Settings,
    gold_path: Path,
    *,
    k: int = 5,
    llm: LLMBackend | None = None,
    retrieval_only: bool = False,
    systems: Sequence[str] = SYSTEMS,
    progress: Progress | None = None,
    index: Index | None = None,
    backend: ChatBackend | None = None,
    mode: str | None = None,
) -> EvalRun:
    """`backend` (a replay, a test's scripted model) answers instead of the `llm` backend;
    `mode` then names the run."""
    gold = load_gold(gold_path)
    settings = settings.model_copy(
        update={"retrieval": settings.retrieval.model_copy(update={"k": k})}
    )
    assistant = Assistant(settings, llm=llm, backend=backend, index=index)
    index = assistant.index  # checks the fingerprint before anything runs
    baselines = [s for s in make_systems(index, settings.retrieval, systems) if s.name != PIPELINE]
    run = EvalRun(
        header=_header(
            settings,
            assistant,
            gold_path=gold_path,
            gold=gold,
            k=k,
            llm=llm,
            retrieval_only=retrieval_only,
            mode=mode,
        )
    )
    tick = step_counter(len(gold) * (len(baselines) + (1 if PIPELINE in systems else 0)), progress)
    splits = {q.id: question_splits(q, index.store) for q in gold}

    if PIPELINE in systems:
        streak = FailureStreak("questions")
        for question in gold:
            try:
                row = _pipeline_row(assistant, question, k, with_answers=not retrieval_only)
                streak.passed()
            except LLMError as exc:
                streak.failed(question.id, exc)
                row = _failed_row(assistant, question, k, str(exc))
            row["splits"] = list(splits[question.id])
            run.questions.append(row)
            tick(f"{PIPELINE} {question.id}")
    for system in baselines:
        for question in gold:
            query = standalone_query(question)
            started = time.perf_counter()
            items = system.search(query, question.filters, k)
            elapsed = time.perf_counter() - started
            row = _row(system.name, question, query, items, k)
            row["timings"] = {"retrieval_s": round(elapsed, 4)}
            row["splits"] = list(splits[question.id])
            run.questions.append(row)
            tick(f"{system.name} {question.id}")
    run.summary = summarise(run)
    run.header["finished"] = utc_now()
    return run


def standalone_query(question: GoldQuestion) -> str:
    """What is searched for a gold question: a follow-up joined to the question before."""
    return (
        join_follow_up(question.history[-1], question.question)
        if question.history
        else (question.question)
    )


def _pipeline_row(
    assistant: Assistant, question: GoldQuestion, k: int, *, with_answers: bool
) -> dict[str, Any]:
    if with_answers:
        history = [Turn(q, "") for q in question.history]
        answer = assistant.ask(question.question, question.filters, history)
        row = _row(
            PIPELINE, question, answer.standalone_question, [as_item(h) for h in answer.hits], k
        )
        row["metrics"].update(answer_metrics(question, answer))
        row["answer"] = _answer_record(answer)
        row["timings"] = answer.timings
        row["usage"] = answer.usage
        return row
    query = standalone_query(question)
    started = time.perf_counter()
    hits = assistant.retrieve(query, question.filters, k)
    elapsed = time.perf_counter() - started
    row = _row(PIPELINE, question, query, [as_item(h) for h in hits], k)
    # Without a model, abstention is the relevance gate's decision, which ask also uses.
    relevant = assistant.answerable(query, hits, question.question)
    row["metrics"]["abstained"] = 0.0 if relevant else 1.0
    row["timings"] = {"retrieval_s": round(elapsed, 4)}
    return row


def _failed_row(assistant: Assistant, question: GoldQuestion, k: int, error: str) -> dict[str, Any]:
    """A question whose model reply failed: its retrieval scored, no answer metric (the
    summary counts it under `failed`, so an answer rate is never raised by leaving it out
    unseen)."""
    query = standalone_query(question)
    hits = assistant.retrieve(query, question.filters, k)
    row = _row(PIPELINE, question, query, [as_item(h) for h in hits], k)
    row["error"] = error
    return row


def _row(system: str, question: GoldQuestion, query: str, items: list, k: int) -> dict[str, Any]:
    metrics: dict[str, float | None] = retrieval_metrics(items, question.expected, k)
    metrics["unanswerable"] = 0.0 if question.answerable else 1.0
    return {
        "type": "question",
        "system": system,
        "id": question.id,
        "question": question.question,
        "standalone": query,
        "answerable": question.answerable,
        "filters": question.filters.model_dump(mode="json", exclude_none=True),
        "expected": [e.model_dump() for e in question.expected],
        "retrieved": [
            {
                "refs": list(item.refs),
                "paragraph": item.paragraph,
                "section": item.section,
                "text": item.text[:300],
                "match": first_match(item, question.expected),
            }
            for item in items
        ],
        "metrics": metrics,
    }


def _answer_record(answer: Answer) -> dict[str, Any]:
    return {
        "text": answer.text,
        "answered": answer.answered,
        "citations": [
            {"ref": c.ref, "paragraph": c.paragraph, "section": c.section} for c in answer.citations
        ],
        "verification": answer.verification.model_dump(mode="json"),
        "model": answer.model,
        # The model's own words, so a change to verification can be replayed on them.
        "model_output": answer.model_output,
        # The sentence the model searched with, so a replay searches with it again.
        "search_sentence": answer.search_sentence,
    }


def summarise(run: EvalRun) -> dict[str, Any]:
    by_system: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in run.questions:
        by_system[row["system"]].append(row)
    systems: dict[str, Any] = {}
    for name, rows in by_system.items():
        metric_rows = [r["metrics"] for r in rows]
        with_answers = run.with_answers and name == PIPELINE
        summary: dict[str, Any] = {
            metric: round_figure(aggregate(metric_rows))
            for metric, aggregate in aggregators(run.k, with_answers).items()
        }
        if name == PIPELINE and not with_answers:
            summary.update(
                {
                    metric: round_figure(aggregate(metric_rows))
                    for metric, aggregate in aggregators(run.k, True).items()
                    if metric.startswith("abstention")
                }
            )
        if with_answers:
            # Questions whose model reply failed: no answer metric counts them.
            summary["failed"] = sum(1 for r in rows if "error" in r)
            for cost in COST_METRICS:
                summary[cost] = round_figure(sum(r.get(cost) or 0.0 for r in metric_rows))
            answered = [r for r in metric_rows if r.get("abstained") == 0.0]
            summary["interventions_per_answer"] = round_figure(
                sum(r.get("interventions") or 0.0 for r in answered) / len(answered)
                if answered
                else None
            )
            summary["prompt_tokens_per_question"] = round_figure(
                sum(r.get("usage", {}).get("prompt_tokens", 0) for r in rows) / len(rows)
            )
            summary.update({name: round_figure(v) for name, v in model_speeds(rows).items()})
            summary["tokens"] = {
                "prompt": sum(r.get("usage", {}).get("prompt_tokens", 0) for r in rows),
                "completion": sum(r.get("usage", {}).get("completion_tokens", 0) for r in rows),
            }
        latency = {}
        for stage in _STAGES:
            values = [r["timings"][stage] for r in rows if stage in r.get("timings", {})]
            if values:
                latency[stage] = {
                    "p50": round_figure(percentile(values, 0.5)),
                    "p95": round_figure(percentile(values, 0.95)),
                }
        summary["latency"] = latency
        summary["splits"] = _by_split(rows, run.k)
        summary["questions"] = len(rows)
        systems[name] = summary
    return {"type": "summary", "systems": systems}


def _by_split(rows: Sequence[dict[str, Any]], k: int) -> dict[str, dict[str, float | None]]:
    """Retrieval figures for each split beyond "all" that holds a question (see
    `splits.question_splits`); none for a run recorded before rows named their splits."""
    figures = split_means(
        ((r.get("splits", ()), r["metrics"]) for r in rows), (f"hit@{k}", f"recall@{k}", "mrr")
    )
    return {
        split: {"questions": count, **{name: round_figure(mean) for name, mean in means.items()}}
        for split, (count, means) in figures.items()
        if split != "all" and count
    }


def run_stamp(header: dict) -> str:
    """When a run started, for its file name: 20261124T185547."""
    return header["started"].replace(":", "").replace("-", "")[:15]


def default_run_path(runs_dir: Path, run: EvalRun) -> Path:
    commit = (run.header["git"].get("commit") or "nogit")[:8]
    # A drafts run is named as one: 20261126T132100-720a594a-drafts-local.jsonl
    mode = "-".join(filter(None, (run.header.get("kind"), run.header["mode"])))
    return runs_dir / f"{run_stamp(run.header)}-{commit}-{mode}.jsonl"


def _header(
    settings: Settings,
    assistant: Assistant,
    *,
    gold_path: Path,
    gold: list[GoldQuestion],
    k: int,
    llm: LLMBackend | None,
    retrieval_only: bool,
    mode: str | None = None,
) -> dict[str, Any]:
    model = None if retrieval_only else assistant.backend.name
    backend = mode or llm or settings.llm.backend
    return {
        "type": "run",
        "started": utc_now(),
        "git": git_state(),
        "gold": {"path": str(gold_path), "sha256": file_digest(gold_path), "questions": len(gold)},
        "k": k,
        "mode": "retrieval-only" if retrieval_only else backend,
        "model": model,
        # Which build of llama.cpp served the embedded model (`assistant model build`).
        "runtime": runtime_info() if backend == "local" and not retrieval_only else None,
        "prompt_version": None if retrieval_only else assistant.answer_prompt.version,
        # How the model was shown its keys; a replay translates a run recorded with others.
        "context_keys": None if retrieval_only else ANSWER_KEYS,
        # How much of a long paragraph the model was shown (`focus`); a replay shows the same.
        "focus_words": None if retrieval_only else settings.llm.focus_words,
        "index": index_record(assistant.index),
        "settings": {
            "retrieval": settings.retrieval.model_dump(mode="json"),
            "embedding": settings.embedding.model_dump(mode="json"),
            # The backend the run used (`--llm`, or a replay), not the configured default.
            "llm": {
                **settings.llm.model_dump(
                    mode="json", include={"temperature", "max_tokens", "model"}
                ),
                "backend": backend,
            },
        },
    }


def index_record(index: Index) -> dict[str, Any]:
    """The index a run read, as its header records it."""
    stats = index.store.stats()
    return {
        "dir": str(index.dir),
        "fingerprint": index.stored_fingerprint(),
        "decisions": stats["decisions"],
        "paragraphs": stats["paragraphs"],
    }


def git_state() -> dict[str, Any]:
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": bool(dirty)}


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def round_figure(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
