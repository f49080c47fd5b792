"""The embedded model on the installed runtime against the pinned prebuilt wheel.

    PYTHONPATH=. .venv/bin/python benchmarks/runtime.py [--questions 10] [--rounds 2] [--json]

`assistant model build` installs xllamacpp built for this CPU (`assistant/llm/runtime.py`).
This puts the requests `assistant ask` sends for the first `--questions` answerable
questions of evals/gold.jsonl (as in `benchmarks/prompt_lookup.py`) to a server on the
installed runtime and to one on the prebuilt wheel (installed once into a folder under
/tmp and put first on the server's import path), alternating over `--rounds` so a busy
machine weighs on both alike. The prompt cache stays on, as shipped, and the first request
of each server (which reads the system prompt too) is left out. Prints each runtime's
prompt-reading and reply-writing speed from the server's own timings, and the ratios.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

import assistant  # noqa: F401 - environment first
from assistant.llm.local_server import LocalServer, ensure_local_model
from assistant.llm.runtime import XLLAMACPP_VERSION, runtime_info
from assistant.settings import Settings
from benchmarks.prompt_lookup import requests

PREBUILT = Path("/tmp/lgsco-bench-prebuilt-runtime") / XLLAMACPP_VERSION


@dataclass
class Tally:
    prompt_tokens: int = 0
    prompt_ms: float = 0.0
    reply_tokens: int = 0
    reply_ms: float = 0.0

    def figures(self) -> dict[str, float]:
        return {
            "prompt_tokens_per_s": round(self.prompt_tokens / self.prompt_ms * 1000, 1),
            "reply_tokens_per_s": round(self.reply_tokens / self.reply_ms * 1000, 1),
            "prompt_s": round(self.prompt_ms / 1000, 2),
            "reply_s": round(self.reply_ms / 1000, 2),
        }


def prebuilt_folder() -> Path:
    """The pinned prebuilt wheel installed into its own folder (once)."""
    if not (PREBUILT / "xllamacpp").is_dir():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
                "--target",
                str(PREBUILT),
                f"xllamacpp=={XLLAMACPP_VERSION}",
            ],
            check=True,
        )
    return PREBUILT


def run(settings: Settings, path: Path | None, bodies: list[dict], tally: Tally) -> None:
    """Start a server (its runtime from `path` when given), send every request, tally."""
    server = LocalServer(ensure_local_model(settings.llm), settings.llm, runtime_path=path)
    try:
        with httpx.Client(base_url=server.url, timeout=settings.llm.timeout_s) as client:
            for n, body in enumerate(bodies):
                timings = client.post("/v1/chat/completions", json=body).json()["timings"]
                if n == 0:
                    continue  # the system prompt is read once per server
                tally.prompt_tokens += timings["prompt_n"]
                tally.prompt_ms += timings["prompt_ms"]
                tally.reply_tokens += timings["predicted_n"]
                tally.reply_ms += timings["predicted_ms"]
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    bodies = requests(settings, args.questions)
    prebuilt = prebuilt_folder()
    tallies = {"installed": Tally(), "prebuilt": Tally()}
    for round_ in range(args.rounds):
        order = ("installed", "prebuilt") if round_ % 2 == 0 else ("prebuilt", "installed")
        for name in order:
            run(settings, prebuilt if name == "prebuilt" else None, bodies, tallies[name])
    installed, wheel = tallies["installed"].figures(), tallies["prebuilt"].figures()
    figures = {
        "installed_runtime": runtime_info(),
        "questions": len(bodies) - 1,
        "rounds": args.rounds,
        "installed": installed,
        "prebuilt": wheel,
        "prompt_speed_ratio": round(
            installed["prompt_tokens_per_s"] / wheel["prompt_tokens_per_s"], 3
        ),
        "reply_speed_ratio": round(
            installed["reply_tokens_per_s"] / wheel["reply_tokens_per_s"], 3
        ),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"installed: {figures['installed_runtime']}")
    print(f"{figures['questions']} requests x {args.rounds} round(s) each")
    for name, f in (("installed", installed), ("prebuilt", wheel)):
        print(
            f"{name:>9}: prompt {f['prompt_tokens_per_s']:5.1f} tokens/s ({f['prompt_s']} s), "
            f"replies {f['reply_tokens_per_s']:5.1f} tokens/s ({f['reply_s']} s)"
        )
    print(
        f"installed / prebuilt speed: prompt {figures['prompt_speed_ratio']}, "
        f"replies {figures['reply_speed_ratio']}"
    )


if __name__ == "__main__":
    main()
