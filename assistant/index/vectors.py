"""Chroma, embedded (PersistentClient under the index folder) or a server (`chroma run`).

Embeddings are always passed in: Chroma's default embedding function downloads a model at
run time, so the collection is created without one and never asked to embed text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.errors import IndexStateError

log = logging.getLogger(__name__)

# Chroma rejects larger batches (its max batch size is 5,461 on this build).
MAX_BATCH = 5000


@dataclass(frozen=True)
class VectorHit:
    id: str
    distance: float
    document: str
    metadata: dict[str, Any]


def make_client(index_dir: Path, chroma_url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        parsed = urlparse(chroma_url)
        try:
            return chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise IndexStateError(
                f"Cannot reach the Chroma server at {chroma_url}: {exc}. Start it with "
                f"'chroma run --path DIR' or unset LGSCO_CHROMA_URL to use the embedded store."
            ) from exc
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma_settings)


class VectorStore:
    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name
        self.collection = client.get_or_create_collection(
            name=name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def count(self) -> int:
        return int(self.collection.count())

    def upsert(
        self,
        ids: Sequence[str],
        embeddings: np.ndarray,
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        for start in range(0, len(ids), MAX_BATCH):
            stop = start + MAX_BATCH
            self.collection.upsert(
                ids=list(ids[start:stop]),
                embeddings=embeddings[start:stop],
                documents=list(documents[start:stop]),
                metadatas=list(metadatas[start:stop]),
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), MAX_BATCH):
            self.collection.delete(ids=list(ids[start : start + MAX_BATCH]))

    def delete_where_ref(self, refs: Sequence[str]) -> None:
        for start in range(0, len(refs), 500):
            self.collection.delete(where={"ref": {"$in": list(refs[start : start + 500])}})

    def all_ids(self, page: int = 100_000) -> set[str]:
        # Large pages: Chroma pages by OFFSET, so each page rescans those before it (100k
        # ids: 1.0-1.8 s in pages of 5,000, 0.2 s in one).
        ids: set[str] = set()
        offset = 0
        while True:
            got = self.collection.get(include=[], limit=page, offset=offset)
            ids.update(got["ids"])
            if len(got["ids"]) < page:
                return ids
            offset += page

    def query(
        self,
        embedding: np.ndarray,
        n: int,
        *,
        ids: Sequence[str] | None = None,
        where: dict[str, Any] | None = None,
        details: bool = False,
    ) -> list[VectorHit]:
        """The `n` nearest vectors (among `ids`, or passing `where`); with `details`, their
        documents and metadata too (the retrievers read those from the store instead)."""
        from chromadb.errors import NotFoundError

        if n <= 0:
            return []
        kwargs: dict[str, Any] = {}
        if ids is not None:
            kwargs["ids"] = list(ids)
        if where:
            kwargs["where"] = where
        try:
            # No count() first: it costs 56 ms at 1M vectors, the query 1 ms; Chroma returns
            # fewer than `n` (or none) from a smaller collection.
            result = self.collection.query(
                query_embeddings=[embedding],
                n_results=n,
                include=["distances", "documents", "metadatas"] if details else ["distances"],
                **kwargs,
            )
        except NotFoundError:
            raise IndexStateError(
                f"The vector collection {self.name!r} was removed, most likely because another "
                "process rebuilt the index while this one was reading it. Start again."
            ) from None
        found = zip(result["ids"][0], result["distances"][0], strict=True)
        if not details:
            return [VectorHit(id=i, distance=float(d), document="", metadata={}) for i, d in found]
        return [
            VectorHit(id=i, distance=float(d), document=doc or "", metadata=dict(meta or {}))
            for (i, d), doc, meta in zip(
                found, result["documents"][0], result["metadatas"][0], strict=True
            )
        ]

    def nearest_among(self, embedding: np.ndarray, ids: Sequence[str], n: int) -> list[VectorHit]:
        """Exact search over a few vectors, fetched by id: for a handful of paragraphs, an
        HNSW search restricted to them walks most of the graph (150 ms at 100k vectors
        for one decision's 14, against 1 ms to fetch them)."""
        if not ids:
            return []
        got = self.collection.get(ids=list(ids), include=["embeddings"])
        if not got["ids"]:
            return []
        return nearest(embedding, got["ids"], np.asarray(got["embeddings"], dtype=np.float32), n)

    def embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those of `ids` Chroma holds."""
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), MAX_BATCH):
            got = self.collection.get(
                ids=list(ids[start : start + MAX_BATCH]), include=["embeddings"]
            )
            found.update(
                zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32), strict=True)
            )
        return found

    def drop(self) -> None:
        self.client.delete_collection(self.name)
        self.collection = self.client.get_or_create_collection(
            name=self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )


def nearest(
    embedding: np.ndarray, ids: Sequence[str], matrix: np.ndarray, n: int
) -> list[VectorHit]:
    """Exact: the `n` rows of `matrix` (float16 or float32) nearest `embedding` by cosine
    distance, as hits. Through torch (already loaded for the encoder): it widens float16
    ten times faster than numpy (10,000 x 384: 0.5 ms against 6 ms)."""
    import torch

    if not len(ids):
        return []
    rows = torch.from_numpy(np.ascontiguousarray(matrix)).float()
    query = torch.from_numpy(np.ascontiguousarray(embedding, dtype=np.float32))
    norms = torch.linalg.vector_norm(rows, dim=1) * torch.linalg.vector_norm(query)
    distances = (1.0 - (rows @ query) / norms.clamp_min(1e-12)).numpy()
    if n < len(distances):
        top = np.argpartition(distances, n)[:n]
        order = top[np.argsort(distances[top], kind="stable")]
    else:
        order = np.argsort(distances, kind="stable")
    return [
        VectorHit(id=ids[i], distance=float(distances[i]), document="", metadata={}) for i in order
    ]
