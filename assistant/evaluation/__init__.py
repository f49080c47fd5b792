"""Regression evals: gold sets, metrics, baselines, recorded runs, comparison and reports.

`assistant eval` is the command; `run_eval` the Python entry point. See evals/README.md for
the gold-set format and the definition of every metric.
"""

from assistant.evaluation.compare import Comparison, compare
from assistant.evaluation.gold import GoldQuestion, load_gold
from assistant.evaluation.report import write_report
from assistant.evaluation.runner import EvalRun, default_run_path, run_eval

__all__ = [
    "Comparison",
    "EvalRun",
    "GoldQuestion",
    "compare",
    "default_run_path",
    "load_gold",
    "run_eval",
    "write_report",
]
