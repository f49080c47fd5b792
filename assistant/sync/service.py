"""`assistant sync`: lgo.org.uk (or a mirror) -> raw store -> the index, incrementally.

One run: read robots.txt; walk each category's listing (newest first) queueing decisions
that are new, or whose listing item changed, or that failed last time; fetch the queued
pages (conditional GETs for pages fetched before); ingest what was fetched through the
ordinary `Ingestor`. A re-sync stops walking at the first listing page entirely older than
the newest decision of the last complete walk less `overlap_days` (or `--since`).
A complete walk with no cut-off (the first sync, or `--full`) also re-checks known decisions
the listing no longer shows, so a withdrawn decision is found. An edit the listing does not
show is found by `--revalidate N`: conditional GETs of the N decisions checked longest ago
(a 304 costs no body), so a nightly `--revalidate 200` re-checks 5,000 decisions a month.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant import PARSER_VERSION
from assistant.errors import AssistantError, InputError
from assistant.index.store import date_number
from assistant.settings import Settings
from assistant.sync.http import BudgetExhausted, Fetched, PoliteClient, is_loopback
from assistant.sync.listing import parse_listing
from assistant.sync.state import CrawlState, PageRow, RawStore, Walk

log = logging.getLogger(__name__)

ATTRIBUTION = (
    "Local Government and Social Care Ombudsman, https://www.lgo.org.uk/decisions "
    "(re-use terms: https://www.lgo.org.uk/copyright)"
)
ProgressCallback = Callable[[str, int, int | None, str], None]  # phase, done, total, label


@dataclass
class SyncOptions:
    categories: list[str] | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    limit: int | None = None
    site: str | None = None
    delay_s: float | None = None
    full: bool = False
    revalidate: int = 0  # also re-check this many decisions, those checked longest ago
    ingest: bool = True


@dataclass
class SyncSummary:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # ref, url, reason
    requests: int = 0
    listing_pages: int = 0
    decision_requests: int = 0
    fetched: int = 0
    retries: int = 0
    stopped: str | None = None
    seconds: float = 0.0
    ingested: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "gone": len(self.gone),
            "failed": [{"ref": r, "url": u, "reason": why} for r, u, why in self.failed],
            "requests": self.requests,
            "listing_pages": self.listing_pages,
            "decision_requests": self.decision_requests,
            "fetched": self.fetched,
            "retries": self.retries,
            "new_refs": self.new,
            "changed_refs": self.changed,
            "gone_refs": self.gone,
            "stopped": self.stopped,
            "ingested": self.ingested,
            "seconds": round(self.seconds, 3),
        }


def sync_paths(index_dir: Path) -> tuple[Path, Path]:
    """(crawl state database, raw store folder) of an index folder."""
    return index_dir / "sync.sqlite", index_dir / "raw"


class Syncer:
    def __init__(
        self,
        settings: Settings,
        options: SyncOptions | None = None,
        progress: ProgressCallback | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.settings = settings
        self.options = options or SyncOptions()
        self.site = (self.options.site or settings.sync.site).rstrip("/")
        self.progress = progress or (lambda phase, done, total, label: None)
        self.today = today
        self.dir = Path(settings.index_dir)
        if not settings.sync.contact.strip() and not is_loopback(self.site):
            raise InputError(
                "Set a contact address first (LGSCO_SYNC__CONTACT=you@example.org or "
                "[sync] contact in lgsco.toml): it goes in the User-Agent so the site can "
                "reach whoever runs the crawler."
            )

    def run(self) -> SyncSummary:
        started = time.perf_counter()
        summary = SyncSummary(ingested=self.options.ingest)
        self.dir.mkdir(parents=True, exist_ok=True)
        state_path, raw_dir = sync_paths(self.dir)
        with self._lock():
            self.state = CrawlState(state_path)
            self.raw = RawStore(raw_dir)
            client = PoliteClient(
                self.settings.sync, self.site, self._spend, delay_s=self.options.delay_s
            )
            try:
                with client:
                    self.client = client
                    try:
                        client.load_robots()
                        self.state.requeue_failed()
                        for category in self.options.categories or self.settings.sync.categories:
                            if not self._walk(category, summary):
                                break
                        if self.options.revalidate:
                            self.state.requeue_stalest(self.options.revalidate)
                        self._fetch(summary)
                    except BudgetExhausted as exc:
                        summary.stopped = str(exc)
                        log.warning("%s", exc)
                    summary.requests = client.requests
                    summary.retries = client.retries
                if self.options.ingest:
                    self._ingest(summary)
            finally:
                self.state.close()
        summary.seconds = time.perf_counter() - started
        return summary

    # -- politeness --------------------------------------------------------------------

    def _spend(self) -> None:
        day = self.today()
        budget = self.settings.sync.daily_budget
        if self.state.requests_on(day) >= budget:
            raise BudgetExhausted(
                f"the daily budget of {budget} requests is spent; run again tomorrow to go on"
            )
        self.state.count_request(day)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.dir / ".sync.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise AssistantError(
                    f"Another sync is running on {self.dir}. Wait for it to finish, then run again."
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- 1. the listing ----------------------------------------------------------------

    def _walk(self, category: str, summary: SyncSummary) -> bool:
        """Queue what the listing shows as new or changed; False when --limit is reached."""
        w = self.state.walk(category)
        if w.next_url is None:  # a new walk (else: resume the interrupted one)
            cutoff = self.options.since
            if cutoff is None and w.watermark and not self.options.full:
                cutoff = _from_number(w.watermark) - dt.timedelta(
                    days=self.settings.sync.overlap_days
                )
            w = Walk(
                category,
                w.walk + 1,
                f"{self.site}/decisions/{category}",
                date_number(cutoff),
                date_number(self.options.until),
                0,
                w.watermark,
            )
            with self.state.tx() as conn:
                self.state.save_walk(conn, w)
        limit = self.options.limit
        while w.next_url is not None:
            url = w.next_url
            fetched = self.client.get(url)
            summary.listing_pages += 1
            self.progress("listing", summary.listing_pages, None, f"{category} {url}")
            if fetched.status == 404 and url != f"{self.site}/decisions/{category}":
                # the listing is shorter than when this cursor was saved: the walk is over
                with self.state.tx() as conn:
                    w.next_url = None
                    self.state.save_walk(conn, w)
                return True
            if not fetched.ok:
                reason = fetched.reason or f"HTTP {fetched.status}"
                summary.failed.append((f"listing {category}", url, reason))
                return True  # the walk resumes from this page next time
            page = parse_listing(fetched.content, url)
            older = 0
            with self.state.tx() as conn:
                for item in page.items:
                    day = date_number(item.date)
                    w.newest = max(w.newest, day)
                    if w.cutoff and day and day < w.cutoff:
                        older += 1
                        continue
                    if w.until and day > w.until:
                        continue
                    known = self.state.page(item.ref)
                    if (
                        known is not None
                        and known.state != "queued"
                        and (known.listing_hash == item.fingerprint or known.state == "gone")
                    ):
                        self.state.seen(conn, item.ref, w.walk)
                        if known.state not in ("gone", "failed", "unparsed"):
                            summary.unchanged.append(item.ref)  # as listed before: no request
                        continue
                    is_queued = known is not None and known.state == "queued"
                    if not is_queued and limit is not None and self._queued() >= limit:
                        # keep the cursor on this page: the rest of it comes next run
                        self.state.save_walk(conn, w)
                        return False
                    self.state.queue(
                        conn, item.ref, item.url, category, day, item.fingerprint, w.walk
                    )
                stop = page.next_url is None or (
                    bool(w.cutoff) and bool(page.items) and older == len(page.items)
                )
                w.next_url = None if stop else page.next_url
                if stop:
                    w.watermark = max(w.watermark, w.newest)
                    if not w.cutoff and not w.until and not self.options.limit:
                        requeued = self.state.requeue_unseen(category, w.walk)
                        if requeued:
                            log.info("%d known decisions not listed: re-checking", requeued)
                self.state.save_walk(conn, w)
        return True

    def _queued(self) -> int:
        return self.state.count("queued")

    # -- 2. the decision pages ---------------------------------------------------------

    def _fetch(self, summary: SyncSummary) -> None:
        queued = self.state.pages("queued")
        if self.options.limit is not None:
            queued = queued[: self.options.limit]
        if not queued:
            return
        from assistant.index import Index

        store = Index(self.settings, create=True).store
        known = store.known_hashes()
        for done, row in enumerate(queued, start=1):
            self.progress("pages", done, len(queued), row.ref)
            fetched = self.client.get(
                row.url,
                etag=row.etag if row.raw_sha else None,
                last_modified=row.last_modified if row.raw_sha else None,
            )
            if fetched.reason != "disallowed by robots.txt":
                summary.decision_requests += fetched.attempts
            self._record(row, fetched, known.get(row.ref, (None, ""))[0], store, summary)

    def _record(
        self, row: PageRow, fetched: Fetched, prev_hash: str | None, store: Any, s: SyncSummary
    ) -> None:
        if fetched.ok:
            s.fetched += 1
            sha = self.raw.put(fetched.content)
            self.state.update(
                row.ref,
                state="fetched",
                raw_sha=sha,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                prev_hash=prev_hash,
                status=200,
                reason=None,
            )
        elif fetched.not_modified:
            self.state.update(row.ref, state="ingested", status=304, reason=None)
            s.unchanged.append(row.ref)
        elif fetched.status in (404, 410) and row.raw_sha:
            self.state.update(row.ref, state="gone", status=fetched.status, reason=fetched.reason)
            store.mark_withdrawn(row.ref, self.today(), fetched.status, row.url)
            s.gone.append(row.ref)
        else:
            reason = fetched.reason or f"HTTP {fetched.status}"
            if fetched.status in (404, 410):
                reason += ": listed, but the page is not there"
            status = fetched.status if fetched.attempts else None  # None: robots.txt said no
            self.state.update(row.ref, state="failed", status=status, reason=reason)
            s.failed.append((row.ref, row.url, reason))

    # -- 3. the index ------------------------------------------------------------------

    def _ingest(self, summary: SyncSummary) -> None:
        rows = self.state.pages("fetched")
        if self.state.get_meta("parser") not in (None, PARSER_VERSION):
            rows += self.state.pages("unparsed")  # a new parser may read them now
        if not rows:
            return
        from assistant.index import Index
        from assistant.index.ingest import Ingestor

        index = Index(self.settings, create=True)
        step = max(1, self.settings.sync.ingest_every)
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            by_path = {str(self.raw.path(r.raw_sha or "").resolve()): r for r in chunk}

            def on_progress(done: int, total: int, label: str, start: int = start) -> None:
                self.progress("ingest", start + done, len(rows), label)

            result = Ingestor(index, progress=on_progress).run(
                [Path(p) for p in by_path if Path(p).is_file()]
            )
            failed = {
                by_path[source].ref: reason
                for source, reason in result.skipped
                if source in by_path
            }
            after = index.store.known_hashes()
            index.store.clear_withdrawn([r.ref for r in chunk])  # the site serves them again
            for row in chunk:
                if row.ref in failed:
                    reason = f"kept raw, not parsed: {failed[row.ref]}"
                    self.state.update(row.ref, state="unparsed", reason=reason)
                    summary.failed.append((row.ref, row.url, reason))
                    continue
                self.state.update(row.ref, state="ingested", reason=None)
                now = after.get(row.ref, (None, ""))[0]
                if row.prev_hash is None:
                    summary.new.append(row.ref)
                elif now != row.prev_hash:
                    summary.changed.append(row.ref)
                else:
                    summary.unchanged.append(row.ref)
        self.state.set_meta("parser", PARSER_VERSION)


def _from_number(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


def run_sync(
    settings: Settings, options: SyncOptions, progress: ProgressCallback | None = None
) -> SyncSummary:
    try:
        return Syncer(settings, options, progress).run()
    except OSError as exc:
        raise AssistantError(f"sync could not write to {settings.index_dir}: {exc}") from exc
