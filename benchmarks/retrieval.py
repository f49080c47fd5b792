"""Search latency, cold start and memory on a synthetic index of N paragraphs.

    PYTHONPATH=. .venv/bin/python benchmarks/retrieval.py --paragraphs 100000 [--json]
        [--queries 60] [--cold-start] [--recall]

The index is built once by `scale_index.py` (cached under /tmp; its build time is printed
apart). Questions are the blind gold set's, so keyword postings are those of real
questions; their vectors come from the synthetic encoder (query encoding is the same cost
at any size and is measured apart, with the real model). Kinds: `dense`, `keyword` and
`hybrid` search, and `filter:<name>` (hybrid search under that filter): one category, one
council, one outcome, one year, one decision, and a broad one matching about 30% of the
paragraphs. Each line of `--json` is one measurement with `paragraphs`, `kind`, `p50_ms`,
`p95_ms` (wall clock), `cpu_p50_ms` (this process's CPU time: less shaken by other work on
the machine), plus the filter's share of paragraphs and, with `--recall`, the dense side's
recall@k against exact search over the filter's vectors. Kinds take turns on each
question, so a busy machine weighs on all alike: compare them within one run.

`--cold-start` times a fresh `assistant ask --llm fake` process and a fresh `assistant
serve` (until its first /search answer) on the index, and their peak RSS.

Synthetic text and vectors: latency and memory only, never answer quality.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import assistant  # noqa: F401 - environment first
from assistant.index import Index
from assistant.retrieval.hybrid import DenseRetriever, HybridRetriever, KeywordRetriever
from assistant.types import SearchFilters
from benchmarks.scale_index import SYNTHETIC_NOTE, build, peak_rss_mb, scale_index

ROOT = Path(__file__).resolve().parent.parent


def questions(n: int) -> list[str]:
    lines = (ROOT / "evals" / "gold-blind.jsonl").read_text().splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:n]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(runs: dict[str, Callable[[str], object]], queries: list[str]) -> dict[str, dict]:
    """Wall and CPU milliseconds per kind. Kinds take turns on each query, so a busy
    machine (2 cores, shared) weighs on every kind alike: compare them within a run."""
    for run in runs.values():
        run(queries[0])  # warm: the first query loads the indexes
    wall: dict[str, list[float]] = {kind: [] for kind in runs}
    cpu: dict[str, list[float]] = {kind: [] for kind in runs}
    for query in queries:
        for kind, run in runs.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            run(query)
            wall[kind].append((time.perf_counter() - started) * 1000)
            cpu[kind].append((time.process_time() - started_cpu) * 1000)
    result = {}
    for kind in runs:
        p50, p95 = percentiles(wall[kind])
        result[kind] = {"p50_ms": p50, "p95_ms": p95, "cpu_p50_ms": percentiles(cpu[kind])[0]}
    return result


def filters_for(index: Index) -> dict[str, SearchFilters]:
    """The filter kinds, with values found in this corpus."""
    conn = index.store.conn
    council = conn.execute(
        "SELECT council FROM decisions GROUP BY council ORDER BY COUNT(*) DESC LIMIT 1"
    ).fetchone()[0]
    ref = conn.execute("SELECT ref FROM decisions ORDER BY ref LIMIT 1 OFFSET 7").fetchone()[0]
    import datetime as dt

    return {
        "category": SearchFilters(category="Housing"),
        "council": SearchFilters(council=council),
        "outcome": SearchFilters(outcome="Not upheld"),
        "date_range": SearchFilters(date_from=dt.date(2020, 1, 1), date_to=dt.date(2020, 12, 31)),
        "one_decision": SearchFilters(ref=ref),
        "broad_30pct": SearchFilters(category="Children's care services"),
    }


def share(index: Index, filters: SearchFilters) -> float:
    refs = index.store.refs_matching(filters) or set()
    return index.store.count_paragraphs(refs) / max(1, index.store.count_paragraphs())


def dense_recall(index: Index, filters: SearchFilters, queries: list[str], k: int) -> float:
    """The dense retriever's top k under the filter against exact search over its vectors."""
    refs = index.store.refs_matching(filters) or set()
    ids = index.store.paragraph_ids(refs)
    vectors: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), 5000):
        got = index.vectors.collection.get(ids=ids[start : start + 5000], include=["embeddings"])
        vectors.update(zip(got["ids"], np.asarray(got["embeddings"]), strict=True))
    matrix = np.stack([vectors[i] for i in ids])
    retriever = DenseRetriever(index=index, settings=index.settings.retrieval)
    found = 0
    for query in queries:
        vector = index.embedder.encode_query(query)
        exact = {ids[i] for i in np.argsort(-(matrix @ vector))[:k]}
        got = retriever.dense(query, frozenset(refs))[:k]
        found += len(exact & {c.id for c in got})
    return found / (k * len(queries))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cold_start(index_dir: Path) -> list[dict[str, object]]:
    env = dict(os.environ, LGSCO_INDEX_DIR=str(index_dir), LGSCO_LLM__BACKEND="fake")
    env["PYTHONPATH"] = str(ROOT)
    results: list[dict[str, object]] = []
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", "delay at stage two", "--json"],
        env=env,
        check=True,
        capture_output=True,
    )
    results.append(
        {
            "kind": "cold_start:cli_ask",
            "seconds": round(time.perf_counter() - started, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        }
    )
    from gradio_client import Client

    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port), "--llm", "fake"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        while True:
            try:
                client = Client(url, verbose=False)
                break
            except Exception:
                if server.poll() is not None or time.perf_counter() - started > 300:
                    raise RuntimeError("the app did not start") from None
                time.sleep(0.25)
        up = time.perf_counter() - started
        client.predict(question="delay at stage two", api_name="/search")
        answered = time.perf_counter() - started
        status = Path(f"/proc/{server.pid}/status").read_text()
        rss = next(int(x.split()[1]) for x in status.splitlines() if x.startswith("VmHWM"))
    finally:
        server.terminate()
        server.wait(30)
    results.append(
        {
            "kind": "cold_start:app",
            "seconds_until_serving": round(up, 2),
            "seconds_until_first_search": round(answered, 2),
            "peak_rss_mb": round(rss / 1024, 1),
        }
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cold-start", action="store_true")
    parser.add_argument("--recall", action="store_true")
    args = parser.parse_args()

    built = build(args.paragraphs)
    target = scale_index(args.paragraphs)
    paragraphs = int(built["paragraphs"])  # type: ignore[call-overload]
    lines: list[dict[str, object]] = [{"paragraphs": paragraphs, "kind": "build", **built}]
    started = time.perf_counter()
    index = target.open()
    settings = index.settings.retrieval
    asked = questions(args.queries)
    k = settings.k
    index.keyword  # noqa: B018 - load it now, timed apart
    lines.append(
        {
            "paragraphs": paragraphs,
            "kind": "open_indexes",
            "seconds": round(time.perf_counter() - started, 2),
        }
    )

    dense = DenseRetriever(index=index, settings=settings)
    keyword = KeywordRetriever(index=index, settings=settings)
    hybrid = HybridRetriever(index=index, settings=settings)
    runs: dict[str, Callable[[str], object]] = {
        "dense": lambda q: dense.search(q, SearchFilters(), k),
        "keyword": lambda q: keyword.search(q, SearchFilters(), k),
        "hybrid": lambda q: hybrid.search(q, SearchFilters(), k),
    }
    filters = filters_for(index)
    for name, chosen in filters.items():
        runs[f"filter:{name}"] = lambda q, f=chosen: hybrid.search(q, f, k)
    for kind, figures in timed(runs, asked).items():
        line: dict[str, object] = {"paragraphs": paragraphs, "kind": kind, **figures}
        if kind.startswith("filter:"):
            chosen = filters[kind.split(":", 1)[1]]
            line["share"] = round(share(index, chosen), 4)
            if args.recall:
                line["dense_recall_at_k"] = round(dense_recall(index, chosen, asked[:20], k), 3)
        lines.append(line)

    from assistant.index.embedder import Embedder

    real = Embedder(index.settings.embedding)
    encoded = timed({"encode_query": real.encode_query}, asked)["encode_query"]
    lines.append({"paragraphs": paragraphs, "kind": "encode_query", **encoded})
    lines.append({"paragraphs": paragraphs, "kind": "peak_rss", "mb": round(peak_rss_mb(), 1)})
    if args.cold_start:
        lines += [{"paragraphs": paragraphs, **r} for r in cold_start(target.index_dir)]

    for line in lines:
        for key in ("p50_ms", "p95_ms", "cpu_p50_ms"):
            if key in line:
                line[key] = round(float(line[key]), 2)  # type: ignore[arg-type]
    if args.json:
        for line in lines:
            print(json.dumps(line))
        return
    print(f"{paragraphs:,} paragraphs; {SYNTHETIC_NOTE}")
    for line in lines:
        if "p50_ms" in line:
            extra = f"  share {line['share']:.2%}" if "share" in line else ""
            if "dense_recall_at_k" in line:
                extra += f"  dense recall@{k} {line['dense_recall_at_k']}"
            times = (
                f"p50 {line['p50_ms']:8.2f} ms  p95 {line['p95_ms']:8.2f} ms  "
                f"cpu p50 {line['cpu_p50_ms']:8.2f} ms"
            )
            print(f"{line['kind']:<22} {times}{extra}")
        elif line["kind"] != "build":
            print(json.dumps(line))
    print("build:", json.dumps(built))


if __name__ == "__main__":
    main()
