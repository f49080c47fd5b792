"""Nothing leaves the machine: every library's telemetry and tracing off in code.

The environment is not trusted to say so: a shell with `LANGSMITH_TRACING=true` (set for
another project) once sent a complaint to LangSmith from `assistant draft`. So:

- LangSmith / langchain tracing is switched off with `langsmith.configure(enabled=False)`,
  which wins over any environment variable, unless the project setting `tracing`
  (`LGSCO_TRACING=true`, or `tracing = true` in lgsco.toml) opts in; then the usual
  LangSmith variables decide.
- Chroma: every client is made with `anonymized_telemetry=False` (`index.vectors`,
  `evaluation.systems`); Gradio: the app's Blocks with `analytics_enabled=False`.
- Hugging Face: the model is loaded from its local path with `local_files_only=True`, and
  the hub is put offline and its telemetry off here, over whatever the environment says,
  before any hub client is imported (`assistant/__init__.py` calls `offline_environment`).

`tests/privacy/test_nothing_leaves.py` runs ingest, ask, draft, eval and the web app in a
child process whose every outbound connection is refused and recorded, with all of those
environment variables set to their leakiest values.
"""

from __future__ import annotations

import os

# Forced, not defaulted: the environment may say otherwise.
OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_OFFLINE": "1",
    "DO_NOT_TRACK": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
}


def offline_environment() -> None:
    """Put the hub clients offline and every telemetry switch off, over the environment."""
    os.environ.update(OFFLINE_ENVIRONMENT)


def keep_local(tracing: bool = False) -> None:
    """LangSmith tracing off in code, unless the project setting opts in."""
    import langsmith

    # None hands the decision back to the LangSmith environment variables.
    langsmith.configure(enabled=None if tracing else False)
