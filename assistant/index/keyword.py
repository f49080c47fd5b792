"""The keyword (BM25) index beside Chroma: bm25s segments, added to, never rebuilt whole.

Terms are stemmed (Snowball English, PyStemmer) on both sides, so a question's
"escalation" meets a decision's "escalated"; English stopwords are left out.

Each ingest adds one segment holding the paragraphs of the decisions it committed (the
store's keyword backlog); a segment later in the list replaces every paragraph an earlier
one holds for the same decision. Scores stay comparable across segments: a segment's
stored BM25 weights (bm25s, Lucene variant) are rescaled at query time from its own IDF to
the IDF over all segments, so a corpus split in segments scores as one index does (up to
the average paragraph length, which each segment keeps its own of). Small segments are
merged when there are many; a full build (a new model or parser) writes segments of at
most `SEGMENT_PARAGRAPHS`, so memory stays bounded however large the corpus.

Only the writer (ingest, under the index's lock) writes: a segment goes into its own folder,
then `segments.json` is replaced atomically. Readers load the segments the manifest lists
(memory-mapped, so several processes share them) and never write; a paragraph the store
does not hold as committed is dropped by the retriever, which reads every hit's text from
the store.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.index.documents import decision_context, keyword_text
from assistant.index.store import Store, StoredParagraph, paragraph_id

log = logging.getLogger(__name__)

MANIFEST = "segments.json"
FORMAT = 3  # 3: stemmed terms. An index of another format is rebuilt by the next ingest.
SEGMENT_PARAGRAPHS = 200_000  # a full build's segment size: bounds the build's memory
SMALL_SEGMENT = 50_000  # segments below this are merged once there are MAX_SMALL of them
MAX_SMALL = 8


def _bm25s():
    import bm25s

    # bm25s sets its own logger to DEBUG on import.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


@functools.cache
def _stem_words() -> Callable[[list[str]], list[str]]:
    """Snowball's English stemmer: "escalated", "escalating" and "escalation" are one term,
    as "investigate" and "investigation" are, on both sides of the index."""
    import Stemmer

    return Stemmer.Stemmer("english").stemWords


def tokenize(texts: list[str], *, return_ids: bool = True):
    """The index's terms for `texts` (its tokenizer, stopwords and stemmer): the one place
    paragraphs and questions are tokenised, so both sides always agree."""
    return _bm25s().tokenize(
        texts, stopwords="en", stemmer=_stem_words(), return_ids=return_ids, show_progress=False
    )


def words(text: str) -> list[str]:
    """The index's own terms for `text`."""
    return tokenize([text], return_ids=False)[0]


