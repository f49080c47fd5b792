"""Twenty users at once on the real server, for a bounded time (the longer run, with the
figures, is `benchmarks/webapp_load.py`): no errors, and every draft and Ask export is its
own user's, complete (finding 1: 5 of 32 parallel drafts went to the wrong user, 6 were
corrupt)."""

from __future__ import annotations

from pathlib import Path

from assistant.ui.lanes import LIMITS
from tests.ui.load import ROUTES, run_load

USERS = 20
SECONDS = 15


def test_every_lane_runs_as_many_at_once_as_it_says(served) -> None:
    """Gradio lowers a shared lane to the smallest limit of its events (an event stating none
    counts as the queue's default, 2) once that event is first called: none may be lower."""
    _, demo = served
    default = demo._queue.default_concurrency_limit
    stated: dict[str, set[int]] = {}
    for fn in demo.fns.values():
        limit = default if fn.concurrency_limit == "default" else fn.concurrency_limit
        stated.setdefault(fn.concurrency_id, set()).add(limit)
    assert {"ask", "search", "remedies"} <= set(stated)
    for name, limit in LIMITS.items():
        assert stated[name] == {limit}, name


def test_twenty_users_get_no_errors_and_only_their_own_files(served, tmp_path: Path) -> None:
    app_url, _ = served
    report = run_load(app_url, users=USERS, seconds=SECONDS, workdir=tmp_path)
    print("\n" + report.table())
    assert report.errors == []
    assert all(report.latencies[route] for route in ROUTES), report.table()
    # Every draft and export was opened and checked to be its user's.
    assert report.files_checked >= len(report.latencies["draft"]) + len(report.latencies["respond"])
    assert report.files_checked >= USERS // 2
