"""Measure the model's search sentence: retrieval with the question alone against retrieval
with the question and the sentence the embedded model writes (`llm.search_sentence`).

    .venv/bin/python evals/search_sentence.py [SET ...] [--index DIR] [--cache FILE]

For each question of each gold set (default: all of `evals/gold*.jsonl`), as `ask` does with
`LGSCO_LLM__SEARCH_SENTENCE=true` (it ships off, for its cost in time; README):
search with the question; if the gate passes it, ask the model for one sentence in a
decision's wording that would answer it and search with the question and the sentence; keep
the new hits unless they would fail the gate. Prints hit@5 and MRR over the answerable
questions with and without the sentence, for the eval's paraphrase split, and how many
questions found their answer in the top 5 only with the sentence, or lost it. The gate's
decisions are the same both ways: it reads the question's own hits.

The sentences are written once and kept in the cache file (default
`evals/runs/search-sentences.json`, keyed by prompt version and question), so a second run
only searches. Needs the embedded model: about 2 s a question on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import assistant  # noqa: F401 - offline environment first
from assistant.answer import Assistant
from assistant.evaluation.gold import load_gold
from assistant.evaluation.metrics import retrieval_metrics
from assistant.evaluation.runner import standalone_query
from assistant.evaluation.splits import question_splits
from assistant.evaluation.systems import as_item
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent
K = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", help="gold set names (default: every evals/gold*)")
    parser.add_argument("--index", type=Path, help="index folder (default: settings)")
    parser.add_argument("--cache", type=Path, default=ROOT / "runs" / "search-sentences.json")
    args = parser.parse_args()
    settings = Settings() if args.index is None else Settings(index_dir=args.index)
    asker = Assistant(settings, llm="local")
    prompt = asker.prompt("search_sentence").version
    cache = json.loads(args.cache.read_text()) if args.cache.exists() else {}
    names = args.sets or sorted(p.stem for p in ROOT.glob("gold*.jsonl"))
    every: list[Row] = []
    print(f"{'set':14} {'n':>4}  hit@5 alone -> with   MRR alone -> with   paraphrase hit@5")
    for name in names:
        rows: list[Row] = []
        for gold in load_gold(ROOT / f"{name}.jsonl"):
            query = standalone_query(gold)
            alone, _ = asker.evidence(query, gold.filters, K)
            final = alone
            if asker.declined_because(query, alone, gold.question) is None:
                key = f"{prompt}|{query}"
                if key not in cache:
                    cache[key] = asker.search_sentence(query)
                    args.cache.parent.mkdir(parents=True, exist_ok=True)
                    args.cache.write_text(json.dumps(cache, indent=1, ensure_ascii=False))
                sentence = cache[key]
                if sentence:
                    found = asker.search_with_sentence(
                        query, gold.question, gold.filters, sentence, K
                    )
                    final = found[0] if found is not None else alone
            if gold.answerable:
                before = retrieval_metrics([as_item(h) for h in alone], gold.expected, K)
                after = retrieval_metrics([as_item(h) for h in final], gold.expected, K)
                paraphrase = "paraphrase" in question_splits(gold, asker.index.store)
                rows.append((before, after, paraphrase))
        _print(name, rows)
        every += rows
    _print("all", every)


Row = tuple[dict[str, float | None], dict[str, float | None], bool]


def _mean(rows: list[Row], side: int, metric: str) -> float:
    values = [row[side][metric] or 0.0 for row in rows]
    return sum(values) / len(values) if values else 0.0


def _print(name: str, rows: list[Row]) -> None:
    hit, paraphrase = f"hit@{K}", [row for row in rows if row[2]]
    print(
        f"{name:14} {len(rows):>4}  {_mean(rows, 0, hit):.3f} -> {_mean(rows, 1, hit):.3f}"
        f"        {_mean(rows, 0, 'mrr'):.3f} -> {_mean(rows, 1, 'mrr'):.3f}"
        f"        {_mean(paraphrase, 0, hit):.3f} -> {_mean(paraphrase, 1, hit):.3f}"
        f" ({len(paraphrase)})"
        f"   found {sum(not r[0][hit] and bool(r[1][hit]) for r in rows)},"
        f" lost {sum(bool(r[0][hit]) and not r[1][hit] for r in rows)}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
