"""Build (once) and cache a synthetic index of N paragraphs for the scale benchmarks.

    PYTHONPATH=. .venv/bin/python benchmarks/scale_index.py --paragraphs 100000

The corpus comes from `synthetic.py` (JSON Lines in the project's input shape) and goes
through the real ingest (parse, store, Chroma, keyword index); only the encoder is
replaced by `SyntheticEncoder`, which draws vectors shaped like the real ones (embedding
1M paragraphs for real takes 5-7 hours on 2 cores). The index folder records this
(`synthetic_vectors` in the store's meta) and keeps the real encoder's fingerprint, so the
app opens it as it would a real one: latency and memory are real, relevance is not.

Cached under `$LGSCO_SCALE_CACHE` (default /tmp/lgsco-scale/<N>/); a second call reuses it
and prints the first build's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import assistant  # noqa: F401 - environment first
from assistant.index import Index
from assistant.index.embedder import Embedder
from assistant.index.ingest import Ingestor
from assistant.settings import Settings, load_settings
from benchmarks.synthetic import (
    DIMENSION,
    TOPICS,
    Generator,
    synthetic_vectors,
    topic_centres,
    write_jsonl,
)

CACHE = Path(os.environ.get("LGSCO_SCALE_CACHE", "/tmp/lgsco-scale"))
SYNTHETIC_NOTE = (
    "synthetic corpus and synthetic vectors (topic centres plus noise, 384-d): latency and "
    "memory only, never answer quality"
)


class SyntheticEncoder:
    """Stands in for `Embedder` when building: the real fingerprint, synthetic vectors."""

    def __init__(self, real: Embedder, seed: int = 0) -> None:
        self.fingerprint = real.fingerprint
        self.dimension = DIMENSION
        self.centres = topic_centres(seed)
        self.encoded = 0

    def describe(self) -> dict[str, object]:
        return {"model": self.fingerprint, "device": "synthetic vectors, no model"}

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        # A paragraph's topic follows its decision's opening words (same decision, same
        # topic) and its section, so neighbours in the index are near in the space.
        topics = np.array([zlib.crc32(t[:40].encode()) % TOPICS for t in texts])
        rng = np.random.default_rng(zlib.crc32(texts[0].encode()) + len(texts))
        self.encoded += len(texts)
        return synthetic_vectors(topics, rng, self.centres)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def rss_mb() -> float:
    """Resident memory now (not the peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


@dataclass(frozen=True)
class ScaleIndex:
    root: Path
    paragraphs: int

    @property
    def corpus(self) -> Path:
        return self.root / "corpus"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def record(self) -> Path:
        return self.root / "build.json"

    def settings(self, **overrides: object) -> Settings:
        return load_settings(index_dir=self.index_dir, runs_dir=self.root / "runs", **overrides)

    def open(self) -> Index:
        index = Index(self.settings())
        index.__dict__["embedder"] = SyntheticEncoder(Embedder(index.settings.embedding))
        return index


def scale_index(paragraphs: int, seed: int = 0) -> ScaleIndex:
    return ScaleIndex(CACHE / f"{paragraphs}-seed{seed}", paragraphs)


def build(paragraphs: int, seed: int = 0) -> dict[str, object]:
    """Build the cached index if it is not there yet; its build figures either way."""
    target = scale_index(paragraphs, seed)
    if target.record.exists():
        figures = json.loads(target.record.read_text())
        figures["update_s"] = bring_up_to_date(target)
        return figures
    started = time.perf_counter()
    decisions = Generator(seed).corpus(paragraphs)
    write_jsonl(decisions, target.corpus)
    generated = time.perf_counter() - started

    index = Index(target.settings(), create=True)
    encoder = SyntheticEncoder(Embedder(index.settings.embedding), seed)
    index.__dict__["embedder"] = encoder
    samples: list[tuple[int, float]] = []

    def progress(done: int, total: int, label: str) -> None:
        samples.append((encoder.encoded, round(rss_mb(), 1)))

    started = time.perf_counter()
    summary = Ingestor(index, progress=progress).run([target.corpus])
    index.store.set_meta("synthetic_vectors", SYNTHETIC_NOTE)
    figures: dict[str, object] = {
        "paragraphs": summary.paragraphs_embedded,
        "decisions": summary.decisions,
        "generate_s": round(generated, 1),
        "ingest_s": round(time.perf_counter() - started, 1),
        "ingest_paragraphs_per_s_excluding_embedding": round(
            summary.paragraphs_embedded / max(summary.seconds - summary.encode_seconds, 1e-9), 1
        ),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_mb_by_paragraphs_ingested": samples[:: max(1, len(samples) // 8)] + samples[-1:],
        "disk_mb": {
            "store": round(folder_mb(target.index_dir) - folder_mb(target.index_dir / "chroma"), 1),
            "chroma": round(folder_mb(target.index_dir / "chroma"), 1),
        },
        "note": SYNTHETIC_NOTE,
    }
    target.record.write_text(json.dumps(figures, indent=2))
    return figures


def bring_up_to_date(target: ScaleIndex) -> float:
    """Bring a cached index up to this version's (its keyword index's format, the vectors
    the store keeps) by an ingest of no files; seconds taken (a few when it was current)."""
    index = target.open()
    started = time.perf_counter()
    Ingestor(index).run([])
    return round(time.perf_counter() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(build(args.paragraphs, args.seed)))


if __name__ == "__main__":
    main()
