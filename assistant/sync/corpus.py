"""`assistant export` / `import`: the parsed corpus as JSON Lines, so a team shares one crawl.

Each line is one decision as the index holds it (metadata, numbered paragraphs with their
sections, remedies), with its source URL, the attribution the re-use terms ask for, and the
day it was withdrawn from the site, if it was. Importing runs the ordinary `Ingestor`, so an
unchanged decision costs nothing and a changed one replaces its paragraphs as a unit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.errors import InputError, ParseError
from assistant.index.ingest import IngestSummary
from assistant.settings import Settings
from assistant.sync.service import ATTRIBUTION
from assistant.types import Decision

FORMAT = "lgsco-decision/1"


@dataclass
class ExportSummary:
    path: str
    decisions: int
    withdrawn: int

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "decisions": self.decisions, "withdrawn": self.withdrawn}


def export_corpus(settings: Settings, path: Path) -> ExportSummary:
    from assistant.index import Index

    store = Index(settings).store
    withdrawn = store.withdrawn()
    count = 0
    temporary = path.with_name(path.name + ".part")
    with temporary.open("w", encoding="utf-8") as out:
        for decision in store.decisions():
            record = {
                "format": FORMAT,
                "ref": decision.ref,
                "url": decision.url,
                "attribution": ATTRIBUTION,
                "withdrawn": withdrawn[decision.ref].isoformat()
                if decision.ref in withdrawn
                else None,
                "decision": decision.model_dump(mode="json", exclude={"source"}),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    temporary.replace(path)
    return ExportSummary(str(path), count, sum(1 for r in withdrawn if store.decision(r)))


def read_export(path: Path) -> Iterator[tuple[Decision | ParseError, dt.date | None]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or record.get("format") != FORMAT:
                    raise ValueError(f"not an exported decision (format {FORMAT!r} expected)")
                data = dict(record["decision"], source=where)
                decision = Decision.model_validate(data)
                gone = record.get("withdrawn")
                yield decision, dt.date.fromisoformat(gone) if gone else None
            except (ValueError, KeyError, TypeError, ValidationError) as exc:
                reason = str(exc).splitlines()[0]
                yield ParseError(where, reason), None


def import_corpus(settings: Settings, path: Path) -> IngestSummary:
    from assistant.index import Index
    from assistant.index.ingest import Ingestor

    if not path.is_file():
        raise InputError(f"no such file: {path}")
    index = Index(settings, create=True)
    withdrawn: dict[str, tuple[dt.date, str]] = {}

    def decisions() -> Iterator[Decision | ParseError]:
        for item, gone in read_export(path):
            if gone is not None and isinstance(item, Decision):
                withdrawn[item.ref] = (gone, item.url)
            yield item

    summary = Ingestor(index).run([], decisions=decisions())
    for ref, (since, url) in withdrawn.items():
        index.store.mark_withdrawn(ref, since, 410, url)
    return summary
