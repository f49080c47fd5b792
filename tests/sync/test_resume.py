"""kill -9 at three moments of a sync (walking the listing, fetching pages, indexing), then
re-run: no completed page is fetched again and the index equals a clean run's, decision for
decision. Also: export / import, and re-parsing the raw store after a parser change."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assistant.index import Index
from assistant.index.store import content_hash
from assistant.sync.corpus import export_corpus, import_corpus
from assistant.sync.service import Syncer, SyncOptions, sync_paths
from tests.conftest import ROOT, make_settings
from tests.index.test_ingest import assert_consistent
from tests.sync.site import SiteServer, build_site

CHILDREN = "children-s-care-services"
DECISIONS = 30
PARAGRAPHS = DECISIONS * 4


@pytest.fixture(scope="module")
def server():
    with SiteServer(build_site({CHILDREN: DECISIONS}, seed=3)) as running:
        yield running


@pytest.fixture(scope="module")
def clean(server: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("clean") / "index"
    summary = Syncer(make_settings(index_dir), SyncOptions(site=server.url, delay_s=0)).run()
    assert len(summary.new) == DECISIONS and summary.failed == []
    return index_dir


def hashes(index_dir: Path) -> dict[str, tuple[str, str]]:
    return Index(make_settings(index_dir)).store.known_hashes()


def count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def run_and_kill(server: SiteServer, index_dir: Path, when: Callable[[int], bool]) -> None:
    start = len(server.site.log)
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        LGSCO_INDEX_DIR=str(index_dir),
        LGSCO_SYNC__INGEST_EVERY="6",
    )
    command = [sys.executable, "-m", "assistant.cli", "sync", "--site", server.url]
    process = subprocess.Popen(
        [*command, "--delay", "0.15", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None and not when(start):
        time.sleep(0.01)
    assert process.poll() is None, process.stderr.read().decode()[-2000:]
    process.send_signal(signal.SIGKILL)
    process.wait()


def completed_paths(index_dir: Path) -> set[str]:
    with sqlite3.connect(sync_paths(index_dir)[0]) as conn:
        rows = conn.execute("SELECT url FROM pages WHERE state IN ('fetched', 'ingested')")
        return {urlsplit(url).path for (url,) in rows}


def resume_and_compare(server: SiteServer, index_dir: Path, clean: Path) -> None:
    done = completed_paths(index_dir)
    start = len(server.site.log)
    summary = Syncer(make_settings(index_dir), SyncOptions(site=server.url, delay_s=0)).run()
    fetched_again = [p for _, p, _ in server.site.log[start:] if p in done]
    assert fetched_again == []  # no completed page is fetched twice
    assert summary.failed == []
    assert hashes(index_dir) == hashes(clean)
    assert_consistent(Index(make_settings(index_dir)), PARAGRAPHS)
    with sqlite3.connect(sync_paths(index_dir)[0]) as conn:
        states = dict(conn.execute("SELECT state, COUNT(*) FROM pages GROUP BY state"))
    assert states == {"ingested": DECISIONS}


def test_kill_while_walking_the_listing(server: SiteServer, clean: Path, tmp_path: Path) -> None:
    def listing_pages_seen(start: int) -> bool:
        return sum(1 for _, p, _ in server.site.log[start:] if "?page=2" in p) >= 1

    run_and_kill(server, tmp_path / "index", listing_pages_seen)
    resume_and_compare(server, tmp_path / "index", clean)


def test_kill_while_fetching_pages(server: SiteServer, clean: Path, tmp_path: Path) -> None:
    def some_pages_fetched(start: int) -> bool:
        return sum(1 for _, p, _ in server.site.log[start:] if p.count("/") == 4) >= 12

    run_and_kill(server, tmp_path / "index", some_pages_fetched)
    assert 0 < len(completed_paths(tmp_path / "index")) < DECISIONS
    resume_and_compare(server, tmp_path / "index", clean)


def test_kill_while_indexing(server: SiteServer, clean: Path, tmp_path: Path) -> None:
    store = tmp_path / "index" / "store.sqlite"

    def some_indexed(start: int) -> bool:
        return count(store, "SELECT COUNT(*) FROM decisions WHERE state = 'complete'") >= 6

    run_and_kill(server, tmp_path / "index", some_indexed)
    assert count(store, "SELECT COUNT(*) FROM decisions WHERE state = 'complete'") < DECISIONS
    resume_and_compare(server, tmp_path / "index", clean)


def test_export_then_import_gives_the_same_corpus(clean: Path, tmp_path: Path) -> None:
    settings = make_settings(clean)
    store = Index(settings).store
    gone = sorted(store.known_hashes())[0]
    store.mark_withdrawn(gone, dt.date(2026, 2, 1), 410, "https://example.org/x")
    exported = export_corpus(settings, tmp_path / "corpus.jsonl")
    assert (exported.decisions, exported.withdrawn) == (DECISIONS, 1)
    line = (tmp_path / "corpus.jsonl").read_text().splitlines()[0]
    assert '"attribution": "Local Government and Social Care Ombudsman' in line
    assert f'"url": "{server_url_of(clean)}' in line

    other = make_settings(tmp_path / "other")
    first = import_corpus(other, tmp_path / "corpus.jsonl")
    assert (first.added, first.skipped) == (DECISIONS, [])
    assert {r: h for r, (h, _) in hashes(tmp_path / "other").items()} == {
        r: h for r, (h, _) in hashes(clean).items()
    }
    assert Index(other).store.withdrawn() == {gone: dt.date(2026, 2, 1)}
    again = import_corpus(other, tmp_path / "corpus.jsonl")
    assert (again.unchanged, again.paragraphs_embedded) == (DECISIONS, 0)
    assert_consistent(Index(other), PARAGRAPHS)


def server_url_of(index_dir: Path) -> str:
    decision = next(Index(make_settings(index_dir)).store.decisions())
    return decision.url.split("/decisions/")[0]


def test_a_new_parser_reparses_the_raw_store_without_the_network(clean: Path, monkeypatch) -> None:
    import assistant.index.index as index_module
    from assistant.index.ingest import Ingestor

    index = Index(make_settings(clean))
    before = {d.ref: content_hash(d, "x") for d in index.store.decisions()}
    monkeypatch.setattr(index_module, "PARSER_VERSION", "999")
    summary = Ingestor(index).run([])  # no paths: the stored sources (raw pages) are re-read
    assert summary.rebuilt and summary.skipped == []
    assert summary.files == DECISIONS and summary.added == DECISIONS
    assert {d.ref: content_hash(d, "x") for d in index.store.decisions()} == before
    assert all("/raw/" in d.source for d in index.store.decisions())
