"""The keyword (BM25) index beside Chroma, built with bm25s from the store's paragraphs.

It is rebuilt whole from the store after each ingest (seconds even at 100k paragraphs) and
saved stamped with the store generation it was built from; a stale or missing copy is
rebuilt on load, so it is always consistent with the store, and so with Chroma.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.index.documents import decision_context, keyword_text
from assistant.index.folders import replace_folder
from assistant.index.store import Store

log = logging.getLogger(__name__)

_STAMP = "stamp.json"


def _bm25s():
    import bm25s

    # bm25s sets its own logger to DEBUG on import.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def tokenize(texts: list[str]):
    return _bm25s().tokenize(texts, stopwords="en", show_progress=False)


@dataclass(frozen=True)
class KeywordHit:
    id: str
    score: float


class KeywordIndex:
    def __init__(self, retriever, ids: list[str], generation: int) -> None:
        self.retriever = retriever
        self.ids = ids
        self.generation = generation
        self.position = {pid: i for i, pid in enumerate(ids)}

    @classmethod
    def build(cls, store: Store) -> KeywordIndex:
        bm25s = _bm25s()
        generation = store.generation
        ids: list[str] = []
        texts: list[str] = []
        contexts = {
            ref: decision_context(council, category, subcategory)
            for ref, council, category, subcategory in store.decision_labels()
        }
        for batch in store.iter_paragraphs():
            for paragraph in batch:
                ids.append(paragraph.id)
                texts.append(
                    keyword_text(contexts.get(paragraph.ref, ""), paragraph.section, paragraph.text)
                )
        retriever = bm25s.BM25()
        if texts:
            retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever, ids, generation)

    def save(self, directory: Path) -> None:
        """Write to a temporary folder, then swap it in, so a crash leaves the old copy."""

        def write(folder: Path) -> None:
            if self.ids:
                self.retriever.save(str(folder), show_progress=False)
            (folder / "ids.json").write_text(json.dumps(self.ids))
            (folder / _STAMP).write_text(json.dumps({"generation": self.generation}))

        replace_folder(directory, write)

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex | None:
        bm25s = _bm25s()
        try:
            stamp = json.loads((directory / _STAMP).read_text())
            ids = json.loads((directory / "ids.json").read_text())
            retriever = (
                bm25s.BM25.load(str(directory), mmap=False, show_progress=False)
                if ids
                else bm25s.BM25()
            )
        except (OSError, ValueError, KeyError) as exc:
            log.info("keyword index at %s unreadable (%s); it will be rebuilt", directory, exc)
            return None
        return cls(retriever, ids, int(stamp["generation"]))

    @classmethod
    def load_or_build(cls, directory: Path, store: Store) -> KeywordIndex:
        index = cls.load(directory)
        if index is not None and index.generation == store.generation:
            return index
        log.info("rebuilding the keyword index from the store")
        index = cls.build(store)
        index.save(directory)
        return index

    def query(self, text: str, n: int, allowed: set[str] | None = None) -> list[KeywordHit]:
        if not self.ids:
            return []
        tokens = tokenize([text])
        if not tokens.vocab or not any(tokens.ids):
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            for pid in allowed:
                position = self.position.get(pid)
                if position is not None:
                    mask[position] = 1.0
            if not mask.any():
                return []
        k = min(n, len(self.ids))
        docs, scores = self.retriever.retrieve(
            tokens, k=k, show_progress=False, weight_mask=mask, n_threads=1
        )
        return [
            KeywordHit(id=self.ids[int(doc)], score=float(score))
            for doc, score in zip(docs[0], scores[0], strict=True)
            if score > 0
        ]
