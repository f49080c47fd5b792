"""The index's source of truth: a SQLite manifest of decisions, paragraphs and joint groups.

Chroma holds one vector per paragraph and the keyword index is rebuilt from here, so after
any crash the store says what must be present and the other two are brought back in line.
A decision is written in three steps: marked `pending` with its new hash, its vectors
upserted, then its paragraphs replaced and the decision marked `complete` in one
transaction. A decision still `pending` at start-up is redone.

Durability. SQLite runs in WAL mode (`synchronous=NORMAL`): readers never block the one
writer nor see a half-written transaction, and a committed transaction survives a crash of
the process (a power cut may lose the last few, never corrupt the file). The transaction
boundaries, each one `BEGIN IMMEDIATE ... COMMIT` (`Transaction`):
- `mark_pending`: every decision of a batch marked pending with its new hash, at once;
- (Chroma: the batch's vectors upserted, stale ones deleted: not in any SQLite transaction)
- `commit`: the batch's paragraphs, remedies, float16 copies of their vectors and flagged
  parts replaced, its decisions marked complete, joint groups recomputed and the
  generation bumped, at once;
- `clear`, `set_meta`, `mark_withdrawn`, `clear_withdrawn`, each page of `put_vectors`
  and `find_flagged` (copying to an index made before those were kept): one transaction
  each.
So after a crash or a full disk at any point a decision is either complete (its old or its
new version) or pending, and the next ingest redoes the pending ones and reconciles Chroma
with the store by paragraph ids. One writer at a time: `Index.writer_lock`. A folder that
cannot be written is opened read-only (`read_only`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.injection import PATTERNS_VERSION, flagged_parts
from assistant.types import Decision, Remedy, SearchFilters

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    ref TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    source TEXT NOT NULL,
    group_id TEXT,
    council TEXT,
    category TEXT,
    subcategory TEXT,
    outcome TEXT,
    date_num INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_group ON decisions(group_id);
CREATE INDEX IF NOT EXISTS decisions_category ON decisions(category, subcategory);
CREATE INDEX IF NOT EXISTS decisions_outcome ON decisions(outcome);
-- Filters compare without case (`filters_sql`) and read only state and ref: these indexes
-- answer them without reading a decision's row (each row holds its whole body: 12,000
-- references took 22 ms through the table at 1M paragraphs, 3.5 ms from the index).
CREATE INDEX IF NOT EXISTS decisions_category_covering ON decisions(lower(category), state, ref);
CREATE INDEX IF NOT EXISTS decisions_subcategory_covering
    ON decisions(lower(subcategory), state, ref);
CREATE INDEX IF NOT EXISTS decisions_outcome_covering ON decisions(lower(outcome), state, ref);
CREATE INDEX IF NOT EXISTS decisions_council_covering ON decisions(lower(council), state, ref);
CREATE INDEX IF NOT EXISTS decisions_date_covering ON decisions(date_num, state, ref);
DROP INDEX IF EXISTS decisions_category_nocase;
DROP INDEX IF EXISTS decisions_subcategory_nocase;
DROP INDEX IF EXISTS decisions_outcome_nocase;
DROP INDEX IF EXISTS decisions_council_nocase;
DROP INDEX IF EXISTS decisions_date;
CREATE TABLE IF NOT EXISTS paragraphs (
    id TEXT PRIMARY KEY,
    ref TEXT NOT NULL,
    number INTEGER NOT NULL,
    section TEXT NOT NULL,
    subsection TEXT,
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS paragraphs_ref ON paragraphs(ref);
CREATE INDEX IF NOT EXISTS paragraphs_hash ON paragraphs(text_hash);
CREATE TABLE IF NOT EXISTS remedies (
    ref TEXT NOT NULL,
    position INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (ref, position)
);
-- Each complete decision's paragraph vectors (float16, in paragraph order), written in the
-- transaction that writes its paragraphs, so they always agree: exact search under a
-- filter reads a few hundred decisions' vectors here in milliseconds, where Chroma gives
-- 30 us a vector by id and its HNSW search among 1,000 ids takes 210 ms at 1M vectors.
-- A decision without a row (an index from before, until its next ingest) is searched in
-- Chroma instead.
CREATE TABLE IF NOT EXISTS decision_vectors (
    ref TEXT PRIMARY KEY,
    numbers BLOB NOT NULL,
    vectors BLOB NOT NULL
);
-- What each complete decision holds that is addressed to a model (`injection.flags`),
-- found as it is committed: `stats` lists it without reading every paragraph (39 s at 1M).
-- Current while meta `flags_version` is the patterns' version (the next ingest finds them
-- again after a change).
CREATE TABLE IF NOT EXISTS flagged (
    ref TEXT NOT NULL,
    position INTEGER NOT NULL,
    part TEXT NOT NULL,
    kinds TEXT NOT NULL,
    PRIMARY KEY (ref, position)
);
-- Decisions committed since the keyword index last took them in (see keyword.py).
CREATE TABLE IF NOT EXISTS keyword_backlog (ref TEXT PRIMARY KEY);
-- A decision the site no longer serves (404 / 410): kept and answered from, but flagged.
CREATE TABLE IF NOT EXISTS withdrawn (
    ref TEXT PRIMARY KEY,
    since TEXT NOT NULL,
    status INTEGER NOT NULL,
    url TEXT NOT NULL
);
"""

