"""Measure the answer support check (assistant/answer/support.py) on a labelled set.

    .venv/bin/python evals/measure_support.py [evals/support.jsonl] [--json]

Each line of the set is one statement about one paragraph of the sample corpus, labelled
supported or not by someone who never saw the checker. The paragraph is shown to the
checker exactly as the answer prompt shows it (header line, then the text), with the
place names of every council in the corpus as names a statement must not bring in.
Prints the false-positive rate (faithful statements rejected: the cost of the check in
answers a user loses) and the catch rate (unfaithful statements rejected), by kind.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import assistant  # noqa: F401 - offline environment first
from assistant.answer import Context
from assistant.answer.support import check_support
from assistant.parsing import read_path
from assistant.parsing.common import council_place
from assistant.types import Decision, RetrievedParagraph

ROOT = Path(__file__).resolve().parent.parent


def shown_text(decision: Decision, number: int) -> str:
    paragraph = decision.paragraph(number)
    hit = RetrievedParagraph(
        ref=decision.ref,
        refs=(decision.ref,),
        council=decision.council,
        category=decision.category,
        subcategory=decision.subcategory,
        outcome=decision.outcome,
        date=decision.date,
        number=paragraph.number,
        section=paragraph.section,
        subsection=paragraph.subsection,
        text=paragraph.text,
        url=decision.url,
        score=0.0,
    )
    [shown] = Context.of([hit]).texts().values()
    return shown


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    paths = [a for a in argv if not a.startswith("--")]
    labelled = Path(paths[0]) if paths else ROOT / "evals" / "support.jsonl"
    files = sorted((ROOT / "corpus").rglob("*.txt")) + sorted((ROOT / "corpus").rglob("*.json"))
    decisions = {d.ref: d for path in files for d in read_path(path) if isinstance(d, Decision)}
    names = sorted({council_place(d.council) for d in decisions.values() if d.council} - {None})
    totals: Counter[tuple[bool, str]] = Counter()
    errors: Counter[tuple[bool, str]] = Counter()
    misses = []
    for line in labelled.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        source = shown_text(decisions[row["ref"]], row["paragraph"])
        result = check_support(row["statement"], source, names)
        group = (row["supported"], row["kind"])
        totals[group] += 1
        if result.supported != row["supported"]:
            errors[group] += 1
            misses.append((row["id"], row["kind"], row["statement"], result.reason))
    faithful = sum(n for (label, _), n in totals.items() if label)
    unfaithful = sum(n for (label, _), n in totals.items() if not label)
    rejected = sum(n for (label, _), n in errors.items() if label)
    caught = unfaithful - sum(n for (label, _), n in errors.items() if not label)
    summary = {
        "statements": faithful + unfaithful,
        "false_positive_rate": round(rejected / faithful, 3) if faithful else None,
        "catch_rate": round(caught / unfaithful, 3) if unfaithful else None,
        "errors_by_kind": {
            f"{'supported' if label else 'unsupported'}/{kind}": f"{errors[(label, kind)]}/{n}"
            for (label, kind), n in sorted(totals.items())
        },
    }
    if as_json:
        print(json.dumps(summary))
        return 0
    print(f"{summary['statements']} labelled statements ({labelled})")
    print(
        f"false-positive rate (faithful rejected): {rejected}/{faithful} = "
        f"{summary['false_positive_rate']}"
    )
    print(f"catch rate (unfaithful rejected): {caught}/{unfaithful} = {summary['catch_rate']}")
    for kind, value in summary["errors_by_kind"].items():
        print(f"  errors {kind}: {value}")
    for row_id, kind, statement, reason in misses:
        print(f"  miss {row_id} [{kind}] {statement[:90]} -- {reason or 'passed'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
