"""Sync a generated 5,000-decision copy of lgo.org.uk served on 127.0.0.1.

    PYTHONPATH=. .venv/bin/python benchmarks/sync.py [--decisions 5000] [--delay 0] [--ingest]

Prints, for a first sync with delay 0 and a re-sync after 10 new and 3 edited decisions:
requests made (counted by the server) against listing pages + decision pages (+ robots.txt),
pages fetched more than once, and the time. Indexing is skipped unless --ingest is given
(embedding 20,000 paragraphs takes minutes on 2 cores; it is not what is measured here):
the pages are fetched into the raw store and the crawl state only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import assistant  # noqa: F401 - environment first
from assistant.settings import load_settings
from assistant.sync.service import Syncer, SyncOptions
from tests.sync.site import SiteServer, build_site, make_decision

SHARES = {"children-s-care-services": 0.6, "adult-care-services": 0.2, "education": 0.2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=5000)
    parser.add_argument("--ingest", action="store_true", help="also index (slow)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between requests")
    args = parser.parse_args()

    counts = {c: round(args.decisions * share) for c, share in SHARES.items()}
    site = build_site(counts)
    listing_pages = sum(site.listing_pages(c) for c in counts)
    with tempfile.TemporaryDirectory() as tmp, SiteServer(site) as server:
        settings = load_settings(index_dir=Path(tmp) / "index")
        settings.sync.daily_budget = 10 * args.decisions
        options = SyncOptions(
            categories=list(counts), site=server.url, delay_s=args.delay, ingest=args.ingest
        )
        started = time.perf_counter()
        first = Syncer(settings, options).run()
        seconds = time.perf_counter() - started
        duplicates = sum(n - 1 for n in Counter(p for _, p, _ in site.log).values() if n > 1)
        print(
            f"first sync of {sum(counts.values())} decisions, delay {args.delay:g} s, "
            f"{'with' if args.ingest else 'WITHOUT'} indexing:"
        )
        print(
            f"  requests {first.requests} (server saw {len(site.log)}) = "
            f"1 robots.txt + {first.listing_pages} listing pages (site has {listing_pages}) "
            f"+ {first.decision_requests} decision pages (site has {len(site.decisions)})"
        )
        expected = 1 + listing_pages + len(site.decisions)
        print(
            f"  expected {expected}; pages fetched twice: {duplicates}; "
            f"failed {len(first.failed)}; {seconds:.1f} s "
            f"({first.requests / seconds:.0f} requests/s)"
        )

        rng = random.Random(5)
        newest = max(d.date for d in site.decisions.values())
        for n in range(10):
            site.add(
                make_decision(
                    90000 + n, "children-s-care-services", newest + dt.timedelta(days=1 + n), rng
                )
            )
        for decision in site.listed("children-s-care-services")[15:18]:
            site.edit(decision.ref, "The Council later found the missing file.")
        site.log.clear()
        started = time.perf_counter()
        again = Syncer(settings, options).run()
        seconds = time.perf_counter() - started
        print("re-sync after 10 new and 3 edited decisions:")
        print(
            f"  requests {again.requests} = 1 robots.txt + {again.listing_pages} listing pages "
            f"+ {again.decision_requests} decision pages; target <= listing pages + 13: "
            f"{'met' if again.decision_requests <= 13 else 'MISSED'}; {seconds:.1f} s"
        )
        if args.ingest:
            print(f"  new {len(again.new)}, changed {len(again.changed)}")


if __name__ == "__main__":
    main()
