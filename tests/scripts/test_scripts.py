"""README's commands are shell scripts: they must parse, pass shellcheck, and run as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHEBANG = re.compile(rb"^#!.*\b(ba|da)?sh\b")
CITATION = re.compile(r"\[\d{2} \d{3} \d{3} ¶\d+\]")


def shell_scripts() -> list[Path]:
    """Every file in the repo whose first line names a shell, wherever it lives."""
    skip = {".git", ".venv", "node_modules", "__pycache__", "index"}
    found = []
    for path in ROOT.rglob("*"):
        if any(part in skip for part in path.relative_to(ROOT).parts) or not path.is_file():
            continue
        with path.open("rb") as handle:
            if SHEBANG.match(handle.readline()):
                found.append(path)
    return sorted(found)


def test_every_shell_script_passes_shellcheck() -> None:
    scripts = shell_scripts()
    names = {str(p.relative_to(ROOT)) for p in scripts}
    assert {".ci/run", "scripts/demo", "scripts/setup", "scripts/test"} <= names
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is missing: 'bash scripts/setup --dev' installs it"
    result = subprocess.run([shellcheck, *map(str, scripts)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_demo_answers_a_question_with_quotes_in_it(tmp_path: Path) -> None:
    """README's main command with an argument holding both kinds of quote, end to end (set-up,
    model fetch, ingest, ask) on the deterministic model; CI runs it with no argument on the
    embedded model."""
    question = 'My nan\'s complaint about "stage two" was refused: what did the Ombudsman say?'
    env = {
        **os.environ,
        "LGSCO_LLM__BACKEND": "fake",
        "LGSCO_INDEX_DIR": str(tmp_path / "index"),
    }
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo"), question],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"demo: asking: {question}" in result.stdout
    assert CITATION.search(result.stdout), result.stdout[-3000:]
    assert re.search(r"^verification: .+", result.stdout, re.MULTILINE), result.stdout[-3000:]
    assert (tmp_path / "index").is_dir()
