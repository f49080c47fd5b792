"""Ingest throughput against the bare encoder on the same paragraphs, and re-ingest time.

    .venv/bin/python benchmarks/ingest.py [--copies 8]

The sample corpus is copied N times under new references (synthetic: for speed only, never
for judging answers). Prints paragraphs/s for the bare encoder and for a full ingest
(parse + embed + Chroma + store + BM25), their ratio (target >= 0.9), and the time to
re-ingest the unchanged corpus. Figures are ratios within one run: machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

import assistant  # noqa: F401 - environment first
from assistant.index import Index
from assistant.index.documents import embedding_text
from assistant.index.embedder import Embedder
from assistant.index.ingest import Ingestor
from assistant.parsing import iter_decision_files, read_path
from assistant.settings import load_settings
from assistant.types import Decision

ROOT = Path(__file__).resolve().parent.parent


def synthetic_corpus(target: Path, copies: int) -> None:
    for n in range(copies):
        for path in iter_decision_files([ROOT / "corpus"]):
            text = path.read_text()
            text = re.sub(
                r"\b(\d{2})([ -]?)(\d{3})([ -]?)(\d{3})\b",
                lambda m, n=n: f"{80 + n:02d}{m.group(2)}{m.group(3)}{m.group(4)}{m.group(5)}",
                text,
            )
            out = target / f"copy{n}" / path.relative_to(ROOT / "corpus")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        synthetic_corpus(corpus, args.copies)
        settings = load_settings(index_dir=Path(tmp) / "index")
        decisions = [
            d
            for p in iter_decision_files([corpus])
            for d in read_path(p)
            if isinstance(d, Decision)
        ]
        texts = [embedding_text(d, p.section, p.text) for d in decisions for p in d.paragraphs]

        embedder = Embedder(settings.embedding)
        embedder.encode(texts[:64])  # load and warm up
        started = time.perf_counter()
        embedder.encode(texts)
        encoder_rate = len(texts) / (time.perf_counter() - started)

        index = Index(settings, create=True)
        index.embedder.encode(texts[:64])
        summary = Ingestor(index).run([corpus])
        ingest_rate = summary.paragraphs_embedded / summary.seconds
        again = Ingestor(index).run([corpus])
        shutil.rmtree(Path(tmp) / "index", ignore_errors=True)
    print(
        json.dumps(
            {
                "decisions": summary.decisions,
                "paragraphs": summary.paragraphs_embedded,
                "encoder_paragraphs_per_s": round(encoder_rate, 1),
                "ingest_paragraphs_per_s": round(ingest_rate, 1),
                "ingest_vs_encoder": round(ingest_rate / encoder_rate, 3),
                "reingest_unchanged_s": round(again.seconds, 3),
                "reingest_embedded": again.paragraphs_embedded,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