# A joint decision's members share almost all their text; a paragraph hash found in more
# decisions than this is boilerplate and says nothing about which decisions are joint.
_JOINT_CANDIDATE_MAX_SHARE = 25
_JOINT_SIMILARITY = 0.9


def paragraph_id(ref: str, number: int) -> str:
    return f"{ref.replace(' ', '-')}:{number}"


def paragraph_ref(pid: str) -> str:
    """The reference a paragraph id names: '20-008-394:29' -> '20 008 394'."""
    return pid.rsplit(":", 1)[0].replace("-", " ")


def normalise_for_hash(text: str) -> str:
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def text_hash(text: str) -> str:
    return hashlib.sha1(normalise_for_hash(text).encode()).hexdigest()[:16]


def content_hash(decision: Decision, parser_version: str) -> str:
    body = decision.model_dump_json(exclude={"source"})
    return hashlib.sha256(f"{parser_version}\n{body}".encode()).hexdigest()


def date_number(date: dt.date | None) -> int:
    return date.year * 10000 + date.month * 100 + date.day if date else 0


@dataclass(frozen=True)
class StoredParagraph:
    id: str
    ref: str
    number: int
    section: str
    subsection: str | None
    text: str
    text_hash: str


@dataclass(frozen=True)
class DecisionMeta:
    ref: str
    council: str | None
    category: str | None
    subcategory: str | None
    outcome: str | None
    date: dt.date | None
    url: str
    withdrawn: dt.date | None = None


