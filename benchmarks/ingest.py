"""Ingest throughput against the bare encoder on the same paragraphs, and re-ingest time.

    .venv/bin/python benchmarks/ingest.py [--copies 8 | --paragraphs 10000]
    PYTHONPATH=. .venv/bin/python benchmarks/ingest.py --add-to 1000000 [--decisions 100]

The sample corpus is copied N times under new references, or `--paragraphs N` of the
synthetic corpus (`synthetic.py`) are used (synthetic: for speed only, never for judging
answers). Prints paragraphs/s for the bare encoder and for a full ingest (parse + embed +
Chroma + store + BM25), their ratio (target >= 0.9), and the time to re-ingest the
unchanged corpus. Figures are ratios within one run: machines are noisy.

`--add-to N` copies the cached N-paragraph scale index (`scale_index.py`) and times adding
`--decisions` new synthetic decisions to it, embedding excluded (synthetic vectors), the
keyword index update included; with the disk size of the index per million paragraphs.
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


def add_to(paragraphs: int, decisions: int) -> dict[str, object]:
    """Add `decisions` new decisions to a copy of the cached scale index, timed."""
    from benchmarks.scale_index import SyntheticEncoder, build, folder_mb, scale_index
    from benchmarks.synthetic import Generator, write_jsonl

    built = build(paragraphs)
    source = scale_index(paragraphs)
    with tempfile.TemporaryDirectory(dir=source.root.parent) as tmp:
        started = time.perf_counter()
        copy = Path(tmp) / "index"
        shutil.copytree(source.index_dir, copy)
        copied = time.perf_counter() - started
        generator = Generator()
        first = int(built["decisions"]) + 1000  # type: ignore[call-overload]
        new = [generator.decision(first + n) for n in range(decisions)]
        write_jsonl(new, Path(tmp) / "new")
        index = Index(load_settings(index_dir=copy))
        index.__dict__["embedder"] = SyntheticEncoder(Embedder(index.settings.embedding))
        keyword_seconds = 0.0
        progress_at: list[float] = []

        def progress(done: int, total: int, label: str) -> None:
            progress_at.append(time.perf_counter())

        summary = Ingestor(index, progress=progress).run([Path(tmp) / "new"])
        if progress_at:
            keyword_seconds = time.perf_counter() - progress_at[-1]
        disk = folder_mb(copy)
    return {
        "index_paragraphs": built["paragraphs"],
        "added_decisions": summary.added,
        "added_paragraphs": summary.paragraphs_embedded,
        "seconds_excluding_embedding": round(summary.seconds - summary.encode_seconds, 2),
        "keyword_update_seconds": round(keyword_seconds, 2),
        "copy_seconds_not_counted": round(copied, 1),
        "disk_mb_per_million_paragraphs": round(
            disk * 1e6 / int(built["paragraphs"]),  # type: ignore[call-overload]
            1,
        ),
        "note": "synthetic corpus and vectors: speed and size only",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--paragraphs", type=int, help="use this much of the synthetic corpus")
    parser.add_argument("--add-to", type=int, help="time adding decisions to this scale index")
    parser.add_argument("--decisions", type=int, default=100)
    args = parser.parse_args()
    if args.add_to:
        print(json.dumps(add_to(args.add_to, args.decisions), indent=2))
        return
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        if args.paragraphs:
            from benchmarks.synthetic import Generator, write_jsonl

            write_jsonl(Generator().corpus(args.paragraphs), corpus)
        else:
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
