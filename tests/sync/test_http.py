"""The polite client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest

from assistant.errors import InputError
from assistant.settings import SyncSettings
from assistant.sync.http import PoliteClient, retry_after
from assistant.sync.listing import parse_listing
from assistant.sync.service import Syncer, SyncOptions
from tests.conftest import make_settings
from tests.sync.site import Fault, FixtureSite, SiteServer, build_site, make_decision

CHILDREN = "children-s-care-services"


@pytest.fixture()
def server():
    site = build_site({CHILDREN: 25})
    with SiteServer(site) as running:
        yield running


def client(server: SiteServer, **settings: object) -> PoliteClient:
    values = {"delay_s": 0.0, "backoff_s": 0.05, "contact": "sync-tests@example.org", **settings}
    return PoliteClient(SyncSettings(**values), server.url, spend=lambda: None)


def test_user_agent_robots_and_one_request_a_delay_apart(server: SiteServer) -> None:
    private = make_decision(999, CHILDREN, dt.date(2025, 1, 1), random.Random(1))
    private.subcategory = "Private"
    server.site.add(private)
    seen_agents: list[str] = []
    original = server.site.respond

    def spy(target: str, headers: dict[str, str]):
        seen_agents.append(headers.get("user-agent", ""))
        return original(target, headers)

    server.site.respond = spy  # type: ignore[method-assign]
    with client(server, delay_s=0.2) as http:
        http.load_robots()
        blocked = http.get(server.url + private.path)
        first = http.get(server.url + "/decisions/" + CHILDREN)
        second = http.get(server.url + "/decisions/" + CHILDREN + "?page=2")
    assert blocked.reason == "disallowed by robots.txt" and blocked.attempts == 0
    assert first.ok and second.ok
    assert [path for _, path, _ in server.site.log] == [
        "/robots.txt",
        f"/decisions/{CHILDREN}",
        f"/decisions/{CHILDREN}?page=2",
    ]
    times = [t for t, _, _ in server.site.log]
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.19
    assert all("contact: sync-tests@example.org" in agent for agent in seen_agents)
    assert all(agent.startswith("lgsco-precedent-assistant/") for agent in seen_agents)


def test_500_then_200_and_429_retry_after_are_retried(server: SiteServer) -> None:
    page = f"/decisions/{CHILDREN}?page=2"
    server.site.faults[page] = [Fault(500), Fault(503)]
    server.site.faults[f"/decisions/{CHILDREN}?page=3"] = [Fault(429, {"Retry-After": "1"})]
    with client(server) as http:
        flaky = http.get(server.url + page)
        limited = http.get(server.url + f"/decisions/{CHILDREN}?page=3")
    assert flaky.ok and flaky.attempts == 3
    assert limited.ok and limited.attempts == 2
    times = [t for t, path, _ in server.site.log if path.endswith("page=3")]
    assert times[1] - times[0] >= 0.95  # Retry-After honoured, not the 0.05 s backoff
    assert http.requests == 5 and http.retries == 3


def test_a_failure_that_persists_gives_up_with_its_reason(server: SiteServer) -> None:
    page = f"/decisions/{CHILDREN}?page=2"
    server.site.faults[page] = [Fault(503)] * 5
    with client(server, max_retries=2) as http:
        failed = http.get(server.url + page)
    assert not failed.ok and failed.attempts == 3 and failed.reason == "HTTP 503 (gave up)"


def test_conditional_request_gets_304(server: SiteServer) -> None:
    with client(server) as http:
        first_page = server.url + f"/decisions/{CHILDREN}"
        listing = parse_listing(http.get(first_page).content, first_page)
        url = listing.items[0].url
        first = http.get(url)
        again = http.get(url, etag=first.etag, last_modified=first.last_modified)
    assert first.ok and first.etag and first.last_modified
    assert again.not_modified and again.content == b""


def test_slow_response_times_out_and_is_retried(server: SiteServer) -> None:
    page = f"/decisions/{CHILDREN}?page=2"
    server.site.faults[page] = [Fault(200, delay_s=1.2)]
    with client(server, timeout_s=0.5) as http:
        got = http.get(server.url + page)
    assert got.ok and got.attempts == 2


def test_retry_after_as_an_http_date() -> None:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    assert 25 <= retry_after(when.strftime("%a, %d %b %Y %H:%M:%S GMT")) <= 31
    assert retry_after("7") == 7.0 and retry_after(None) is None and retry_after("soon") is None


def test_daily_budget_stops_the_run_and_the_next_day_goes_on(tmp_path, server) -> None:
    settings = make_settings(tmp_path / "index")
    settings.sync.daily_budget = 4
    day = [dt.date(2026, 3, 2)]
    options = SyncOptions(site=server.url, delay_s=0, ingest=False)
    first = Syncer(settings, options, today=lambda: day[0]).run()
    assert first.stopped and "budget of 4" in first.stopped
    assert first.requests == 4 and len(server.site.log) == 4
    day[0] = dt.date(2026, 3, 3)
    settings.sync.daily_budget = 1000
    second = Syncer(settings, options, today=lambda: day[0]).run()
    assert second.stopped is None and second.fetched + first.fetched == 25


def test_the_real_site_needs_a_contact_address(tmp_path) -> None:
    with pytest.raises(InputError, match="contact"):
        Syncer(make_settings(tmp_path / "index"), SyncOptions())


def test_listing_reads_items_dates_and_next_link() -> None:
    site = FixtureSite()
    site.base = "http://127.0.0.1:1"
    site_decisions = build_site({CHILDREN: 12}).decisions
    site.decisions = site_decisions
    status, _, body = site.respond(f"/decisions/{CHILDREN}", {})
    page = parse_listing(body, f"http://127.0.0.1:1/decisions/{CHILDREN}")
    assert status == 200 and len(page.items) == 10
    assert page.next_url == f"http://127.0.0.1:1/decisions/{CHILDREN}?page=2"
    newest = max(site_decisions.values(), key=lambda d: (d.date, d.ref))
    assert page.items[0].ref == newest.ref and page.items[0].date == newest.date
    _, _, last = site.respond(f"/decisions/{CHILDREN}?page=2", {})
    assert parse_listing(last, "http://127.0.0.1:1/x").next_url is None


def test_since_and_until_fetch_only_that_window_and_stop_the_walk(tmp_path, server) -> None:
    settings = make_settings(tmp_path / "index")
    since, until = dt.date(2025, 9, 25), dt.date(2025, 9, 28)
    options = SyncOptions(site=server.url, delay_s=0, ingest=False, since=since, until=until)
    summary = Syncer(settings, options).run()
    wanted = {d.path for d in server.site.decisions.values() if since <= d.date <= until}
    assert set(server.site.decision_requests()) == wanted and summary.fetched == len(wanted)
    # two decisions a day from 30 Sep: page 2 runs 25 to 21 Sep, page 3 is all older: stop
    assert server.site.listing_requests() == [
        f"/decisions/{CHILDREN}",
        f"/decisions/{CHILDREN}?page=2",
        f"/decisions/{CHILDREN}?page=3",
    ]


def test_one_sync_at_a_time_per_index(tmp_path, server) -> None:
    import fcntl

    from assistant.errors import AssistantError

    index_dir = tmp_path / "index"
    index_dir.mkdir()
    with open(index_dir / ".sync.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(AssistantError, match="Another sync is running"):
            Syncer(make_settings(index_dir), SyncOptions(site=server.url)).run()
    assert server.site.log == []