class Store:
    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        """`read_only`: the folder cannot be written (a read-only mount, another user's
        index): opened immutable, so SQLite needs no -wal or -shm file beside it."""
        self.path = path
        self.read_only = read_only
        self._local = threading.local()
        if not read_only:
            self.conn.executescript(SCHEMA)

    # connections: one per thread (the UI answers on worker threads)
    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.read_only:
                uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
                conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
            else:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def _tx(self) -> Transaction:
        return Transaction(self.conn)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # meta
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    @property
    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    # decisions
    def known_hashes(self) -> dict[str, tuple[str, str]]:
        """ref -> (content hash, state) for every stored decision."""
        rows = self.conn.execute("SELECT ref, content_hash, state FROM decisions")
        return {ref: (h, state) for ref, h, state in rows}

    def pending_refs(self) -> list[str]:
        rows = self.conn.execute("SELECT ref FROM decisions WHERE state = 'pending'")
        return [r[0] for r in rows]

    def mark_pending(self, items: Iterable[tuple[Decision, str]]) -> None:
        with self._tx() as conn:
            for decision, digest in items:
                conn.execute(
                    "INSERT INTO decisions(ref, content_hash, state, source, body) "
                    "VALUES(?, ?, 'pending', ?, '{}') ON CONFLICT(ref) DO UPDATE SET "
                    "content_hash = excluded.content_hash, state = 'pending', "
                    "source = excluded.source",
                    (decision.ref, digest, decision.source),
                )

    def roll_back_pending(self, digests: dict[str, str]) -> None:
        """Pending decisions an interrupted run left: those in `digests` (ref -> the hash of
        their last committed version, whose paragraphs the store still holds) are marked
        complete again; the others were never committed and are removed."""
        with self._tx() as conn:
            for ref in [
                r for (r,) in conn.execute("SELECT ref FROM decisions WHERE state = 'pending'")
            ]:
                if ref in digests:
                    conn.execute(
                        "UPDATE decisions SET state = 'complete', content_hash = ? WHERE ref = ?",
                        (digests[ref], ref),
                    )
                else:
                    conn.execute("DELETE FROM paragraphs WHERE ref = ?", (ref,))
                    conn.execute("DELETE FROM remedies WHERE ref = ?", (ref,))
                    conn.execute("DELETE FROM decision_vectors WHERE ref = ?", (ref,))
                    conn.execute("DELETE FROM flagged WHERE ref = ?", (ref,))
                    conn.execute("DELETE FROM decisions WHERE ref = ?", (ref,))
            self._bump_generation(conn)

    def last_committed(self, ref: str) -> Decision | None:
        """The decision as it was last committed, even while an update of it is pending."""
        row = self.conn.execute("SELECT body FROM decisions WHERE ref = ?", (ref,)).fetchone()
        return Decision.model_validate_json(row[0]) if row and row[0] != "{}" else None

    def totals(self) -> tuple[int, int]:
        """(complete decisions, paragraphs), counted once per store generation."""
        generation = self.generation
        cached = getattr(self, "_totals", None)
        if cached is None or cached[0] != generation:
            decisions = self.conn.execute(
                "SELECT COUNT(*) FROM decisions WHERE state = 'complete'"
            ).fetchone()[0]
            cached = (generation, int(decisions), self.count_paragraphs())
            self._totals = cached
        return cached[1], cached[2]

    def paragraph_ids(self, refs: Iterable[str]) -> list[str]:
        ids: list[str] = []
        for rows in self._in_chunks("SELECT id FROM paragraphs WHERE ref", list(refs)):
            ids.extend(r[0] for r in rows)
        return ids

    def commit(
        self, items: list[tuple[Decision, str]], vectors: dict[str, np.ndarray] | None = None
    ) -> None:
        """Replace the decisions' paragraphs, mark them complete and regroup joint ones.
        `vectors`: ref -> its paragraphs' vectors, in paragraph order (a decision left out
        loses its stored ones, so none outlives its paragraphs)."""
        vectors = vectors or {}
        with self._tx() as conn:
            for decision, digest in items:
                conn.execute("DELETE FROM paragraphs WHERE ref = ?", (decision.ref,))
                conn.execute("DELETE FROM remedies WHERE ref = ?", (decision.ref,))
                conn.execute("DELETE FROM decision_vectors WHERE ref = ?", (decision.ref,))
                _put_flags(conn, decision)
                if decision.ref in vectors:
                    numbers = [p.number for p in decision.paragraphs]
                    _put_vectors(conn, decision.ref, numbers, vectors[decision.ref])
                conn.executemany(
                    "INSERT INTO remedies(ref, position, paragraph, body) VALUES(?, ?, ?, ?)",
                    [
                        (decision.ref, i, r.paragraph, r.model_dump_json())
                        for i, r in enumerate(decision.remedies)
                    ],
                )
                conn.executemany(
                    "INSERT INTO paragraphs(id, ref, number, section, subsection, text, "
                    "text_hash) VALUES(?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            paragraph_id(decision.ref, p.number),
                            decision.ref,
                            p.number,
                            p.section,
                            p.subsection,
                            p.text,
                            text_hash(p.text),
                        )
                        for p in decision.paragraphs
                    ],
                )
                conn.execute(
                    "UPDATE decisions SET content_hash = ?, state = 'complete', source = ?, "
                    "council = ?, category = ?, subcategory = ?, outcome = ?, date_num = ?, "
                    "body = ?, group_id = ? WHERE ref = ?",
                    (
                        digest,
                        decision.source,
                        decision.council,
                        decision.category,
                        decision.subcategory,
                        decision.outcome,
                        date_number(decision.date),
                        decision.model_dump_json(),
                        decision.ref,
                        decision.ref,
                    ),
                )
            for decision, _ in items:
                self._regroup(conn, decision.ref)
            conn.executemany(
                "INSERT OR IGNORE INTO keyword_backlog(ref) VALUES(?)",
                [(decision.ref,) for decision, _ in items],
            )
            self._bump_generation(conn)

    def clear(self) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM paragraphs")
            conn.execute("DELETE FROM remedies")
            conn.execute("DELETE FROM decision_vectors")
            conn.execute("DELETE FROM flagged")
            conn.execute("DELETE FROM decisions")
            conn.execute("DELETE FROM keyword_backlog")  # the keyword index is rebuilt whole
            self._bump_generation(conn)

    def _bump_generation(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES('generation', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
        )

    def _regroup(self, conn: sqlite3.Connection, ref: str) -> None:
        """Join `ref` to decisions whose text is (nearly) the same: one joint decision."""
        candidates: set[str] = set()
        hashes = [
            h for (h,) in conn.execute("SELECT text_hash FROM paragraphs WHERE ref = ?", (ref,))
        ]
        for digest in hashes:
            sharing = [
                r
                for (r,) in conn.execute(
                    "SELECT ref FROM paragraphs WHERE text_hash = ? LIMIT ?",
                    (digest, _JOINT_CANDIDATE_MAX_SHARE + 1),
                )
            ]
            if len(sharing) <= _JOINT_CANDIDATE_MAX_SHARE:
                candidates.update(r for r in sharing if r != ref)
        rows = [(c,) for c in sorted(candidates)]
        mine = _shingles(self._body_text(conn, ref))
        joint = {ref}
        for (other,) in rows:
            if _jaccard(mine, _shingles(self._body_text(conn, other))) >= _JOINT_SIMILARITY:
                joint.add(other)
        groups = {
            g
            for (g,) in conn.execute(
                f"SELECT group_id FROM decisions WHERE ref IN ({','.join('?' * len(joint))})",
                sorted(joint),
            )
            if g
        }
        members = set(joint)
        for group in groups:
            members.update(
                r for (r,) in conn.execute("SELECT ref FROM decisions WHERE group_id = ?", (group,))
            )
        if len(members) == 1:
            conn.execute("UPDATE decisions SET group_id = ? WHERE ref = ?", (ref, ref))
            return
        group_id = min(members)
        conn.executemany(
            "UPDATE decisions SET group_id = ? WHERE ref = ?", [(group_id, m) for m in members]
        )

    @staticmethod
    def _body_text(conn: sqlite3.Connection, ref: str) -> str:
        rows = conn.execute("SELECT text FROM paragraphs WHERE ref = ? ORDER BY number", (ref,))
        return "\n".join(r[0] for r in rows)

    # reading
    def decision(self, ref: str) -> Decision | None:
        row = self.conn.execute(
            "SELECT body FROM decisions WHERE ref = ? AND state = 'complete'", (ref,)
        ).fetchone()
        return Decision.model_validate_json(row[0]) if row else None

    def decisions(self) -> Iterator[Decision]:
        rows = self.conn.execute("SELECT body FROM decisions WHERE state = 'complete' ORDER BY ref")
        for (body,) in rows:
            yield Decision.model_validate_json(body)

    def decision_meta(self, refs: Iterable[str]) -> dict[str, DecisionMeta]:
        found: dict[str, DecisionMeta] = {}
        for rows in self._in_chunks(
            "SELECT d.ref, council, category, subcategory, outcome, date_num, "
            "json_extract(body, '$.url'), w.since FROM decisions d "
            "LEFT JOIN withdrawn w ON w.ref = d.ref WHERE d.ref",
            sorted(set(refs)),
        ):
            for ref, council, category, subcategory, outcome, date_num, url, gone in rows:
                date = (
                    dt.date(date_num // 10000, date_num // 100 % 100, date_num % 100)
                    if date_num
                    else None
                )
                found[ref] = DecisionMeta(
                    ref,
                    council,
                    category,
                    subcategory,
                    outcome,
                    date,
                    url,
                    dt.date.fromisoformat(gone) if gone else None,
                )
        return found

    def decision_texts(self, refs: Iterable[str]) -> dict[str, str]:
        """ref -> its council and whole record as stored (for name checks on a few hits)."""
        found: dict[str, str] = {}
        for rows in self._in_chunks(
            "SELECT ref, council, body FROM decisions WHERE ref", sorted(set(refs))
        ):
            for ref, council, body in rows:
                found[ref] = f"{council or ''}\n{body}"
        return found

    def group_members(self, refs: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """ref -> every reference of its joint decision (itself alone when not joint)."""
        result: dict[str, tuple[str, ...]] = {}
        for rows in self._in_chunks(
            "SELECT d.ref, m.ref FROM decisions d JOIN decisions m "
            "ON m.group_id = d.group_id WHERE d.ref",
            sorted(set(refs)),
            " ORDER BY m.ref",
        ):
            grouped: dict[str, list[str]] = {}
            for ref, member in rows:
                grouped.setdefault(ref, []).append(member)
            result.update({ref: tuple(members) for ref, members in grouped.items()})
        return result

    def remedies(
        self, filters: SearchFilters, refs: Iterable[str] | None = None
    ) -> Iterator[tuple[str, str, Remedy]]:
        """(ref, group id, remedy) for complete decisions passing the filters (and in `refs`)."""
        clauses, args = filters_sql(filters, "d")
        where = " AND ".join(["d.state = 'complete'", *clauses])
        sql = (
            "SELECT r.ref, COALESCE(d.group_id, r.ref), r.body FROM remedies r "
            f"JOIN decisions d ON d.ref = r.ref WHERE {where}"
        )
        if refs is None:
            for ref, group, body in self.conn.execute(sql + " ORDER BY r.ref, r.position", args):
                yield ref, group, Remedy.model_validate_json(body)
            return
        for rows in self._in_chunks(
            sql + " AND r.ref", sorted(set(refs)), " ORDER BY r.ref, r.position", args
        ):
            for ref, group, body in rows:
                yield ref, group, Remedy.model_validate_json(body)

    def distinct(self, column: str) -> list[str]:
        """The values a filter can take: distinct categories, subcategories, outcomes, councils."""
        if column not in ("category", "subcategory", "outcome", "council"):
            raise ValueError(f"not a filter column: {column}")
        rows = self.conn.execute(
            f"SELECT DISTINCT {column} FROM decisions WHERE state = 'complete' "
            f"AND {column} IS NOT NULL ORDER BY {column}"
        )
        return [r[0] for r in rows]

    def count_groups(self, filters: SearchFilters) -> int:
        """Complete decisions passing the filters, a joint decision counted once."""
        clauses, args = filters_sql(filters)
        where = " AND ".join(["state = 'complete'", *clauses])
        sql = f"SELECT COUNT(DISTINCT COALESCE(group_id, ref)) FROM decisions WHERE {where}"
        return int(self.conn.execute(sql, args).fetchone()[0])

    def group_of(self, refs: Iterable[str]) -> dict[str, str]:
        result: dict[str, str] = {}
        for rows in self._in_chunks(
            "SELECT ref, COALESCE(group_id, ref) FROM decisions WHERE ref", sorted(set(refs))
        ):
            result.update(dict(rows))
        return result

    def paragraphs_by_id(self, ids: list[str]) -> dict[str, StoredParagraph]:
        """The paragraphs among `ids` of committed decisions (a pending one's are not)."""
        found: dict[str, StoredParagraph] = {}
        for rows in self._in_chunks(f"{_COMPLETE_PARAGRAPHS} AND p.id", ids):
            found.update({row[0]: StoredParagraph(*row) for row in rows})
        return found

    def _in_chunks(
        self, head: str, values: list, tail: str = "", args: Sequence[object] = ()
    ) -> Iterator[list[tuple]]:
        """`{head} IN (…){tail}` over `values`, 500 at a time (after `args`): the rows of
        each chunk, so no statement grows with the number of values."""
        for chunk in _chunks(values, 500):
            marks = ",".join("?" * len(chunk))
            yield self.conn.execute(f"{head} IN ({marks}){tail}", [*args, *chunk]).fetchall()

    def decision_labels(self) -> Iterator[tuple[str, str | None, str | None, str | None]]:
        """(ref, council, category, subcategory) of every complete decision."""
        yield from self.conn.execute(
            "SELECT ref, council, category, subcategory FROM decisions WHERE state = 'complete'"
        )

    def iter_paragraphs(self, batch: int = 5000) -> Iterator[list[StoredParagraph]]:
        """Every paragraph of every complete decision, in id order, batch by batch."""
        last = ""
        while True:
            rows = self.conn.execute(
                f"{_COMPLETE_PARAGRAPHS} AND p.id > ? ORDER BY p.id LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            yield [StoredParagraph(*row) for row in rows]
            last = rows[-1][0]

    def complete_paragraph_ids(self) -> set[str]:
        """The ids of every paragraph of every complete decision (no texts read: 0.04 s
        at 100k paragraphs, against 0.45 s through `iter_paragraphs`)."""
        rows = self.conn.execute(
            "SELECT p.id FROM paragraphs p JOIN decisions d ON d.ref = p.ref "
            "WHERE d.state = 'complete'"
        )
        return {row[0] for row in rows}

    def complete_paragraphs(self, refs: Iterable[str]) -> Iterator[list[StoredParagraph]]:
        """The paragraphs of those of `refs` that are committed, a chunk of decisions at a
        time, each decision's in number order."""
        for rows in self._in_chunks(
            f"{_COMPLETE_PARAGRAPHS} AND p.ref", sorted(set(refs)), " ORDER BY p.ref, p.number"
        ):
            yield [StoredParagraph(*row) for row in rows]

    # stored vectors
    def vectors_of(self, refs: Iterable[str]) -> tuple[list[str], np.ndarray] | None:
        """(paragraph ids, their vectors as float16 rows) of the decisions; None when one
        of them has none stored (then search Chroma)."""
        wanted = sorted(set(refs))
        ids: list[str] = []
        blocks: list[np.ndarray] = []
        for rows in self._in_chunks(
            "SELECT ref, numbers, vectors FROM decision_vectors WHERE ref", wanted
        ):
            for ref, numbers_blob, vectors_blob in rows:
                numbers = np.frombuffer(numbers_blob, dtype=np.int32)
                matrix = np.frombuffer(vectors_blob, dtype=np.float16)
                if not len(numbers) or matrix.size % len(numbers):
                    return None
                ids.extend(paragraph_id(ref, n) for n in numbers.tolist())
                blocks.append(matrix.reshape(len(numbers), -1))
        if len(blocks) != len(wanted) or len({b.shape[1] for b in blocks}) > 1:
            return None
        if not blocks:
            return [], np.zeros((0, 0), dtype=np.float16)
        return ids, np.concatenate(blocks)

    def refs_without_vectors(self) -> list[str]:
        """Complete decisions with no stored vectors (indexed before they were stored)."""
        rows = self.conn.execute(
            "SELECT ref FROM decisions d WHERE state = 'complete' AND NOT EXISTS "
            "(SELECT 1 FROM decision_vectors v WHERE v.ref = d.ref) ORDER BY ref"
        )
        return [r[0] for r in rows]

    def put_vectors(self, entries: Iterable[tuple[str, list[int], np.ndarray]]) -> None:
        """Store (ref, paragraph numbers, their vectors) for complete decisions whose
        paragraphs are exactly those numbers; others are left without."""
        with self._tx() as conn:
            for ref, numbers, matrix in entries:
                stored = [
                    n
                    for (n,) in conn.execute(
                        "SELECT p.number FROM paragraphs p JOIN decisions d ON d.ref = p.ref "
                        "WHERE p.ref = ? AND d.state = 'complete' ORDER BY p.number",
                        (ref,),
                    )
                ]
                if stored and stored == sorted(numbers):
                    _put_vectors(conn, ref, numbers, matrix)

    # flagged text
    def flagged(self) -> list[tuple[str, tuple[str, ...]]] | None:
        """(part, kinds) of every header and paragraph of the complete decisions holding
        text addressed to a model, by reference; None unless found with today's patterns."""
        if not self.flags_current():
            return None
        rows = self.conn.execute(
            "SELECT f.part, f.kinds FROM flagged f JOIN decisions d ON d.ref = f.ref "
            "WHERE d.state = 'complete' ORDER BY f.ref, f.position"
        )
        return [(part, tuple(kinds.split(","))) for part, kinds in rows]

    def flagged_refs(self, refs: Iterable[str]) -> set[str]:
        """The decisions among `refs` with any part found addressed to a model (as far as
        the flags stored so far go). Read whole: flagged decisions are few, while `refs`
        may be every decision with a remedy."""
        flagged = {ref for (ref,) in self.conn.execute("SELECT DISTINCT ref FROM flagged")}
        return flagged.intersection(refs) if flagged else set()

    def flags_current(self) -> bool:
        return self.get_meta("flags_version") == PATTERNS_VERSION

    def find_flagged(self, page: int = 500) -> None:
        """Find the flagged parts of every stored decision again, with today's patterns
        (an index from before they were stored, or after the patterns changed)."""
        refs = [r for (r,) in self.conn.execute("SELECT ref FROM decisions ORDER BY ref")]
        for start in range(0, len(refs), page):
            chunk = refs[start : start + page]
            with self._tx() as conn:
                for ref in chunk:
                    if (decision := self.last_committed(ref)) is not None:
                        _put_flags(conn, decision)  # replaces the decision's rows
                    else:
                        conn.execute("DELETE FROM flagged WHERE ref = ?", (ref,))
        self.set_meta("flags_version", PATTERNS_VERSION)

    def keyword_backlog(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT ref FROM keyword_backlog ORDER BY ref")]

    def clear_keyword_backlog(self, refs: Iterable[str]) -> None:
        with self._tx() as conn:
            conn.executemany("DELETE FROM keyword_backlog WHERE ref = ?", [(r,) for r in refs])

    def shared_hashes(self, hashes: Iterable[str], min_decisions: int) -> set[str]:
        """Those of `hashes` whose text stands in at least `min_decisions` distinct (joint-
        grouped) decisions. Each look-up stops at `min_decisions`, so its cost does not grow
        with the corpus however many decisions share a text."""
        shared: set[str] = set()
        for digest in set(hashes):
            found = self.conn.execute(
                "SELECT COUNT(*) FROM (SELECT DISTINCT COALESCE(d.group_id, d.ref) "
                "FROM paragraphs p JOIN decisions d ON d.ref = p.ref "
                "WHERE p.text_hash = ? LIMIT ?)",
                (digest, min_decisions),
            ).fetchone()[0]
            if found >= min_decisions:
                shared.add(digest)
        return shared

    def refs_matching(self, filters: SearchFilters) -> set[str] | None:
        """References passing the filters; None when no filter is set."""
        if filters.is_empty():
            return None
        clauses, args = filters_sql(filters)
        rows = self.conn.execute(
            f"SELECT ref FROM decisions WHERE state = 'complete' AND {' AND '.join(clauses)}",
            args,
        )
        return {r[0] for r in rows}

    def count_paragraphs(self, refs: set[str] | None = None) -> int:
        if refs is None:
            return int(self.conn.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0])
        return sum(
            rows[0][0]
            for rows in self._in_chunks("SELECT COUNT(*) FROM paragraphs WHERE ref", sorted(refs))
        )

    def stats(self) -> dict[str, object]:
        conn = self.conn

        def counts(sql: str) -> dict[str, int]:
            return {str(k) if k is not None else "(none)": v for k, v in conn.execute(sql)}

        complete = "FROM decisions WHERE state = 'complete'"
        return {
            "decisions": conn.execute(f"SELECT COUNT(*) {complete}").fetchone()[0],
            "joint_groups": conn.execute(
                f"SELECT COUNT(*) FROM (SELECT group_id {complete} GROUP BY group_id "
                "HAVING COUNT(*) > 1)"
            ).fetchone()[0],
            "paragraphs": self.count_paragraphs(),
            "pending": len(self.pending_refs()),
            "withdrawn": conn.execute("SELECT COUNT(*) FROM withdrawn").fetchone()[0],
            "by_category": counts(
                f"SELECT category, COUNT(*) {complete} GROUP BY category ORDER BY 2 DESC"
            ),
            "by_outcome": counts(
                f"SELECT outcome, COUNT(*) {complete} GROUP BY outcome ORDER BY 2 DESC"
            ),
            "by_year": counts(
                f"SELECT CASE WHEN date_num > 0 THEN date_num / 10000 END AS y, COUNT(*) "
                f"{complete} GROUP BY y ORDER BY y"
            ),
        }

    # withdrawn decisions (side table; never deleted from the index)
    def mark_withdrawn(self, ref: str, since: dt.date, status: int, url: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO withdrawn(ref, since, status, url) VALUES(?, ?, ?, ?) "
                "ON CONFLICT(ref) DO NOTHING",
                (ref, since.isoformat(), status, url),
            )

    def clear_withdrawn(self, refs: Iterable[str]) -> None:
        with self._tx() as conn:
            conn.executemany("DELETE FROM withdrawn WHERE ref = ?", [(r,) for r in refs])

    def withdrawn(self) -> dict[str, dt.date]:
        rows = self.conn.execute("SELECT ref, since FROM withdrawn ORDER BY ref")
        return {ref: dt.date.fromisoformat(since) for ref, since in rows}

    def get_meta_json(self, key: str) -> Any:
        """A meta value written by `set_meta_json`; None when absent or unreadable."""
        raw = self.get_meta(key)
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def set_meta_json(self, key: str, value: object) -> None:
        self.set_meta(key, json.dumps(value, sort_keys=True))


def filters_sql(filters: SearchFilters, table: str = "") -> tuple[list[str], list[object]]:
    t = f"{table}." if table else ""
    clauses: list[str] = []
    args: list[object] = []
    for column in ("category", "subcategory", "outcome", "council"):
        value = getattr(filters, column)
        if value:
            clauses.append(f"lower({t}{column}) = lower(?)")
            args.append(value)
    if filters.ref:
        clauses.append(f"{t}ref = ?")
        args.append(filters.ref)
    if filters.date_from:
        clauses.append(f"{t}date_num >= ?")
        args.append(date_number(filters.date_from))
    if filters.date_to:
        clauses.append(f"{t}date_num > 0 AND {t}date_num <= ?")
        args.append(date_number(filters.date_to))
    return clauses, args


class Transaction:
    """`with Transaction(conn):` one IMMEDIATE transaction, committed or rolled back."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


_COMPLETE_PARAGRAPHS = (
    "SELECT p.id, p.ref, p.number, p.section, p.subsection, p.text, p.text_hash "
    "FROM paragraphs p JOIN decisions d ON d.ref = p.ref WHERE d.state = 'complete'"
)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _shingles(text: str, width: int = 3) -> set[str]:
    words = normalise_for_hash(text).split()
    return {" ".join(words[i : i + width]) for i in range(max(1, len(words) - width + 1))}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _put_vectors(
    conn: sqlite3.Connection, ref: str, numbers: Sequence[int], matrix: np.ndarray
) -> None:
    if len(numbers) != len(matrix):
        raise ValueError(f"{ref}: {len(numbers)} paragraphs but {len(matrix)} vectors")
    conn.execute(
        "INSERT OR REPLACE INTO decision_vectors(ref, numbers, vectors) VALUES(?, ?, ?)",
        (
            ref,
            np.asarray(numbers, dtype=np.int32).tobytes(),
            np.asarray(matrix, dtype=np.float16).tobytes(),
        ),
    )


def _put_flags(conn: sqlite3.Connection, decision: Decision) -> None:
    conn.execute("DELETE FROM flagged WHERE ref = ?", (decision.ref,))
    conn.executemany(
        "INSERT INTO flagged(ref, position, part, kinds) VALUES(?, ?, ?, ?)",
        [
            (decision.ref, position, part, ",".join(kinds))
            for position, (part, kinds) in enumerate(flagged_parts(decision))
        ],
    )
