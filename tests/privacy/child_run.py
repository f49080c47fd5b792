"""Run in a guarded child process: ingest, ask, draft, exports, eval and the web app (two
requests), through the facade every surface uses; then one deliberate outbound
connection, the control that shows the guard is on."""

from __future__ import annotations

import json
import logging
import socket
import sys
from pathlib import Path

import httpx

from assistant.application import Application, DraftRequest
from assistant.settings import load_settings
from assistant.ui.app import serve

CONTROL_HOST = "198.51.100.7"  # TEST-NET-2: never routed


def main(work: Path, corpus: Path, complaint: Path, gold: Path, port: int) -> None:
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    settings = load_settings(index_dir=work / "index", runs_dir=work / "runs")
    app = Application(settings, llm="fake")
    summary = app.ingest([corpus])
    answer = app.ask("What happens when a council refuses to escalate a complaint to stage two?")
    app.write_answer(answer, work / "answer.docx")
    (work / "answer.md").write_text(app.answer_markdown(answer), encoding="utf-8")
    draft = app.draft(DraftRequest(complaint.read_text(encoding="utf-8"), stage=2))
    app.write_draft(draft, work / "draft.docx")
    app.write_draft(draft, work / "draft.md")
    outcome = app.evaluate(gold, k=5, systems=["pipeline"], record=work / "run.jsonl")
    demo = serve(app, host="127.0.0.1", port=port, block=False)
    try:
        pages = [
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=60) for path in ("/", "/config")
        ]
    finally:
        demo.close()
    try:
        socket.create_connection((CONTROL_HOST, 80), timeout=2).close()
        control = "connected"
    except PermissionError:
        control = "refused"
    print(
        json.dumps(
            {
                "decisions": summary.decisions,
                "answered": answer.answered,
                "letter": bool(draft.letter),
                "eval": str(outcome.record),
                "pages": [p.status_code for p in pages],
                "control": control,
            }
        )
    )


if __name__ == "__main__":
    work, corpus, complaint, gold, port = sys.argv[1:6]
    main(Path(work), Path(corpus), Path(complaint), Path(gold), int(port))
