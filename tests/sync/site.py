"""A fixture copy of lgo.org.uk's decisions pages, generated, served on 127.0.0.1.

The page shapes follow the real site (a category listing, newest first, ten a page: title
link "Council (ref)", a line "Statement Upheld Child protection 26-Aug-2025", the summary;
decision pages with the Category / Decision / Decision date header and numbered paragraphs
as `<ol><li>`). The words are generated, never copied. Faults are set per path: a status
sequence (500 then 200, 429 with Retry-After), a slow answer, a malformed page, a 404 for a
listed decision, a withdrawn decision (410), robots.txt rules. Every request is logged so
tests count what the crawler really asked for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import random
import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CATEGORIES = {
    "children-s-care-services": (
        "Children's care services",
        ["Child protection", "Fostering", "Adoption", "Friends and family carers", "Other"],
    ),
    "adult-care-services": (
        "Adult care services",
        ["Assessment and care plan", "Charging", "Residential care"],
    ),
    "education": ("Education", ["Special educational needs", "School transport", "Admissions"]),
}
COUNCILS = [
    "Lancashire County Council",
    "London Borough of Redbridge",
    "Cheshire East Council",
    "Nottinghamshire County Council",
    "Leeds City Council",
    "Kent County Council",
    "Bristol City Council",
    "London Borough of Merton",
    "Norfolk County Council",
    "Cambridgeshire County Council",
]
OUTCOMES = ["Upheld", "Not upheld", "Closed after initial enquiries"]
PEOPLE = "ABCDFGHJKLMNPRSTVWXYZ"
FAULTS = [
    "delayed the stage two investigation of the complaint",
    "did not share the assessment with the family before the meeting",
    "failed to review the support plan when the placement changed",
    "did not explain how it calculated the allowance",
    "kept inaccurate notes of the home visit",
    "did not reply to letters from the family for several months",
    "closed the referral without speaking to the child",
    "did not consider the carer's request for respite",
]
EFFECTS = [
    "caused avoidable distress and uncertainty",
    "meant the family lost the chance of an earlier decision",
    "caused time and trouble pursuing the complaint",
    "left the child without the support the plan described",
]
MONTHS = ["January", "March", "April", "June", "July", "September", "October", "December"]
BOILERPLATE = (
    "We investigate complaints about maladministration and service failure. In this statement, "
    "I have used the word fault to refer to these. We must also consider whether any fault has "
    "had an adverse impact on the person making the complaint."
)
NAV = (
    '<nav class="site-nav"><ul><li><a href="/">Home</a></li>'
    '<li><a href="/decisions">Decisions</a></li></ul></nav>'
)
ROBOTS = "User-agent: *\nDisallow: /decisions/children-s-care-services/private/\n"


@dataclass
class FixtureDecision:
    ref: str
    category: str
    subcategory: str
    council: str
    outcome: str
    date: dt.date
    summary: str
    paragraphs: list[tuple[str, str]]  # (section, text)
    modified: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 1, 5, tzinfo=dt.UTC))

    @property
    def slug(self) -> str:
        return self.ref.replace(" ", "-")

    @property
    def path(self) -> str:
        sub = self.subcategory.lower().replace(" ", "-").replace("'", "-")
        return f"/decisions/{self.category}/{sub}/{self.slug}"


def make_decision(
    number: int, category: str, date: dt.date, rng: random.Random, ref: str | None = None
) -> FixtureDecision:
    subcategories = CATEGORIES[category][1]
    person = f"{rng.choice(['Mr', 'Ms', 'Mrs', 'Miss'])} {PEOPLE[number % len(PEOPLE)]}"
    fault = rng.choice(FAULTS)
    effect = rng.choice(EFFECTS)
    start, end = rng.sample(MONTHS, 2)
    year = date.year - 1
    amount = 100 + 50 * (number % 9)
    ref = ref or f"{date.year % 100:02d} {number // 1000 % 1000:03d} {number % 1000:03d}"
    outcome = OUTCOMES[number % 3]
    paragraphs = [
        (
            "The complaint",
            f"{person} complains the Council {fault} between {start} and {end} {year}. "
            f"{person} says this {effect}.",
        ),
        ("The Ombudsman's role and powers", BOILERPLATE),
        (
            "What I found",
            f"Case {number}: the records show {person} first asked for help in {start} {year} "
            f"and the Council replied {number % 11 + 2} weeks later. The Council accepted it "
            f"{fault}.",
        ),
        (
            "Agreed action",
            f"Within one month of the final decision the Council will apologise to {person} "
            f"and pay £{amount} for the distress caused by the fault in case {number}.",
        ),
    ]
    return FixtureDecision(
        ref=ref,
        category=category,
        subcategory=rng.choice(subcategories),
        council=COUNCILS[number % len(COUNCILS)],
        outcome=outcome,
        date=date,
        summary=f"{person} complained the Council {fault}. We found fault which {effect}; "
        f"the Council agreed to apologise and pay £{amount}.",
        paragraphs=paragraphs,
    )


def decision_html(d: FixtureDecision, base: str) -> str:
    name, _ = CATEGORIES[d.category]
    sub_slug = d.path.split("/")[3]
    body: list[str] = []
    section = None
    for number, (heading, text) in enumerate(d.paragraphs, start=1):
        if heading != section:
            if section is not None:
                body.append('</ol>\n<p class="back-to-top"><a href="#top">Back to top</a></p>')
            body.append(f'<h2>{html.escape(heading)}</h2>\n<ol start="{number}">')
            section = heading
        body.append(f"  <li>{html.escape(text)}</li>")
    body.append("</ol>")
    category_links = (
        f'<a href="/decisions/{d.category}">{html.escape(name)}</a> &gt; '
        f'<a href="/decisions/{d.category}/{sub_slug}">{html.escape(d.subcategory)}</a>'
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{html.escape(d.council)} ({d.ref}) - Local Government and Social Care Ombudsman</title>
  <link rel="canonical" href="{base}{d.path}">
</head>
<body>
  <a id="top"></a>
  {NAV}
  <main id="main-content">
  <article class="decision">
    <header class="decision-header">
      <h1>{html.escape(d.council)} ({d.ref})</h1>
      <div class="decision-meta">
        <p><strong>Category :</strong> {category_links}</p>
        <p><strong>Decision :</strong> {d.outcome}</p>
        <p><strong>Decision date :</strong> {d.date:%d %b %Y}</p>
      </div>
    </header>
    <div class="decision-body">
    <h2>The Ombudsman's final decision:</h2>
    <p><strong>Summary:</strong> {html.escape(d.summary)}</p>
{chr(10).join(body)}
    </div>
  </article>
  </main>
  <footer><p>Print this page</p></footer>
</body>
</html>
"""


