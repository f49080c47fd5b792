"""Prompt-lookup decoding on the embedded model: reply-writing time with it off and on.

    PYTHONPATH=. .venv/bin/python benchmarks/prompt_lookup.py [--questions 12] [--rounds 1]
        [--json]

The first `--questions` answerable questions of evals/gold.jsonl are retrieved for (k=5) and
put to the embedded model as `assistant ask` puts them (answer prompt, claims schema), once
by a server without prompt lookup and once by one with it (`LLMSettings.local_prompt_lookup`),
each in a server of its own, configurations alternating over `--rounds` so a busy machine
weighs on both alike. The server's own timings are read: reply tokens and the milliseconds
spent writing them, and the prompt's. Prints each configuration's reply-writing time (sum
and median), its tokens a second, the ratio on/off, and how many replies were the same word
for word: greedy decoding with lookup must write the reply it writes without.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import httpx

import assistant  # noqa: F401 - environment first
from assistant.answer.assistant import Assistant, kind_asked
from assistant.answer.claims import claims_schema
from assistant.answer.context import Context
from assistant.evaluation.gold import load_gold
from assistant.injection import neutralise
from assistant.llm.backend import json_schema_format
from assistant.llm.local_server import LocalServer, ensure_local_model
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Tally:
    replies: list[str] = field(default_factory=list)
    reply_ms: list[float] = field(default_factory=list)
    reply_tokens: list[int] = field(default_factory=list)
    prompt_ms: list[float] = field(default_factory=list)


def requests(settings: Settings, count: int) -> list[dict]:
    """The chat requests `assistant ask` would send for the first `count` answerable
    questions of the project's gold set, long paragraphs cut as `settings.llm.focus_words`
    says."""
    helper = Assistant(settings, llm="fake")
    bodies = []
    for question in [q for q in load_gold(ROOT / "evals" / "gold.jsonl") if q.answerable][:count]:
        hits, _ = helper.evidence(question.question, question.filters, 5)
        asked = kind_asked(question.question, question.question)
        shown = helper.focus.bodies(question.question, [hit.text for hit in hits], asked)
        context = Context.of(hits, bodies=shown)
        messages = helper.answer_prompt.messages(
            context=context.text, question=neutralise(question.question)
        )
        schema = claims_schema(list(context.shown))
        bodies.append(
            {
                "model": "local",
                "messages": [
                    {"role": "system" if m.type == "system" else "user", "content": m.content}
                    for m in messages
                ],
                "temperature": settings.llm.temperature,
                "max_tokens": settings.llm.max_tokens,
                "response_format": json_schema_format(schema),
            }
        )
    return bodies


def run(settings: Settings, lookup: bool, bodies: list[dict], tally: Tally) -> None:
    llm = settings.llm.model_copy(update={"local_prompt_lookup": lookup})
    server = LocalServer(ensure_local_model(llm), llm)
    try:
        with httpx.Client(base_url=server.url, timeout=llm.timeout_s) as client:
            for body in bodies:
                reply = client.post("/v1/chat/completions", json=body).json()
                timings = reply["timings"]
                tally.replies.append(reply["choices"][0]["message"]["content"])
                tally.reply_ms.append(timings["predicted_ms"])
                tally.reply_tokens.append(timings["predicted_n"])
                tally.prompt_ms.append(timings["prompt_ms"])
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    bodies = requests(settings, args.questions)
    tallies = {False: Tally(), True: Tally()}
    for round_ in range(args.rounds):
        for lookup in (False, True) if round_ % 2 == 0 else (True, False):
            run(settings, lookup, bodies, tallies[lookup])
    off, on = tallies[False], tallies[True]
    same = sum(a == b for a, b in zip(off.replies, on.replies, strict=True))
    figures = {
        "questions": len(bodies),
        "rounds": args.rounds,
        "same_replies": same,
        "replies": len(off.replies),
        "ratio_reply_time_on_off": round(sum(on.reply_ms) / sum(off.reply_ms), 3),
    }
    for name, tally in (("off", off), ("on", on)):
        figures[name] = {
            "reply_s_total": round(sum(tally.reply_ms) / 1000, 2),
            "reply_s_median": round(statistics.median(tally.reply_ms) / 1000, 2),
            "reply_tokens_per_s": round(sum(tally.reply_tokens) / sum(tally.reply_ms) * 1000, 1),
            "prompt_s_median": round(statistics.median(tally.prompt_ms) / 1000, 2),
        }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{figures['questions']} questions x {args.rounds} round(s)")
    for name in ("off", "on"):
        f = figures[name]
        print(
            f"lookup {name:>3}: replies {f['reply_s_total']:7.2f} s in all, median "
            f"{f['reply_s_median']:5.2f} s, {f['reply_tokens_per_s']:5.1f} tokens/s; "
            f"prompt median {f['prompt_s_median']:5.2f} s"
        )
    print(f"reply-writing time on/off: {figures['ratio_reply_time_on_off']}")
    print(f"same reply word for word: {same} of {figures['replies']}")


if __name__ == "__main__":
    main()
