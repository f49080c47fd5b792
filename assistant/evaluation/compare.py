"""Compare a run with a baseline run: per metric, per question, with a paired bootstrap.

A metric regresses when it drops by more than `max_drop` *and* the drop is not noise: in a
paired bootstrap over the questions both runs share (resampled with replacement, fixed
seed), the upper end of the one-sided 95% interval of (current - baseline) is below zero.
One question flipping in a 50-question set is reported but does not fail the run.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.errors import InputError
from assistant.evaluation.metrics import LOWER_IS_BETTER, Aggregate, aggregators
from assistant.evaluation.runner import PIPELINE, EvalRun

BOOTSTRAP_SAMPLES = 2000
SEED = 20_26


@dataclass(frozen=True)
class MetricChange:
    metric: str
    baseline: float | None
    current: float | None
    interval: tuple[float, float] | None  # 5th and 95th percentile of current - baseline
    regressed: bool

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline

    @property
    def improved(self) -> bool:
        return _worsening(self.metric, self.baseline, self.current) < 0


@dataclass(frozen=True)
class QuestionChange:
    id: str
    question: str
    metric: str
    baseline: float
    current: float


@dataclass(frozen=True)
class Comparison:
    baseline_label: str
    metrics: list[MetricChange]
    better: list[QuestionChange]
    worse: list[QuestionChange]
    only_in_baseline: list[str]
    only_in_current: list[str]
    max_drop: float

    @property
    def regressions(self) -> list[MetricChange]:
        return [m for m in self.metrics if m.regressed]


def compare(current: EvalRun, baseline: EvalRun, max_drop: float = 0.02) -> Comparison:
    if current.k != baseline.k:
        raise InputError(
            f"The baseline was run with k={baseline.k} and this run with k={current.k}: "
            f"rerun with --k {baseline.k} to compare."
        )
    now_rows, base_rows = current.rows(PIPELINE), baseline.rows(PIPELINE)
    shared = [qid for qid in now_rows if qid in base_rows]
    if not shared:
        raise InputError("The baseline shares no question ids with this run's gold set.")
    with_answers = current.with_answers and baseline.with_answers
    changes: list[MetricChange] = []
    for metric, aggregate in _gated(current.k, with_answers, current, baseline).items():
        now = [now_rows[q]["metrics"] for q in shared]
        base = [base_rows[q]["metrics"] for q in shared]
        now_value, base_value = aggregate(now), aggregate(base)
        interval = bootstrap_interval(aggregate, now, base)
        worse_by = _worsening(metric, base_value, now_value)
        if metric in LOWER_IS_BETTER:
            beyond_noise = interval is not None and interval[0] > 0
        else:
            beyond_noise = interval is not None and interval[1] < 0
        regressed = worse_by > max_drop and beyond_noise
        changes.append(MetricChange(metric, base_value, now_value, interval, regressed))

    better, worse = [], []
    per_question = [f"hit@{current.k}", f"recall@{current.k}", "mrr"]
    if with_answers:
        per_question += [
            "citation_recall",
            "must_include",
            "groundedness",
            "verified_answer",
            "verified_on_point",
            "wrong_refusal",
        ]
    for qid in shared:
        for metric in per_question:
            new = now_rows[qid]["metrics"].get(metric)
            old = base_rows[qid]["metrics"].get(metric)
            if new is None or old is None or abs(new - old) < 1e-9:
                continue
            change = QuestionChange(qid, now_rows[qid]["question"], metric, old, new)
            (better if _worsening(metric, old, new) < 0 else worse).append(change)
    return Comparison(
        baseline_label=f"{baseline.header.get('started')} ({baseline.header.get('mode')})",
        metrics=changes,
        better=better,
        worse=worse,
        only_in_baseline=sorted(set(base_rows) - set(now_rows)),
        only_in_current=sorted(set(now_rows) - set(base_rows)),
        max_drop=max_drop,
    )


def _worsening(metric: str, baseline: float | None, current: float | None) -> float:
    """How much worse `current` is than `baseline` (negative: better; 0 when unknown)."""
    if baseline is None or current is None:
        return 0.0
    return current - baseline if metric in LOWER_IS_BETTER else baseline - current


def _gated(k: int, with_answers: bool, *runs: EvalRun) -> dict[str, Aggregate]:
    found = aggregators(k, with_answers=True)
    wanted = aggregators(k, with_answers)
    # Retrieval-only runs still measure abstention through the relevance gate.
    if all("abstention_recall" in r.summary["systems"].get(PIPELINE, {}) for r in runs):
        wanted.update({m: found[m] for m in ("abstention_precision", "abstention_recall")})
    return wanted


def bootstrap_interval(
    aggregate: Aggregate, now: Sequence[dict], base: Sequence[dict]
) -> tuple[float, float] | None:
    rng = random.Random(SEED)
    n = len(now)
    deltas: list[float] = []
    for _ in range(BOOTSTRAP_SAMPLES):
        picks = [rng.randrange(n) for _ in range(n)]
        a = aggregate([now[i] for i in picks])
        b = aggregate([base[i] for i in picks])
        if a is not None and b is not None:
            deltas.append(a - b)
    if not deltas:
        return None
    deltas.sort()
    return deltas[int(0.05 * (len(deltas) - 1))], deltas[int(0.95 * (len(deltas) - 1))]