def listing_html(category: str, items: list[FixtureDecision], page: int, pages: int) -> str:
    name, _ = CATEGORIES[category]
    rows = []
    for d in items:
        kind = "Report" if d.outcome == "Upheld" and int(d.ref[-1]) == 0 else "Statement"
        meta = " ".join(
            f"<span>{html.escape(v)}</span>"
            for v in (kind, d.outcome, d.subcategory, f"{d.date:%d-%b-%Y}")
        )
        rows.append(
            f"""  <li class="search-result">
    <h2><a href="{d.path}">{html.escape(d.council)} ({d.ref})</a></h2>
    <p class="meta">{meta}</p>
    <p>Summary: {html.escape(d.summary)}</p>
  </li>"""
        )
    nav = []
    if page > 1:
        prev = f"/decisions/{category}" + (f"?page={page - 1}" if page > 2 else "")
        nav.append(f'<a rel="prev" href="{prev}">Previous page</a>')
    if page < pages:
        nav.append(f'<a rel="next" href="/decisions/{category}?page={page + 1}">Next page</a>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(name)} - Decisions</title></head>
<body>
{NAV}
<main>
<h1>{html.escape(name)}</h1>
<p>Recent reports in this category are shown below:</p>
<ul class="search-results">
{chr(10).join(rows)}
</ul>
<nav class="pagination">{" ".join(nav)} <span>Page {page} of {pages}</span></nav>
</main>
</body></html>
"""


@dataclass
class Fault:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class FixtureSite:
    def __init__(self, per_page: int = 10) -> None:
        self.per_page = per_page
        self.decisions: dict[str, FixtureDecision] = {}
        self.missing: set[str] = set()  # listed, but the page answers 404
        self.withdrawn: set[str] = set()  # 410, and no longer listed
        self.malformed: set[str] = set()  # served, but not a decision page
        self.faults: dict[str, list[Fault]] = {}  # path -> faults served before the page
        self.log: list[tuple[float, str, int]] = []
        self.lock = threading.Lock()
        self.base = ""

    # -- content -----------------------------------------------------------------------
    def add(self, decision: FixtureDecision) -> FixtureDecision:
        self.decisions[decision.ref] = decision
        return decision

    def edit(self, ref: str, words: str) -> None:
        d = self.decisions[ref]
        d.summary = f"{d.summary} {words}"
        section, text = d.paragraphs[2]
        d.paragraphs[2] = (section, f"{text} {words}")
        d.modified = d.modified + dt.timedelta(days=30)

    def listed(self, category: str) -> list[FixtureDecision]:
        items = [
            d
            for d in self.decisions.values()
            if d.category == category and d.ref not in self.withdrawn
        ]
        return sorted(items, key=lambda d: (d.date, d.ref), reverse=True)

    def listing_pages(self, category: str) -> int:
        return max(1, -(-len(self.listed(category)) // self.per_page))

    # -- HTTP --------------------------------------------------------------------------
    def respond(self, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        with self.lock:
            queue = self.faults.get(target) or self.faults.get(path)
            fault = queue.pop(0) if queue else None
        if fault is not None:
            if fault.delay_s:
                time.sleep(fault.delay_s)
            if fault.status != 200:
                return fault.status, fault.headers, b"<html><body>busy</body></html>"
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, ROBOTS.encode()
        pieces = path.strip("/").split("/")
        if len(pieces) == 2 and pieces[0] == "decisions" and pieces[1] in CATEGORIES:
            page = int(parse_qs(parts.query).get("page", ["1"])[0])
            items = self.listed(pieces[1])
            chunk = items[(page - 1) * self.per_page : page * self.per_page]
            if page > 1 and not chunk:
                return 404, {}, b"<html><body>Page not found</body></html>"
            body = listing_html(pieces[1], chunk, page, self.listing_pages(pieces[1]))
            return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()
        if len(pieces) == 4 and pieces[0] == "decisions":
            ref = pieces[3].replace("-", " ")
            d = self.decisions.get(ref)
            if d is None or ref in self.missing or d.path != path:
                return 404, {}, b"<html><body>Page not found</body></html>"
            if ref in self.withdrawn:
                return 410, {}, b"<html><body>This decision has been removed</body></html>"
            if ref in self.malformed:
                body = f"<html><body><main><h1>{d.council}</h1><p>Sorry".encode()
            else:
                body = decision_html(d, self.base).encode()
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            validators = {"ETag": etag, "Last-Modified": format_datetime(d.modified, usegmt=True)}
            if headers.get("if-none-match") == etag:
                return 304, validators, b""
            return 200, {"Content-Type": "text/html; charset=utf-8", **validators}, body
        return 404, {}, b"<html><body>Page not found</body></html>"

    def requests_to(self, prefix: str = "") -> list[str]:
        return [path for _, path, _ in self.log if path.startswith(prefix)]

    def decision_requests(self) -> list[str]:
        return [p for _, p, _ in self.log if p.count("/") == 4 and p.startswith("/decisions/")]

    def listing_requests(self) -> list[str]:
        return [p for _, p, _ in self.log if p.count("/") == 2 and p.startswith("/decisions/")]


def build_site(
    counts: dict[str, int], seed: int = 7, start: dt.date = dt.date(2025, 9, 30)
) -> FixtureSite:
    """A site with `counts[category]` decisions each, one or two a day going back in time."""
    rng = random.Random(seed)
    site = FixtureSite()
    number = 1
    for category, count in counts.items():
        for i in range(count):
            site.add(make_decision(number, category, start - dt.timedelta(days=i // 2), rng))
            number += 1
    return site


class _Handler(BaseHTTPRequestHandler):
    site: FixtureSite
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms stalls

    def do_GET(self) -> None:
        site = self.server.site  # type: ignore[attr-defined]
        status, headers, body = site.respond(
            self.path, {k.lower(): v for k, v in self.headers.items()}
        )
        with site.lock:
            site.log.append((time.monotonic(), self.path, status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return  # a client that timed out and hung up is part of the test, not news


class SiteServer:
    """The fixture site on 127.0.0.1 (a free port), in a thread; a context manager."""

    def __init__(self, site: FixtureSite) -> None:
        self.site = site
        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.site = site  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        site.base = self.url
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
