"""Prompt reading on the embedded model under llama.cpp's batch and attention settings.

    PYTHONPATH=. .venv/bin/python benchmarks/server_settings.py [--questions 6] [--json]

Prompt reading is most of the time to the first token on 2 cores. The first `--questions`
answerable questions of evals/gold.jsonl (the requests `assistant ask` sends, as in
`benchmarks/prompt_lookup.py`) are put to a server started with each setting in turn, with
the prompt cache off so every prompt is read whole, and the server's own timings are read.
The shipped server (`assistant/llm/server.py`) leaves these settings at llama.cpp's
defaults; it is measured first and again last, so the spread between those two runs is
the noise the other rows are read against. Prints each setting's median prompt-reading
and reply-writing speed (tokens a second) and its prompt-reading ratio to the first run.
"""

from __future__ import annotations

import argparse
import json
import statistics
from typing import Any

import httpx

import assistant  # noqa: F401 - environment first
from assistant.llm.local_server import ensure_local_model
from assistant.llm.server import server_params
from assistant.settings import Settings
from assistant.ui.replicas import free_ports
from benchmarks.prompt_lookup import requests

# (name, CommonParams fields to set). flash_attn_type: -1 auto (the default), 0 off, 1 on.
SETTINGS: list[tuple[str, dict[str, Any]]] = [
    ("defaults (shipped)", {}),
    ("n_ubatch 256", {"n_ubatch": 256}),
    ("n_ubatch 1024", {"n_ubatch": 1024}),
    ("flash attention off", {"flash_attn_type": 0}),
    ("flash attention on", {"flash_attn_type": 1}),
    ("defaults again", {}),
]


def measure(settings: Settings, fields: dict[str, Any], bodies: list[dict]) -> dict[str, float]:
    """Median prompt-reading and reply-writing speed of the embedded server's parameters
    (without prompt lookup) with `fields` set as well. The server runs in this process:
    these settings are not among the child's arguments."""
    import xllamacpp

    llm = settings.llm
    params = server_params(
        str(ensure_local_model(llm)),
        free_ports(1)[0],
        llm.local_context,
        llm.local_threads,
        lookup=False,  # prompt reading is what is measured; drafting only writes replies
    )
    params.verbosity = 0
    for name, value in fields.items():
        setattr(params, name, value)
    server = xllamacpp.Server(params)
    reading, writing = [], []
    try:
        with httpx.Client(base_url=server.listening_address, timeout=600) as client:
            for body in bodies:
                timings = client.post(
                    "/v1/chat/completions", json={**body, "cache_prompt": False}
                ).json()["timings"]
                reading.append(timings["prompt_per_second"])
                writing.append(timings["predicted_per_second"])
    finally:
        del server
    return {
        "prompt_tokens_per_s": round(statistics.median(reading), 1),
        "reply_tokens_per_s": round(statistics.median(writing), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=6)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    bodies = requests(settings, args.questions)
    rows = [(name, measure(settings, fields, bodies)) for name, fields in SETTINGS]
    first = rows[0][1]["prompt_tokens_per_s"]
    for _, figures in rows:
        figures["prompt_ratio_to_first"] = round(figures["prompt_tokens_per_s"] / first, 3)
    if args.json:
        print(json.dumps({"questions": len(bodies), "settings": dict(rows)}))
        return
    print(f"{len(bodies)} questions, prompt cache off")
    for name, figures in rows:
        print(
            f"{name:22s} prompt {figures['prompt_tokens_per_s']:6.1f} tok/s "
            f"(x{figures['prompt_ratio_to_first']:.3f})  reply "
            f"{figures['reply_tokens_per_s']:5.1f} tok/s"
        )


if __name__ == "__main__":
    main()
