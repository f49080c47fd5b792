"""Decision files -> the index, incrementally and crash-safely.

Unchanged decisions (same content hash) cost no embedding work; a changed decision replaces
its paragraphs as a unit; a changed embedding model or parser rebuilds everything. Work goes
in batches of paragraphs so memory stays flat however many decisions arrive, and storing a
batch overlaps with encoding the next.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant import PARSER_VERSION
from assistant.errors import ParseError
from assistant.index import Index
from assistant.index.documents import embedding_text
from assistant.index.keyword import KeywordWriter
from assistant.index.store import content_hash, date_number, paragraph_id, paragraph_ref
from assistant.injection import flagged_line, flagged_parts
from assistant.parsing import iter_decision_files, read_path
from assistant.parsing.limits import vet_decision
from assistant.types import Decision, PaymentPurpose, RemedyKind

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, str], None]


@dataclass
class IngestSummary:
    files: int = 0
    decisions: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    paragraphs_embedded: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Added or updated decisions' parts holding text addressed to a model: kept, indexed,
    # searchable, never shown to a model ("20 008 394 ¶5: instruction to a model").
    flagged: list[str] = field(default_factory=list)
    rebuilt: str | None = None
    recovered: int = 0
    seconds: float = 0.0
    encode_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "decisions": self.decisions,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "paragraphs_embedded": self.paragraphs_embedded,
            "skipped": [{"source": s, "reason": r} for s, r in self.skipped],
            "flagged": self.flagged,
            "rebuilt": self.rebuilt,
            "recovered": self.recovered,
            "seconds": round(self.seconds, 3),
        }


def paragraph_metadata(decision: Decision, number: int) -> dict[str, Any]:
    paragraph = decision.paragraph(number)
    remedies = [r for r in decision.remedies if r.paragraph == number]
    payments = [r.amount for r in remedies if r.kind is RemedyKind.PAYMENT and r.amount]
    kinds = sorted({r.kind.value for r in remedies})
    purposes = sorted(
        {p.value for r in remedies for p in r.purposes if p is not PaymentPurpose.OTHER}
    )
    return {
        "ref": decision.ref,
        "council": decision.council or "",
        "category": decision.category or "",
        "subcategory": decision.subcategory or "",
        "outcome": decision.outcome or "",
        "date": date_number(decision.date),
        "year": decision.date.year if decision.date else 0,
        "section": paragraph.section,
        "subsection": paragraph.subsection or "",
        "number": number,
        "has_remedy": bool(remedies),
        "has_payment": bool(payments),
        "payment_max": float(max(payments)) if payments else 0.0,
        "payment_total": float(sum(payments)) if payments else 0.0,
        "remedy_kinds": ",".join(kinds),
        "payment_purposes": ",".join(purposes),
    }


class Ingestor:
    def __init__(self, index: Index, progress: ProgressCallback | None = None) -> None:
        self.index = index
        self.store = index.store
        self.progress = progress or (lambda done, total, label: None)
        self.batch_paragraphs = index.settings.ingest_batch

    def run(
        self, paths: Iterable[Path], decisions: Iterable[Decision | ParseError] = ()
    ) -> IngestSummary:
        """Ingest the files under `paths`, then `decisions` already parsed (e.g. an import)."""
        started = time.perf_counter()
        summary = IngestSummary()
        with self.index.writer_lock():
            files = list(iter_decision_files(list(paths)))
            carried = self._check_fingerprint(summary, files)
            self._recover(summary)
            self._ingest(files, carried, summary, decisions)
            if summary.paragraphs_embedded:
                self._record_encoder(summary)
            self.progress(len(files), len(files), "updating the keyword index")
            KeywordWriter(self.index.keyword_dir, self.store).update(
                rebuild=summary.rebuilt is not None
            )
        summary.seconds = time.perf_counter() - started
        return summary

    def _record_encoder(self, summary: IngestSummary) -> None:
        """Which encoder embedded this ingest, and how fast: `stats` shows it."""
        rate = summary.paragraphs_embedded / max(summary.encode_seconds, 1e-9)
        self.store.set_meta_json(
            "encoder",
            {
                **self.index.embedder.describe(),
                "last_ingest_paragraphs": summary.paragraphs_embedded,
                "last_ingest_paragraphs_per_s": round(rate, 1),
            },
        )

    # -- consistency -------------------------------------------------------------------

    def _check_fingerprint(self, summary: IngestSummary, files: list[Path]) -> list[Decision]:
        """On a new model or parser, start again from every decision the index held.

        Returns the stored decisions whose source files are gone (re-indexed from their
        stored parse, so nothing already stored is lost) and adds the rest to `files`.
        """
        expected = self.index.expected_fingerprint()
        stored = self.index.stored_fingerprint()
        if stored == expected:
            return []
        carried: list[Decision] = []
        if stored is not None:
            summary.rebuilt = f"index built with {stored}; rebuilding with {expected}"
            log.warning(summary.rebuilt)
            given = {path.resolve() for path in files}
            for decision in self.store.decisions():
                source = Path(decision.source.split(":")[0].split("[")[0])
                if source.is_file():
                    if source.resolve() not in given:
                        files.append(source)
                        given.add(source.resolve())
                else:
                    carried.append(decision)
            self.index.vectors.drop()
            self.store.clear()
        self.store.set_meta_json("fingerprint", expected)
        return carried

    def _recover(self, summary: IngestSummary) -> None:
        """Bring Chroma back in line with the store after an interrupted run, or after its
        vectors were changed behind the store's back: compared by ids, not counts (one
        vector deleted and one foreign vector added leave the count unchanged)."""
        pending = self.store.pending_refs()
        if pending:
            # Back to the last committed version (its vectors are written again below), or
            # out of the store if it never was: no decision stays half-written.
            log.warning("recovering %d decisions from an interrupted ingest", len(pending))
            self.index.vectors.delete_where_ref(pending)
            committed = [d for ref in pending if (d := self.store.last_committed(ref))]
            self.store.roll_back_pending(
                {d.ref: content_hash(d, PARSER_VERSION) for d in committed}
            )
            summary.recovered = len(pending)
        vector_ids = self.index.vectors.all_ids()
        stored_ids = self.store.complete_paragraph_ids()
        extra = sorted(vector_ids - stored_ids)
        if extra:
            log.warning("removing %d vectors the store does not hold", len(extra))
            self.index.vectors.delete(extra)
        missing_refs = sorted({paragraph_ref(pid) for pid in stored_ids - vector_ids})
        if missing_refs:
            log.warning("re-embedding %d decisions with missing vectors", len(missing_refs))
            decisions = [d for ref in missing_refs if (d := self.store.decision(ref))]
            self._write([(d, content_hash(d, PARSER_VERSION)) for d in decisions], summary)
            summary.recovered += len(decisions)
        self._store_missing_vectors()
        if not self.store.flags_current():
            if self.store.totals()[0]:  # a new index has nothing to look through
                log.warning(
                    "finding the flagged parts of the stored decisions with today's patterns"
                )
            self.store.find_flagged()

    def _store_missing_vectors(self, page: int = 500) -> None:
        """Copy from Chroma the vectors of decisions indexed before the store kept them
        (once per index: about 40 s at a million paragraphs)."""
        lacking = self.store.refs_without_vectors()
        if lacking:
            log.warning("storing the vectors of %d decisions beside their paragraphs", len(lacking))
        for start in range(0, len(lacking), page):
            refs = lacking[start : start + page]
            ids = self.store.paragraph_ids(refs)
            found = self.index.vectors.embeddings(ids)
            by_ref: dict[str, list[str]] = {}
            for pid in ids:
                by_ref.setdefault(paragraph_ref(pid), []).append(pid)
            self.store.put_vectors(
                (ref, [int(p.rsplit(":", 1)[1]) for p in pids], np.stack([found[p] for p in pids]))
                for ref, pids in by_ref.items()
                if all(p in found for p in pids)
            )

    # -- the main loop -----------------------------------------------------------------

    def _ingest(
        self,
        files: list[Path],
        carried: list[Decision],
        summary: IngestSummary,
        decisions: Iterable[Decision | ParseError] = (),
    ) -> None:
        known = self.store.known_hashes()
        seen: dict[str, str] = {}
        batch: list[tuple[Decision, str]] = []
        batch_paragraphs = 0
        pending_write: Future[None] | None = None
        summary.files = len(files)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-writer") as writer:

            def flush() -> None:
                nonlocal batch, batch_paragraphs, pending_write
                if not batch:
                    return
                items, batch, batch_paragraphs = batch, [], 0
                prepared = self._prepare(items, summary)
                if pending_write is not None:
                    pending_write.result()
                pending_write = writer.submit(self._store_prepared, items, prepared)

            def consider(decision: Decision) -> None:
                nonlocal batch_paragraphs
                summary.decisions += 1
                digest = content_hash(decision, PARSER_VERSION)
                if decision.ref in seen:
                    if seen[decision.ref] != digest:
                        summary.skipped.append(
                            (
                                decision.source,
                                f"{decision.ref} was already read from another "
                                "file in this run with different content; the first was kept",
                            )
                        )
                    return
                seen[decision.ref] = digest
                previous = known.get(decision.ref)
                if previous == (digest, "complete"):
                    summary.unchanged += 1
                    return
                if previous is None:
                    summary.added += 1
                else:
                    summary.updated += 1
                for label, kinds in flagged_parts(decision):
                    summary.flagged.append(flagged_line(label, kinds))
                    log.warning("flagged %s", summary.flagged[-1])
                batch.append((decision, digest))
                batch_paragraphs += len(decision.paragraphs)
                if batch_paragraphs >= self.batch_paragraphs:
                    flush()

            def take(items: Iterable[Decision | ParseError]) -> None:
                for item in items:
                    if isinstance(item, Decision):  # imported ones never met a reader
                        try:
                            item = vet_decision(item)
                        except ParseError as exc:
                            item = exc
                    if isinstance(item, ParseError):
                        summary.skipped.append((item.source, item.reason))
                        log.warning("skipped %s", item)
                    else:
                        consider(item)

            for done, path in enumerate(files, start=1):
                take(read_path(path))
                self.progress(done, len(files), path.name)
            take(decisions)
            # Last, so a decision given again (re-read or re-imported) wins over its old parse.
            for decision in carried:
                if decision.ref not in seen:
                    consider(decision)
            flush()
            if pending_write is not None:
                pending_write.result()

    def _write(self, items: list[tuple[Decision, str]], summary: IngestSummary) -> None:
        self._store_prepared(items, self._prepare(items, summary))

    def _prepare(
        self, items: list[tuple[Decision, str]], summary: IngestSummary
    ) -> tuple[list[str], np.ndarray, list[str], list[dict[str, Any]]]:
        ids: list[str] = []
        texts: list[str] = []
        documents: list[str] = []
        metadatas: list[dict[str, Any]] = []
        for decision, _ in items:
            for paragraph in decision.paragraphs:
                ids.append(paragraph_id(decision.ref, paragraph.number))
                texts.append(embedding_text(decision, paragraph.section, paragraph.text))
                documents.append(paragraph.text)
                metadatas.append(paragraph_metadata(decision, paragraph.number))
        started = time.perf_counter()
        embeddings = self.index.embedder.encode(texts)
        summary.encode_seconds += time.perf_counter() - started
        summary.paragraphs_embedded += len(texts)
        return ids, embeddings, documents, metadatas

    def _store_prepared(
        self,
        items: list[tuple[Decision, str]],
        prepared: tuple[list[str], np.ndarray, list[str], list[dict[str, Any]]],
    ) -> None:
        ids, embeddings, documents, metadatas = prepared
        refs = [decision.ref for decision, _ in items]
        old_ids = set(self.store.paragraph_ids(refs))
        self.store.mark_pending(items)
        self.index.vectors.upsert(ids, embeddings, documents, metadatas)
        stale = sorted(old_ids - set(ids))
        if stale:
            self.index.vectors.delete(stale)
        by_ref: dict[str, np.ndarray] = {}
        start = 0
        for decision, _ in items:
            stop = start + len(decision.paragraphs)
            by_ref[decision.ref] = embeddings[start:stop]
            start = stop
        self.store.commit(items, by_ref)
