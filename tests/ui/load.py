"""Many users at once against a running app, through gradio_client, as other tools call it.

Shared by the bounded load test (`tests/ui/test_load.py`) and the longer benchmark
(`benchmarks/webapp_load.py`). Each user is its own `Client` (its own session) cycling through
the routes: `/search`, `/ask` (the API), `/respond` (the Ask tab, streamed, with its .docx
export), `/decision`, `/remedies` and `/draft` (a .docx upload). Every draft and Ask export
carries a word only its user wrote, so a file holding another user's word, or that does not
open, is counted as an error.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docx
from gradio_client import Client, handle_file

ROUTES = ("search", "ask", "respond", "decision", "remedies", "draft")
# Each user starts this cycle at its own offset, so every route is in use at once.
CYCLE = ("search", "ask", "decision", "search", "draft", "respond", "search", "remedies")
SEARCHES = (
    "refused stage two escalation",
    "payment for delay at stage two",
    "family and friends foster carer allowance",
    "independent investigation of a children's complaint",
)


@dataclass
class LoadReport:
    users: int
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: {r: [] for r in ROUTES})
    errors: list[str] = field(default_factory=list)
    files_checked: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, route: str, seconds: float) -> None:
        with self._lock:
            self.latencies[route].append(seconds)

    def fail(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)

    def percentile(self, route: str, q: float) -> float:
        values = sorted(self.latencies[route])
        if not values:
            return float("nan")
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]

    def table(self) -> str:
        lines = [
            f"{self.users} users for {self.seconds:.0f} s: {sum(map(len, self.latencies.values()))}"
            f" calls, {len(self.errors)} errors, {self.files_checked} files checked",
            f"{'route':<10} {'calls':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7}",
        ]
        for route in ROUTES:
            values = self.latencies[route]
            if values:
                lines.append(
                    f"{route:<10} {len(values):>6} {self.percentile(route, 0.5):>7.2f} "
                    f"{self.percentile(route, 0.95):>7.2f} {max(values):>7.2f}"
                )
        return "\n".join(lines)


def _words_in_docx(path: str) -> str:
    document = docx.Document(path)  # raises on a corrupt zip (bad CRC, truncated)
    return "\n".join(p.text for p in document.paragraphs)


class User:
    def __init__(self, number: int, url: str, workdir: Path, report: LoadReport) -> None:
        self.number = number
        self.mark = f"Kestrel{number:02d}"
        self.client = Client(url, verbose=False, download_files=str(workdir / f"user{number}"))
        self.workdir = workdir
        self.report = report
        self.calls = 0
        self.others = [f"Kestrel{n:02d}" for n in range(report.users) if n != number]

    def run(self, deadline: float) -> None:
        routes: dict[str, Callable[[], None]] = {
            "search": self.search,
            "ask": self.ask,
            "respond": self.respond,
            "decision": self.decision,
            "remedies": self.remedies,
            "draft": self.draft,
        }
        step = self.number
        while time.monotonic() < deadline:
            route = CYCLE[step % len(CYCLE)]
            step += 1
            self.calls += 1
            started = time.monotonic()
            try:
                routes[route]()
            except Exception as exc:  # every failure is counted, none stops the run
                self.report.fail(f"user {self.number} {route}: {type(exc).__name__}: {exc}")
                continue
            self.report.record(route, time.monotonic() - started)
        self.client.close()

    def _own_file(self, route: str, path: str) -> None:
        """The file opens, holds this user's word and no other user's."""
        words = _words_in_docx(path)
        with self.report._lock:
            self.report.files_checked += 1
        if self.mark not in words:
            self.report.fail(f"user {self.number} {route}: its own text is not in {path}")
        strangers = [other for other in self.others if other in words]
        if strangers:
            self.report.fail(f"user {self.number} {route}: received {strangers[0]}'s file")

    def search(self) -> None:
        question = SEARCHES[self.calls % len(SEARCHES)]
        hits = self.client.predict(question=question, k=6, api_name="/search")
        if not hits or not hits[0]["ref"]:
            raise AssertionError(f"no hits for {question!r}")

    def ask(self) -> None:
        answer = self.client.predict(
            question="What does the Ombudsman usually ask councils to pay for delay at stage two?",
            api_name="/ask",
        )
        if not answer["citations"]:
            raise AssertionError("an answer without citations")

    def respond(self) -> None:
        """The Ask tab, streamed; its .docx export must be this user's own."""
        question = f"What did the council pay the aunt and uncle ({self.mark})?"
        outputs = self.client.predict(
            [], question, None, None, None, None, "", "", api_name="/respond"
        )
        self._own_file("respond", outputs[6])

    def decision(self) -> None:
        html = self.client.predict(ref="24 017 708", paragraph=8, api_name="/decision")
        if "id='para-8'" not in html:
            raise AssertionError("paragraph 8 is not in the decision view")

    def remedies(self) -> None:
        figures = self.client.predict(fault="delay at stage two", api_name="/remedies")
        if not figures["payments"]:
            raise AssertionError("no payments for delay at stage two")

    def draft(self) -> None:
        """A .docx complaint uploaded; the draft that comes back must be this user's own."""
        upload = self.workdir / f"complaint-{self.number}-{self.calls}.docx"
        document = docx.Document()
        document.add_paragraph(
            f"I asked the council to escalate my complaint about {self.mark} to stage two. "
            "The council refused to take it to stage two, so I never got an independent "
            "investigation."
        )
        document.save(str(upload))
        _, _, path = self.client.predict(
            "", handle_file(str(upload)), "", "2", "council", api_name="/draft"
        )
        self._own_file("draft", path)


def run_load(
    url: str, *, users: int, seconds: float, workdir: Path, ramp_up: float = 2.0
) -> LoadReport:
    """`users` clients at once for `seconds` (each finishes the call it is in), after a
    warm-up search and draft so the figures are of a warm server (embedder and index loaded).
    The users arrive evenly over `ramp_up` seconds (ten a second for twenty), as people do,
    rather than all in the same millisecond; every call from the first one on is counted."""
    report = LoadReport(users=users, seconds=seconds)
    warm = User(0, url, workdir, LoadReport(users=1, seconds=0))
    for route in ("search", "decision", "remedies", "draft"):
        getattr(warm, route)()
    warm.client.close()
    people = [User(n, url, workdir, report) for n in range(users)]
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=p.run, args=(deadline,)) for p in people]
    for thread in threads:
        thread.start()
        time.sleep(ramp_up / users)
    for thread in threads:
        thread.join()
    return report
