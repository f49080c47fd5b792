"""Long paragraphs cut to their sentences nearest the question: the embedded model's wait.

    PYTHONPATH=. .venv/bin/python benchmarks/focus.py [--questions 12] [--words 60] [--json]

The first `--questions` answerable questions of evals/gold.jsonl are put to the embedded
model as `assistant ask` puts them (`benchmarks/prompt_lookup.requests`), once with every
paragraph shown whole (`LLMSettings.focus_words` 0) and once with paragraphs longer than
`--words` words cut (`assistant/answer/focus.py`), the two alternating question by question
in one server so a busy machine weighs on both alike, with the prompt cache off so every
prompt is read whole. The server's own timings are read. Prints each way's prompt tokens,
prompt-reading and reply-writing time (sums), their ratios cut/whole, and how many replies
were the same word for word.
"""

from __future__ import annotations

import argparse
import json
import statistics

import httpx

import assistant  # noqa: F401 - environment first
from assistant.llm.local_server import LocalServer, ensure_local_model
from assistant.settings import Settings, with_focus_words
from benchmarks.prompt_lookup import requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=12)
    parser.add_argument("--words", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    ways = {
        "whole": requests(with_focus_words(settings, 0), args.questions),
        "cut": requests(with_focus_words(settings, args.words), args.questions),
    }
    timings: dict[str, list[dict]] = {name: [] for name in ways}
    replies: dict[str, list[str]] = {name: [] for name in ways}
    server = LocalServer(ensure_local_model(settings.llm), settings.llm)
    try:
        with httpx.Client(base_url=server.url, timeout=settings.llm.timeout_s) as client:
            for index in range(len(ways["whole"])):
                order = ("whole", "cut") if index % 2 == 0 else ("cut", "whole")
                for name in order:
                    body = {**ways[name][index], "cache_prompt": False}
                    reply = client.post("/v1/chat/completions", json=body).json()
                    timings[name].append(reply["timings"])
                    replies[name].append(reply["choices"][0]["message"]["content"])
    finally:
        server.stop()

    def total(name: str, field: str) -> float:
        return sum(t[field] for t in timings[name])

    figures: dict[str, object] = {"questions": len(ways["whole"]), "words": args.words}
    for name in ways:
        figures[name] = {
            "prompt_tokens_mean": round(total(name, "prompt_n") / len(timings[name]), 1),
            "prompt_s_total": round(total(name, "prompt_ms") / 1000, 2),
            "prompt_s_median": round(
                statistics.median(t["prompt_ms"] for t in timings[name]) / 1000, 2
            ),
            "reply_tokens_mean": round(total(name, "predicted_n") / len(timings[name]), 1),
            "reply_s_total": round(total(name, "predicted_ms") / 1000, 2),
        }
    figures["ratio_prompt_time_cut_whole"] = round(
        total("cut", "prompt_ms") / total("whole", "prompt_ms"), 3
    )
    figures["ratio_total_time_cut_whole"] = round(
        (total("cut", "prompt_ms") + total("cut", "predicted_ms"))
        / (total("whole", "prompt_ms") + total("whole", "predicted_ms")),
        3,
    )
    figures["same_replies"] = sum(
        a == b for a, b in zip(replies["whole"], replies["cut"], strict=True)
    )
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{figures['questions']} questions; paragraphs over {args.words} words cut")
    for name in ways:
        f = figures[name]
        assert isinstance(f, dict)
        print(
            f"{name:>5}: {f['prompt_tokens_mean']:6.1f} prompt tokens a question, read in "
            f"{f['prompt_s_total']:6.2f} s in all (median {f['prompt_s_median']:5.2f} s); "
            f"{f['reply_tokens_mean']:5.1f} reply tokens, written in {f['reply_s_total']:6.2f} s"
        )
    print(f"prompt reading cut/whole: {figures['ratio_prompt_time_cut_whole']}")
    print(f"reading + writing cut/whole: {figures['ratio_total_time_cut_whole']}")
    print(f"same reply word for word: {figures['same_replies']} of {figures['questions']}")


if __name__ == "__main__":
    main()
