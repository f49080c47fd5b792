"""The support check, measured on statements labelled by someone who never saw it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_support_check_keeps_faithful_statements_and_catches_unfaithful_ones() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "evals" / "measure_support.py"), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(result.stdout)
    assert summary["statements"] == 160
    # measured 0.078 and 0.757 (evals/README.md); a change that loosens or tightens the
    # check past these shows here
    assert summary["false_positive_rate"] <= 0.10
    assert summary["catch_rate"] >= 0.72
    assert summary["errors_by_kind"]["unsupported/unrelated"].startswith("0/")