def _saved_manifest(directory: Path) -> dict | None:
    """The manifest saved in `directory`, of any format; None when absent or unreadable."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


@dataclass(frozen=True)
class KeywordHit:
    id: str
    score: float


def _idf(df: float, n: float) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _renormalise_lengths(retriever, lengths: np.ndarray, own: float, reference: float) -> None:
    """Rewrite bm25s's stored weights, idf * tf / (tf + k1 (1 - b + b len / avg)), from this
    segment's average length to `reference`: the term counts are recovered exactly (they
    are whole numbers), then weighed again."""
    scores = retriever.scores
    indptr, indices, data = scores["indptr"], scores["indices"], scores["data"]
    df = np.diff(indptr)
    n = scores["num_docs"]
    idf = np.repeat(np.log1p((n - df + 0.5) / (df + 0.5)), df)
    k1, b = retriever.k1, retriever.b
    length = lengths[indices].astype(np.float64)
    share = data.astype(np.float64) / idf
    tf = np.rint(share * k1 * (1 - b + b * length / own) / (1 - share))
    reweighed = idf * tf / (tf + k1 * (1 - b + b * length / reference))
    scores["data"] = reweighed.astype(data.dtype)


class Segment:
    """One bm25s index over whole decisions' paragraphs, with each paragraph's place."""

    def __init__(self, name: str, retriever, refs: list[str], codes: np.ndarray, numbers) -> None:
        self.name = name
        self.retriever = retriever
        self.refs = refs  # the segment's decisions; codes index into it
        self.codes = codes  # per paragraph: its decision's position in `refs`
        self.numbers = numbers  # per paragraph: its number in the decision
        self.live = np.ones(len(codes), dtype=bool)  # False: replaced by a later segment
        self.reference_length: float | None = None

    def __len__(self) -> int:
        return len(self.codes)

    @classmethod
    def build(
        cls,
        name: str,
        paragraphs: Sequence[StoredParagraph],
        contexts: dict[str, str],
        reference_length: float | None = None,
    ) -> Segment:
        """A segment over `paragraphs` (whole decisions). Lengths are normalised against
        `reference_length` (tokens; default: this segment's own average), so segments built
        with the same reference score a paragraph alike whatever else they hold."""
        bm25s = _bm25s()
        refs: list[str] = []
        position: dict[str, int] = {}
        codes = np.empty(len(paragraphs), dtype=np.int32)
        numbers = np.empty(len(paragraphs), dtype=np.int32)
        texts: list[str] = []
        for i, paragraph in enumerate(paragraphs):
            if paragraph.ref not in position:
                position[paragraph.ref] = len(refs)
                refs.append(paragraph.ref)
            codes[i] = position[paragraph.ref]
            numbers[i] = paragraph.number
            texts.append(
                keyword_text(contexts.get(paragraph.ref, ""), paragraph.section, paragraph.text)
            )
        tokens = tokenize(texts)
        lengths = np.fromiter((len(t) for t in tokens.ids), dtype=np.float32, count=len(texts))
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        own = float(lengths.mean()) if len(lengths) else 1.0
        reference = reference_length or own
        if reference != own:
            _renormalise_lengths(retriever, lengths, own, reference)
        segment = cls(name, retriever, refs, codes, numbers)
        segment.reference_length = reference
        return segment

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), show_progress=False)
        (folder / "refs.json").write_text(json.dumps(self.refs))
        np.save(folder / "codes.npy", self.codes)
        np.save(folder / "numbers.npy", self.numbers)

    @classmethod
    def load(cls, folder: Path) -> Segment:
        retriever = _bm25s().BM25.load(str(folder), mmap=True, show_progress=False)
        return cls(
            folder.name,
            retriever,
            json.loads((folder / "refs.json").read_text()),
            np.load(folder / "codes.npy", mmap_mode="r"),
            np.load(folder / "numbers.npy", mmap_mode="r"),
        )

    def document_frequency(self, token: str) -> int:
        column = self.retriever.vocab_dict.get(token)
        if column is None:
            return 0
        indptr = self.retriever.scores["indptr"]
        return int(indptr[column + 1] - indptr[column])

    def token_scores(self, token: str) -> np.ndarray | None:
        column = self.retriever.vocab_dict.get(token)
        if column is None:
            return None
        return self.retriever.get_scores_from_ids([column])

    def ref_mask(self, refs: set[str]) -> np.ndarray:
        """Per paragraph: does its decision belong to `refs`?"""
        chosen = np.fromiter((r in refs for r in self.refs), dtype=bool, count=len(self.refs))
        return chosen[self.codes]

    def paragraph_id(self, position: int) -> str:
        return paragraph_id(self.refs[int(self.codes[position])], int(self.numbers[position]))


def decision_chunks(
    batches: Iterable[list[StoredParagraph]], size: int = SEGMENT_PARAGRAPHS
) -> Iterator[list[StoredParagraph]]:
    """Runs of at most about `size` paragraphs, never splitting a decision."""
    pending: list[StoredParagraph] = []
    for batch in batches:
        for paragraph in batch:
            if len(pending) >= size and pending[-1].ref != paragraph.ref:
                yield pending
                pending = []
            pending.append(paragraph)
    if pending:
        yield pending


def decision_contexts(store: Store) -> dict[str, str]:
    return {
        ref: decision_context(council, category, subcategory)
        for ref, council, category, subcategory in store.decision_labels()
    }


class KeywordIndex:
    """The segments a manifest lists, later ones replacing earlier ones' decisions."""

    def __init__(self, segments: list[Segment], generation: int) -> None:
        self.segments = segments
        self.generation = generation
        later: set[str] = set()
        for segment in reversed(segments):
            if later:
                segment.live = ~segment.ref_mask(later)
            later.update(segment.refs)
        self.size = sum(int(s.live.sum()) for s in segments)

    def __len__(self) -> int:
        return self.size

    @property
    def ids(self) -> list[str]:
        """Every live paragraph id (for checks; a query never needs them all)."""
        return [s.paragraph_id(i) for s in self.segments for i in np.flatnonzero(s.live)]

    @classmethod
    def in_memory(cls, store: Store) -> KeywordIndex:
        """Built from the store and not saved: for a reader finding no index on disk."""
        contexts = decision_contexts(store)
        segments: list[Segment] = []
        reference = None
        for n, chunk in enumerate(decision_chunks(store.iter_paragraphs())):
            segments.append(Segment.build(f"memory-{n}", chunk, contexts, reference))
            reference = segments[0].reference_length
        return cls(segments, store.generation)

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex | None:
        """The index the manifest lists; None when there is none (never built)."""
        for _ in range(3):
            try:
                manifest = json.loads((directory / MANIFEST).read_text())
            except FileNotFoundError:
                return None
            except ValueError as exc:
                log.warning("keyword manifest at %s unreadable (%s)", directory, exc)
                return None
            if manifest.get("format") != FORMAT:
                return None
            try:
                segments = [Segment.load(directory / name) for name in manifest["segments"]]
            except FileNotFoundError:
                continue  # a writer replaced the manifest and removed a segment: read again
            return cls(segments, int(manifest["generation"]))
        return None

    @staticmethod
    def saved_format(directory: Path) -> int | None:
        """The format of the index saved in `directory` (None: none saved, or unreadable)."""
        found = (_saved_manifest(directory) or {}).get("format")
        return found if isinstance(found, int) else None

    @staticmethod
    def manifest_stamp(directory: Path) -> tuple[int, int] | None:
        """Changes whenever a writer replaces the manifest (cheap: one stat)."""
        try:
            stat = (directory / MANIFEST).stat()
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def query(self, text: str, n: int, allowed_refs: set[str] | None = None) -> list[KeywordHit]:
        return self.weighted_query([(text, 1.0)], n, allowed_refs)

    def weighted_query(
        self,
        parts: Sequence[tuple[str, float]],
        n: int,
        allowed_refs: set[str] | None = None,
    ) -> list[KeywordHit]:
        """BM25 of several texts summed with weights (a question and its expansion terms),
        over the paragraphs of `allowed_refs` (None: all), best first, zero scores left out."""
        if not self.segments or n <= 0:
            return []
        weights: Counter[str] = Counter()
        for text, weight in parts:
            if weight:
                for token in words(text):
                    weights[token] += weight
        if not weights:
            return []
        idf = {
            token: _idf(sum(s.document_frequency(token) for s in self.segments), self.size)
            for token in weights
        }
        scored: list[np.ndarray] = []
        for segment in self.segments:
            scores = np.zeros(len(segment), dtype=np.float32)
            for token, weight in weights.items():
                found = segment.token_scores(token)
                if found is None:
                    continue
                own = _idf(segment.document_frequency(token), len(segment))
                scores += np.float32(weight * idf[token] / own) * found
            mask = segment.live
            if allowed_refs is not None:
                mask = mask & segment.ref_mask(allowed_refs)
            scores[~mask] = 0.0
            scored.append(scores)
        every = np.concatenate(scored)
        n = min(n, len(every))
        top = np.argpartition(-every, n - 1)[:n] if n < len(every) else np.arange(len(every))
        top = top[np.argsort(-every[top], kind="stable")]
        starts = np.cumsum([0] + [len(s) for s in self.segments])
        hits: list[KeywordHit] = []
        for position in top:
            score = float(every[position])
            if score <= 0:
                break
            which = int(np.searchsorted(starts, position, side="right")) - 1
            hits.append(
                KeywordHit(self.segments[which].paragraph_id(position - starts[which]), score)
            )
        return hits


class KeywordWriter:
    """Brings the keyword index up to date with the store; the ingest's lock held."""

    def __init__(self, directory: Path, store: Store) -> None:
        self.directory = directory
        self.store = store
        self.next_number = 1
        self.reference_length: float | None = None

    def update(self, *, rebuild: bool = False) -> None:
        """Index the store's keyword backlog (decisions committed since the last update),
        or everything when `rebuild` or when there is no index yet."""
        manifest = self._manifest()
        # Past every segment folder there is, listed or not: an index of an older format,
        # or a crash, leaves folders no manifest of this format counts.
        self.next_number = max(int(manifest.get("next", 1)) if manifest else 1, self._after_last())
        backlog = self.store.keyword_backlog()
        decisions, _ = self.store.totals()
        # Most of the corpus new (a first build, an interrupted rebuild): start afresh.
        rebuild = rebuild or len(backlog) * 2 > decisions
        current = None if rebuild or not manifest else KeywordIndex.load(self.directory)
        if current is not None and not backlog:
            if current.generation != self.store.generation:
                self._write_manifest([s.name for s in current.segments])
            return
        contexts = decision_contexts(self.store)
        if current is None:
            self.reference_length = None  # the first segment's average length becomes it
            names = self._build_segments(self.store.iter_paragraphs(), contexts)
        else:
            self.reference_length = manifest.get("reference_length") if manifest else None
            names = [s.name for s in current.segments]
            names += self._build_segments(self.store.complete_paragraphs(backlog), contexts)
            names = self._merge_small(names, contexts)
        self._write_manifest(names)
        self.store.clear_keyword_backlog(backlog)
        self._remove_unlisted(names)

    def _after_last(self) -> int:
        numbers = [
            int(path.name.removeprefix("seg-"))
            for path in self.directory.glob("seg-*")
            if path.name.removeprefix("seg-").isdigit()
        ]
        return max(numbers, default=0) + 1

    def _manifest(self) -> dict | None:
        manifest = _saved_manifest(self.directory)
        return manifest if manifest and manifest.get("format") == FORMAT else None

    def _build_segments(
        self, batches: Iterable[list[StoredParagraph]], contexts: dict[str, str]
    ) -> list[str]:
        names: list[str] = []
        for chunk in decision_chunks(batches):
            name = f"seg-{self.next_number:06d}"
            self.next_number += 1
            segment = Segment.build(name, chunk, contexts, self.reference_length)
            self.reference_length = segment.reference_length
            names.append(self._save(segment))
        return names

    def _merge_small(self, names: list[str], contexts: dict[str, str]) -> list[str]:
        sizes = {name: self._size(name) for name in names}
        small = [name for name in names if sizes[name] < SMALL_SEGMENT]
        if len(small) <= MAX_SMALL:
            return names
        refs: set[str] = set()
        for name in small:
            refs.update(json.loads((self.directory / name / "refs.json").read_text()))
        merged = self._build_segments(self.store.complete_paragraphs(sorted(refs)), contexts)
        # Appended last: built from the store now, they hold these decisions' current text.
        return [name for name in names if name not in small] + merged

    def _size(self, name: str) -> int:
        return int(np.load(self.directory / name / "codes.npy", mmap_mode="r").shape[0])

    def _save(self, segment: Segment) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f".{segment.name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        segment.save(tmp)
        os.replace(tmp, self.directory / segment.name)
        return segment.name

    def _write_manifest(self, names: list[str]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        manifest = {
            "format": FORMAT,
            "generation": self.store.generation,
            "segments": names,
            "next": self.next_number,
            "reference_length": self.reference_length,
        }
        tmp = self.directory / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(manifest))
        os.replace(tmp, self.directory / MANIFEST)

    def _remove_unlisted(self, names: list[str]) -> None:
        """Segments no manifest lists (merged away, or left by a crash) and files of the
        old whole-index format; a reader that mapped a segment keeps it until it lets go."""
        keep = set(names) | {MANIFEST}
        for path in self.directory.iterdir():
            if path.name not in keep:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
