"""Nothing leaves the machine (issue 17, finding 4): ingest, ask, draft, exports, eval and
the web app run in a child process in which every outbound connection is refused and
recorded, with every telemetry and tracing variable of the environment set to send
(LangSmith tracing on, Chroma and Gradio telemetry on, the hub online). Only the
deliberate control connection is recorded, and no API key is in any artefact."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import CORPUS, ROOT

HERE = Path(__file__).resolve().parent
KEYS = {
    "LGSCO_LLM__API_KEY": "sk-project-sentinel-7f3a9c",
    "OPENAI_API_KEY": "sk-openai-sentinel-2b8e41",
    "LANGSMITH_API_KEY": "lsv2-langsmith-sentinel-5d0c77",
}
LEAKY = {
    "LANGSMITH_TRACING": "true",
    "LANGCHAIN_TRACING_V2": "true",
    "LANGSMITH_ENDPOINT": "https://api.smith.langchain.com",
    "ANONYMIZED_TELEMETRY": "True",
    "GRADIO_ANALYTICS_ENABLED": "True",
    "HF_HUB_OFFLINE": "0",
    "TRANSFORMERS_OFFLINE": "0",
    "HF_HUB_DISABLE_TELEMETRY": "0",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def artefact_texts(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` as bytes, Word documents unpacked."""
    found = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".docx":
            with zipfile.ZipFile(path) as z:
                found[str(path)] = b"".join(z.read(n) for n in z.namelist())
        else:
            found[str(path)] = path.read_bytes()
    return found


def test_ingest_ask_draft_eval_and_serve_contact_nothing_but_this_machine(tmp_path: Path) -> None:
    guard = tmp_path / "guard"
    guard.mkdir()
    shutil.copy(HERE / "guard_sitecustomize.py", guard / "sitecustomize.py")
    work = tmp_path / "work"
    work.mkdir()
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join((ROOT / "evals" / "gold.jsonl").read_text().splitlines(True)[:2]))
    log = tmp_path / "attempts.jsonl"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LGSCO_", "LANG"))},
        **KEYS,
        **LEAKY,
        "LGSCO_GUARD_LOG": str(log),
        "PYTHONPATH": f"{guard}{os.pathsep}{ROOT}",
        "HOME": str(tmp_path),  # no user config or cache beyond what the test gives
        "HF_HOME": os.environ.get("HF_HOME", str(Path.home() / ".cache" / "huggingface")),
    }
    result = subprocess.run(
        [
            sys.executable,
            str(HERE / "child_run.py"),
            *(
                str(work),
                str(CORPUS / "decisions"),
                str(ROOT / "evals" / "complaints" / "refused-stage-two.txt"),
            ),
            *(str(gold), str(free_port())),
        ],
        env=env,
        capture_output=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    outcome = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert outcome["decisions"] == 5 and outcome["answered"] and outcome["letter"]
    assert outcome["pages"] == [200, 200]
    attempts = [json.loads(line) for line in log.read_text().splitlines()]
    # The control connection shows the guard is on; it is the only attempt.
    assert outcome["control"] == "refused"
    assert [a["host"] for a in attempts] == ["198.51.100.7"], attempts
    # No key in the logs (the child logged at DEBUG), the eval record, the exports or the
    # index folder.
    artefacts = artefact_texts(work) | {"stdout": result.stdout, "stderr": result.stderr}
    assert len(artefacts) > 10 and any(name.endswith("run.jsonl") for name in artefacts)
    for name, data in artefacts.items():
        for key in KEYS.values():
            assert key.encode() not in data, (key, name)
