"""A polite HTTP client: robots.txt, one connection, a pause between requests, conditional
requests, backoff with jitter on 429 / 5xx honouring Retry-After, and a daily budget.

httpx does the HTTP and `urllib.robotparser` reads robots.txt; this module only decides
when to ask and how often to try again.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from assistant.errors import AssistantError
from assistant.settings import SyncSettings

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}


class BudgetExhausted(AssistantError):
    """The daily request budget is spent; the next run carries on where this one stopped."""


class SiteUnavailable(AssistantError):
    """robots.txt could not be read (the site is down): crawling is not allowed."""


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    content: bytes
    etag: str | None
    last_modified: str | None
    attempts: int
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def user_agent(settings: SyncSettings) -> str:
    contact = settings.contact.strip()
    return f"{settings.user_agent} contact: {contact}" if contact else settings.user_agent


class PoliteClient:
    """One connection; every request waits its turn and counts against the budget.

    `spend` is called before each attempt and raises `BudgetExhausted` when none is left.
    """

    def __init__(
        self,
        settings: SyncSettings,
        site: str,
        spend: Callable[[], None],
        *,
        delay_s: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.site = site.rstrip("/")
        self.spend = spend
        self.delay_s = settings.delay_s if delay_s is None else delay_s
        self.sleep = sleep
        self.agent = user_agent(settings)
        self.requests = 0
        self.retries = 0
        self._last_start: float | None = None
        self._robots: urllib.robotparser.RobotFileParser | None = None
        self.http = httpx.Client(
            headers={"User-Agent": self.agent, "Accept-Encoding": "gzip"},
            timeout=settings.timeout_s,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- robots.txt --------------------------------------------------------------------

    def load_robots(self) -> None:
        """Read robots.txt once (RFC 9309: 4xx = no rules; unreachable = crawl nothing)."""
        fetched = self.get(f"{self.site}/robots.txt", check_robots=False)
        parser = urllib.robotparser.RobotFileParser()
        if fetched.ok:
            parser.parse(fetched.content.decode("utf-8", "replace").splitlines())
        elif 400 <= fetched.status < 500:
            parser.allow_all = True
        else:
            raise SiteUnavailable(
                f"{self.site}/robots.txt could not be read ({fetched.reason or fetched.status}); "
                "not crawling a site whose rules are unknown. Try again later."
            )
        self._robots = parser
        crawl_delay = parser.crawl_delay(self.agent)
        if crawl_delay and float(crawl_delay) > self.delay_s:
            log.info("robots.txt asks for %s s between requests", crawl_delay)
            self.delay_s = float(crawl_delay)

    def allowed(self, url: str) -> bool:
        return self._robots is None or self._robots.can_fetch(self.agent, url)

    # -- requests ----------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        check_robots: bool = True,
    ) -> Fetched:
        """GET with retries; a final failure comes back as a `Fetched` with a reason."""
        if check_robots and not self.allowed(url):
            return Fetched(url, 0, b"", None, None, 0, "disallowed by robots.txt")
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            attempt += 1
            self._wait_turn()
            self.spend()
            self.requests += 1
            wait: float | None = None
            try:
                response = self.http.get(url, headers=headers)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                status = 0
            except httpx.HTTPError as exc:  # a bad URL or similar: trying again will not help
                return Fetched(url, 0, b"", None, None, attempt, f"{type(exc).__name__}: {exc}")
            else:
                status = response.status_code
                reason = f"HTTP {status}"
                if status not in RETRY_STATUSES:
                    return Fetched(
                        str(response.url),
                        status,
                        response.content if status == 200 else b"",
                        response.headers.get("ETag"),
                        response.headers.get("Last-Modified"),
                        attempt,
                        "" if status in (200, 304) else reason,
                    )
                wait = retry_after(response.headers.get("Retry-After"))
            if attempt > self.settings.max_retries:
                return Fetched(url, status, b"", None, None, attempt, f"{reason} (gave up)")
            if wait is None:
                base = self.settings.backoff_s * 2 ** (attempt - 1)
                wait = min(base * random.uniform(0.5, 1.5), self.settings.max_backoff_s)
            elif wait > self.settings.max_backoff_s:
                return Fetched(
                    url, status, b"", None, None, attempt, f"{reason}, Retry-After {wait:.0f} s"
                )
            self.retries += 1
            log.info("%s for %s; trying again in %.2f s", reason, url, wait)
            self.sleep(wait)

    def _wait_turn(self) -> None:
        now = time.monotonic()
        if self._last_start is not None:
            pause = self._last_start + self.delay_s - now
            if pause > 0:
                self.sleep(pause)
        self._last_start = time.monotonic()


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in {"127.0.0.1", "localhost", "::1"}
