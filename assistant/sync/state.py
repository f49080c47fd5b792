"""The crawl state (`sync.sqlite` in the index folder) and the raw page store (`raw/`).

Every step of a sync is one committed transaction, so `kill -9` at any moment loses at most
the request in flight:

- a listing page's items are queued and the walk's cursor moved past it together;
- a decision page is written to the raw store (atomically, by rename), then its row moves
  from `queued` to `fetched` with its validators (ETag / Last-Modified);
- after the index commits the fetched pages, their rows move to `ingested` (or
  `unparsed`, with the parser's reason). A re-run redoes only what is not yet done.

Page states: queued -> fetched -> ingested | unparsed; or gone (404 / 410 after the page
was known), failed (with a reason; retried on the next run).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.index.store import Transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    ref TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    category TEXT NOT NULL,
    listed_date INTEGER NOT NULL DEFAULT 0,
    listing_hash TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    raw_sha TEXT,
    etag TEXT,
    last_modified TEXT,
    prev_hash TEXT,
    status INTEGER,
    reason TEXT,
    checked TEXT,
    seen_walk INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS pages_state ON pages(state);
CREATE TABLE IF NOT EXISTS walks (
    category TEXT PRIMARY KEY,
    walk INTEGER NOT NULL DEFAULT 0,
    next_url TEXT,
    cutoff INTEGER NOT NULL DEFAULT 0,
    until INTEGER NOT NULL DEFAULT 0,
    newest INTEGER NOT NULL DEFAULT 0,
    watermark INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS requests (day TEXT PRIMARY KEY, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class PageRow:
    ref: str
    url: str
    category: str
    listed_date: int
    listing_hash: str
    state: str
    raw_sha: str | None
    etag: str | None
    last_modified: str | None
    prev_hash: str | None
    status: int | None
    reason: str | None


_COLUMNS = (
    "ref, url, category, listed_date, listing_hash, state, raw_sha, etag, last_modified, "
    "prev_hash, status, reason"
)


@dataclass
class Walk:
    category: str
    walk: int
    next_url: str | None
    cutoff: int
    until: int
    newest: int
    watermark: int


class CrawlState:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def tx(self) -> Transaction:
        return Transaction(self.conn)

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def count(self, state: str) -> int:
        row = self.conn.execute("SELECT COUNT(*) FROM pages WHERE state = ?", (state,))
        return int(row.fetchone()[0])

    # -- requests ----------------------------------------------------------------------

    def requests_on(self, day: dt.date) -> int:
        row = self.conn.execute(
            "SELECT count FROM requests WHERE day = ?", (day.isoformat(),)
        ).fetchone()
        return int(row[0]) if row else 0

    def count_request(self, day: dt.date) -> None:
        self.conn.execute(
            "INSERT INTO requests(day, count) VALUES(?, 1) "
            "ON CONFLICT(day) DO UPDATE SET count = count + 1",
            (day.isoformat(),),
        )

    # -- walks -------------------------------------------------------------------------

    def walk(self, category: str) -> Walk:
        row = self.conn.execute(
            "SELECT category, walk, next_url, cutoff, until, newest, watermark FROM walks "
            "WHERE category = ?",
            (category,),
        ).fetchone()
        return Walk(*row) if row else Walk(category, 0, None, 0, 0, 0, 0)

    def save_walk(self, conn: sqlite3.Connection, w: Walk) -> None:
        conn.execute(
            "INSERT INTO walks(category, walk, next_url, cutoff, until, newest, watermark) "
            "VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(category) DO UPDATE SET walk = "
            "excluded.walk, next_url = excluded.next_url, cutoff = excluded.cutoff, until = "
            "excluded.until, newest = excluded.newest, watermark = excluded.watermark",
            (w.category, w.walk, w.next_url, w.cutoff, w.until, w.newest, w.watermark),
        )

    # -- pages -------------------------------------------------------------------------

    def page(self, ref: str) -> PageRow | None:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM pages WHERE ref = ?", (ref,)).fetchone()
        return PageRow(*row) if row else None

    def pages(self, state: str) -> list[PageRow]:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM pages WHERE state = ? ORDER BY listed_date DESC, ref",
            (state,),
        )
        return [PageRow(*row) for row in rows]

    def queue(
        self,
        conn: sqlite3.Connection,
        ref: str,
        url: str,
        category: str,
        listed_date: int,
        listing_hash: str,
        walk: int,
    ) -> None:
        conn.execute(
            "INSERT INTO pages(ref, url, category, listed_date, listing_hash, state, seen_walk) "
            "VALUES(?, ?, ?, ?, ?, 'queued', ?) ON CONFLICT(ref) DO UPDATE SET url = "
            "excluded.url, listed_date = excluded.listed_date, listing_hash = "
            "excluded.listing_hash, state = 'queued', seen_walk = excluded.seen_walk",
            (ref, url, category, listed_date, listing_hash, walk),
        )

    def seen(self, conn: sqlite3.Connection, ref: str, walk: int) -> None:
        conn.execute("UPDATE pages SET seen_walk = ? WHERE ref = ?", (walk, ref))

    def requeue_failed(self) -> int:
        """Transient failures (network, 429, 5xx) are tried again on the next run; a 404 or
        a robots.txt refusal only when the listing shows the decision changed."""
        return self.conn.execute(
            "UPDATE pages SET state = 'queued' WHERE state = 'failed' "
            "AND status IS NOT NULL AND status NOT IN (404, 410)"
        ).rowcount

    def requeue_unseen(self, category: str, walk: int) -> int:
        """Known decisions a complete walk of the listing did not show: check they still exist."""
        return self.conn.execute(
            "UPDATE pages SET state = 'queued' WHERE category = ? AND seen_walk != ? "
            "AND state IN ('ingested', 'unparsed')",
            (category, walk),
        ).rowcount

    def requeue_stalest(self, count: int) -> int:
        """The `count` indexed decisions checked longest ago, for a conditional re-check."""
        return self.conn.execute(
            "UPDATE pages SET state = 'queued' WHERE ref IN (SELECT ref FROM pages "
            "WHERE state = 'ingested' ORDER BY checked, ref LIMIT ?)",
            (count,),
        ).rowcount

    def update(self, ref: str, **values: object) -> None:
        values["checked"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        sets = ", ".join(f"{name} = ?" for name in values)
        self.conn.execute(f"UPDATE pages SET {sets} WHERE ref = ?", (*values.values(), ref))

    def counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT state, COUNT(*) FROM pages GROUP BY state"))


class RawStore:
    """Pages as fetched, gzipped, named by the SHA-256 of their bytes: raw/ab/abcd....html.gz.

    The index reads them like any decision file, so a parser change re-parses from here
    without the network.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / f"{sha}.html.gz"

    def put(self, content: bytes) -> str:
        sha = hashlib.sha256(content).hexdigest()
        target = self.path(sha)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(f".tmp{os.getpid()}")
            temporary.write_bytes(gzip.compress(content, mtime=0))
            os.replace(temporary, target)
        return sha

    def get(self, sha: str) -> bytes:
        return gzip.decompress(self.path(sha).read_bytes())

    def __iter__(self) -> Iterator[Path]:
        return iter(sorted(self.root.glob("*/*.html.gz")))
