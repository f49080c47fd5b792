"""Sentence vectors pooled per paragraph (max-sim): the dense side reads every sentence.

all-MiniLM-L6-v2 reads at most 256 word pieces and averages what it reads, so one vector
per paragraph blurs a long agreed-action paragraph with bullets (and cuts its tail off).
Here each paragraph is also split into its sentences and bullets, each embedded with the
paragraph's section heading; a paragraph scores the best similarity of any of its
sentences. It stays one hit per paragraph: sentences only rank paragraphs.

The vectors are derived data, like the keyword index: built from the store on first use
(or by `SentenceIndex.load_or_build` after an ingest), saved under the index folder as a
float16 matrix stamped with the store generation and the embedding model, and rebuilt
when either changes. Searched by brute force: ~4 sentences per paragraph, 384 dimensions,
fine to a few tens of thousands of paragraphs; beyond that they belong in a Chroma
collection of their own.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.index import Index
from assistant.index.folders import replace_folder

log = logging.getLogger(__name__)

_SPLIT = re.compile(r"(?<=[.;:!?])\s+(?=[A-Z£(‘'\"“•-])|\n+\s*(?:[•\-–]\s*)?")
_MIN_WORDS = 4
_LOCK = threading.Lock()
_LOADED: dict[str, SentenceIndex] = {}


def sentences(text: str) -> list[str]:
    """A paragraph's sentences and bullets; fragments under four words join the next."""
    pieces = [p.strip(" •-–\t") for p in _SPLIT.split(text) if p and p.strip(" •-–\t")]
    merged: list[str] = []
    carry = ""
    for piece in pieces:
        piece = f"{carry} {piece}".strip() if carry else piece
        if len(piece.split()) < _MIN_WORDS:
            carry = piece
            continue
        merged.append(piece)
        carry = ""
    if carry:
        if merged:
            merged[-1] = f"{merged[-1]} {carry}"
        else:
            merged.append(carry)
    return merged


@dataclass
class SentenceIndex:
    vectors: np.ndarray  # float16, one unit row per sentence
    owners: np.ndarray  # int32: the paragraph (position in `ids`) of each sentence
    ids: list[str]
    stamp: dict[str, object]

    @classmethod
    def build(cls, index: Index) -> SentenceIndex:
        texts: list[str] = []
        owners: list[int] = []
        ids: list[str] = []
        for batch in index.store.iter_paragraphs():
            for paragraph in batch:
                position = len(ids)
                ids.append(paragraph.id)
                for sentence in sentences(paragraph.text):
                    texts.append(f"{paragraph.section}: {sentence}")
                    owners.append(position)
        log.info("embedding %d sentences of %d paragraphs", len(texts), len(ids))
        vectors = index.embedder.encode(texts).astype(np.float16)
        return cls(vectors, np.asarray(owners, dtype=np.int32), ids, _stamp(index))

    def save(self, directory: Path) -> None:
        def write(folder: Path) -> None:
            np.save(folder / "vectors.npy", self.vectors)
            np.save(folder / "owners.npy", self.owners)
            (folder / "ids.json").write_text(json.dumps(self.ids))
            (folder / "stamp.json").write_text(json.dumps(self.stamp))

        replace_folder(directory, write)

    @classmethod
    def load(cls, directory: Path) -> SentenceIndex | None:
        try:
            return cls(
                np.load(directory / "vectors.npy"),
                np.load(directory / "owners.npy"),
                json.loads((directory / "ids.json").read_text()),
                json.loads((directory / "stamp.json").read_text()),
            )
        except (OSError, ValueError) as exc:
            log.info("sentence vectors at %s unreadable (%s); rebuilding", directory, exc)
            return None

    @classmethod
    def for_index(cls, index: Index) -> SentenceIndex:
        """The index's sentence vectors, rebuilt first if the store or model changed."""
        with _LOCK:
            key = str(index.dir.resolve())
            current = _LOADED.get(key)
            if current is not None and current.stamp == _stamp(index):
                return current
            directory = index.dir / "sentences"
            found = cls.load(directory)
            if found is None or found.stamp != _stamp(index):
                found = cls.build(index)
                found.save(directory)
            _LOADED[key] = found
            return found

    def query(
        self, vector: np.ndarray, n: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """The `n` paragraphs whose best sentence is closest to `vector`: (id, similarity)."""
        if not len(self.ids):
            return []
        similarity = self.vectors.astype(np.float32) @ vector.astype(np.float32)
        best = np.full(len(self.ids), -np.inf, dtype=np.float32)
        np.maximum.at(best, self.owners, similarity)
        if allowed is not None:
            keep = np.zeros(len(self.ids), dtype=bool)
            for i, pid in enumerate(self.ids):
                keep[i] = pid in allowed
            best[~keep] = -np.inf
        top = np.argsort(-best, kind="stable")[:n]
        return [(self.ids[int(i)], float(best[i])) for i in top if np.isfinite(best[i])]


def _stamp(index: Index) -> dict[str, object]:
    return {"generation": index.store.generation, "embedding": index.embedder.fingerprint}
