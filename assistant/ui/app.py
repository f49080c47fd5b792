"""The Gradio app: Ask (streamed, cited chat), Remedies (figures and chart), Draft.

`build_app` returns the Blocks; `serve` launches it on 127.0.0.1 unless told otherwise.
The UI events are undocumented API endpoints; the documented ones, for `gradio_client`, are
`/ask`, `/search`, `/remedies`, `/decision` and `/draft` (see README).
A backend failure (index missing, model server down) is a message in the page, never a
stack trace, and the app keeps serving. Everything goes through `Application`; exported files
are written per session (`SessionFiles`).
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from assistant.answer.events import AnswerEvent, EvidenceEvent, TokenEvent, Turn
from assistant.application import FILTER_FIELDS, Application
from assistant.errors import AssistantError
from assistant.types import Answer, SearchFilters
from assistant.ui.draft_tab import draft_tab
from assistant.ui.filter_form import FilterForm
from assistant.ui.guard import LoginRequired
from assistant.ui.lanes import lane
from assistant.ui.render import (
    CSS,
    chip,
    decision_view,
    evidence_list,
    notice,
    parse_chip,
    verification_notice,
)
from assistant.ui.session_files import SessionFiles

log = logging.getLogger(__name__)

EXAMPLES = [
    "What happens when a council refuses to escalate a complaint to stage two?",
    "What does the Ombudsman usually ask councils to pay for delay at stage two?",
    "Will the Ombudsman reinvestigate a complaint that went through all three stages?",
    "What did the council pay family members who were caring for the children?",
]
MODEL_NAMES = {
    "local": "embedded model (Qwen2.5-Coder-1.5B, on this machine)",
    "fake": "fake extractive model (testing)",
}


@dataclass(frozen=True)
class Status:
    line: str  # which index and model are in use
    choices: dict[str, list[str]]  # the values each filter can take


def status(app: Application) -> Status:
    try:
        choices = app.filter_choices()
        stats = app.stats(scan_flagged=False)
    except AssistantError as exc:
        return Status(f"**Index unavailable:** {exc}", {c: [] for c in FILTER_FIELDS})
    model = MODEL_NAMES.get(app.llm, f"OpenAI-compatible `{app.settings.llm.model}`")
    line = (
        f"Index `{stats.index_dir}`: {stats.decisions} decisions, {stats.paragraphs} "
        f"paragraphs · embeddings `{(stats.fingerprint or {}).get('embedding')}`"
    )
    return Status(f"{line} · language model: {model}", choices)


def build_app(app: Application) -> gr.Blocks:
    files = SessionFiles()
    atexit.register(files.close)
    files.use_for_gradio()  # before the Blocks is made: it reads the folder then
    state = status(app)
    choices = state.choices

    with gr.Blocks(title="LGSCO Precedent Assistant", analytics_enabled=False) as demo:
        gr.Markdown(
            "## LGSCO Precedent Assistant\n"
            "Past decisions of the Local Government and Social Care Ombudsman on children's "
            "services complaints: answers cite the exact paragraph of the exact decision."
        )
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"), gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        elem_id="chat",
                        height=460,
                        label="Answers",
                        placeholder="Ask about past Ombudsman decisions. Every claim is "
                        "cited; when the decisions don't answer, you are told so.",
                    )
                    question = gr.Textbox(
                        elem_id="question",
                        label="Your question",
                        submit_btn="Ask",
                        placeholder="e.g. What is usually paid for delay at stage two?",
                        max_length=2000,
                    )
                    gr.Examples(EXAMPLES, inputs=question, label="Start from an example")
                    ask_notice = gr.HTML(elem_id="ask-notice")
                    with gr.Accordion("Filters", open=False):
                        form = FilterForm.build(
                            choices,
                            (
                                ("category", "subcategory"),
                                ("outcome", "council"),
                                ("since", "until"),
                            ),
                            "filter",
                        )
                    with gr.Row():
                        clear = gr.Button("New conversation", variant="secondary")
                    with gr.Accordion("Export this answer", open=False):
                        export_md = gr.Textbox(
                            label="Markdown (copy)",
                            lines=6,
                            buttons=["copy"],
                            elem_id="export-markdown",
                            interactive=False,
                        )
                        export_docx = gr.File(label="Word document (.docx)", elem_id="export-docx")
                with gr.Column(scale=2):
                    gr.Markdown("### Citations")
                    chips = gr.Radio(
                        choices=[],
                        label="Click a citation to read it in its decision",
                        elem_id="citation-chips",
                    )
                    decision_html = gr.HTML(elem_id="decision-view")
                    with gr.Accordion("Evidence retrieved", open=False):
                        evidence_html = gr.HTML(elem_id="evidence")
            with gr.Tab("Remedies", id="remedies"):
                _remedies_tab(app, choices)
            with gr.Tab("Draft", id="draft"):
                draft_tab(app, files)
        gr.Markdown(state.line, elem_id="status-line")
        gr.Markdown(
            "Source: decisions of the Local Government and Social Care Ombudsman "
            "([lgo.org.uk/decisions](https://www.lgo.org.uk/decisions)). Everything runs on "
            "this machine; nothing is sent elsewhere unless an OpenAI-compatible endpoint is "
            "configured."
        )
        turns = gr.State([])

        def respond(data: dict, request: gr.Request) -> Iterator[dict]:
            """The question box is emptied by the first update, so a next question typed
            meanwhile is never cleared."""
            text, past = (data[question] or "").strip(), data[turns]
            history = [
                *(data[chatbot] or []),
                {"role": "user", "content": text},
                {"role": "assistant", "content": "…"},
            ]
            try:
                yield {question: "", chatbot: history}
                filters = form.filters(app, data)
                streamed = ""
                answer: Answer | None = None
                turns_so_far = [Turn(q, a) for q, a in past]
                for event in app.ask_stream(text, filters, turns_so_far):
                    if isinstance(event, EvidenceEvent):
                        yield {
                            chatbot: history,
                            chips: gr.update(choices=[h.label for h in event.hits], value=None),
                            evidence_html: evidence_list(event.hits),
                            ask_notice: notice(
                                "none",
                                f"Found {len(event.hits)} paragraphs; writing the answer…"
                                if event.relevant
                                else "No paragraph is relevant enough to answer from.",
                            ),
                            decision_html: "",
                        }
                    elif isinstance(event, TokenEvent):
                        streamed += event.text
                        history[-1] = {"role": "assistant", "content": streamed}
                        yield {chatbot: history}
                    elif isinstance(event, AnswerEvent):
                        answer = event.answer
                assert answer is not None
                history[-1] = {"role": "assistant", "content": answer.text}
                labels = [c.label for c in answer.citations]
                first = labels[0] if labels else None
                path = files.new_path(request.session_hash, f"lgsco-answer-{len(past) + 1}.docx")
                yield {
                    chatbot: history,
                    chips: gr.update(choices=labels, value=first),
                    ask_notice: verification_notice(answer) + _filters_note(filters),
                    export_md: app.answer_markdown(answer),
                    export_docx: str(app.write_answer(answer, path)),
                    turns: [*past, (text, answer.text)],
                    decision_html: _view(app, first) if first else "",
                }
            except AssistantError as exc:
                history[-1] = {"role": "assistant", "content": f"⚠ {exc}"}
                yield {chatbot: history, ask_notice: notice("error", str(exc))}

        question.submit(
            respond,
            {question, chatbot, turns, *form.components},
            [
                question,
                chatbot,
                chips,
                evidence_html,
                ask_notice,
                export_md,
                export_docx,
                turns,
                decision_html,
            ],
            api_visibility="undocumented",
            **lane("ask"),
        )
        chips.change(
            lambda label: _view(app, label), chips, decision_html, api_visibility="private"
        )
        clear.click(
            lambda: ([], [], gr.update(choices=[], value=None), "", "", "", None),
            None,
            [chatbot, turns, chips, decision_html, evidence_html, export_md, export_docx],
            api_visibility="private",
        )
        _api(app)

        def end_session(request: gr.Request) -> None:
            files.end(request.session_hash)

        demo.unload(end_session)
    demo.session_files = files  # type: ignore[attr-defined]  # for tests and shutdown
    return demo


def _filters_note(filters: SearchFilters) -> str:
    if filters.is_empty():
        return ""
    shown = ", ".join(
        f"{k.replace('_', ' ')}: {v}" for k, v in filters.model_dump(mode="json").items() if v
    )
    return notice("none", f"Filters applied: {shown}")


def _view(app: Application, label: str | None) -> str:
    parsed = parse_chip(label or "")
    if parsed is None:
        return ""
    ref, number = parsed
    try:
        return decision_view(app.decision(ref), number)
    except AssistantError as exc:
        return notice("error", str(exc))


def _remedies_tab(app: Application, choices: dict[str, list[str]]) -> None:
    import pandas as pd

    form = FilterForm.build(
        choices, (("category", "subcategory", "outcome"), ("council", "since", "until")), "remedies"
    )
    with gr.Row():
        fault = gr.Textbox(
            label="Fault (optional)",
            placeholder="e.g. delay at stage two",
            elem_id="remedies-fault",
            scale=3,
        )
        origin = gr.Radio(
            ["any", "ombudsman", "council"], value="any", label="Asked for by", scale=2
        )
        show = gr.Button("Show remedies", variant="primary", elem_id="remedies-show")
    summary = gr.Markdown(elem_id="remedies-summary")
    chart = gr.ScatterPlot(
        x="amount",
        y="purpose",
        color="outcome",
        tooltip=["decision", "amount", "payee"],
        x_title="Amount (£)",
        y_title="Purpose",
        label="Payments by purpose (select a range to list them)",
        height=320,
        elem_id="remedies-chart",
    )
    table = gr.Dataframe(
        headers=["decision", "purpose", "amount", "payee", "origin", "council", "date"],
        interactive=False,
        label="Payments: click a row to read its paragraph",
        elem_id="remedies-table",
    )
    paragraph = gr.HTML(elem_id="remedies-paragraph")
    rows_state = gr.State([])

    def compute(data: dict) -> dict:
        try:
            filters = form.filters(app, data)
            figures = app.remedies(filters, fault=data[fault], origin=data[origin] or "any")
        except AssistantError as exc:
            return {summary: notice("error", str(exc)), chart: None, table: None, rows_state: []}
        rows = []
        for p in figures.payments:
            for r in p.payments:
                rows.append(
                    {
                        "decision": r.label_of_paragraph,
                        "purpose": p.purpose.label,
                        "amount": r.value,
                        "payee": r.remedy.payee or "",
                        "origin": r.remedy.origin,
                        "council": r.council or "",
                        "date": r.date.isoformat() if r.date else "",
                        "outcome": r.outcome or "not stated",
                    }
                )
        frame = pd.DataFrame(
            rows,
            columns=[
                "decision",
                "purpose",
                "amount",
                "payee",
                "origin",
                "council",
                "date",
                "outcome",
            ],
        )
        return {
            summary: figures.summary_text().replace("\n- ", "\n\n- "),
            chart: frame,
            table: frame.drop(columns=["outcome"]),
            rows_state: rows,
            paragraph: "",
        }

    def pick_row(rows: list, event: gr.SelectData) -> str:
        index = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        if not rows or index is None or index >= len(rows):
            return ""
        return _view(app, rows[index]["decision"])

    def pick_range(rows: list, event: gr.SelectData) -> str:
        low, high = (
            ([*event.index, None, None])[:2] if isinstance(event.index, list) else (None, None)
        )
        inside = [
            r for r in rows if low is not None and high is not None and low <= r["amount"] <= high
        ]
        return _view(app, inside[0]["decision"]) if inside else ""

    show.click(
        compute,
        {*form.components, fault, origin},
        [summary, chart, table, rows_state, paragraph],
        api_visibility="private",
        **lane("remedies"),
    )
    table.select(pick_row, rows_state, paragraph, api_visibility="private")
    chart.select(pick_range, rows_state, paragraph, api_visibility="private")


def _api(app: Application) -> None:
    """Endpoints for gradio_client: typed functions, documented on the app's API page."""

    def ask(
        question: str,
        category: str = "",
        subcategory: str = "",
        outcome: str = "",
        council: str = "",
        since: str = "",
        until: str = "",
    ) -> dict:
        """Answer a question; returns the answer, its citations and verification counts."""
        filters = app.filters_from(locals())
        answer = app.ask(question, filters)
        return answer.model_dump(mode="json", exclude={"hits", "model_output"})

    def search(
        question: str,
        category: str = "",
        subcategory: str = "",
        outcome: str = "",
        council: str = "",
        since: str = "",
        until: str = "",
        k: int = 6,
    ) -> list[dict]:
        """Retrieval only: the best paragraphs for a question."""
        filters = app.filters_from(locals())
        return [h.model_dump(mode="json") for h in app.search(question, filters, k)]

    def remedies(
        category: str = "",
        subcategory: str = "",
        outcome: str = "",
        council: str = "",
        since: str = "",
        until: str = "",
        fault: str = "",
        origin: str = "any",
    ) -> dict:
        """Typical remedies with the paragraphs behind each figure."""
        filters = app.filters_from(locals())
        return app.remedies(filters, fault=fault, origin=origin).as_dict()

    def decision(ref: str, paragraph: int = 1) -> str:
        """A paragraph highlighted in its decision, as HTML."""
        return _view(app, chip(ref, paragraph))

    gr.api(_errors_as_gradio(ask), api_name="ask", **lane("ask"))
    gr.api(_errors_as_gradio(search), api_name="search", **lane("search"))
    gr.api(_errors_as_gradio(remedies), api_name="remedies", **lane("remedies"))
    gr.api(_errors_as_gradio(decision), api_name="decision", **lane("search"))


def _errors_as_gradio(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Project errors reach API clients as their one-line message, not a stack trace."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None

    return wrapper


def serve(app: Application, *, host: str, port: int, block: bool = True) -> gr.Blocks:
    """Launch the app; with `block`, until Ctrl+C or SIGTERM. Every file the server wrote is
    removed when it stops (`SessionFiles`)."""
    ui = app.settings.ui
    auth = None
    if ui.username and ui.password:
        auth = (ui.username, ui.password.get_secret_value())
    elif host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serving on %s without a login: set LGSCO_UI__USERNAME/PASSWORD", host)
    demo = build_app(app)
    files: SessionFiles = demo.session_files  # type: ignore[attr-defined]
    # Gradio's monitoring page re-summarises every event it has recorded (up to 10,000, with
    # pandas) after each event: 12 ms an event at 10,000, a quarter of the server's busy
    # samples in a profile under 20 users. Nothing here reads that page.
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(10**9))
    demo.queue(default_concurrency_limit=2)
    if block:
        # SIGTERM stops the server like Ctrl+C does, so its files are removed.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        demo.launch(
            server_name=host,
            server_port=port,
            auth=auth,
            share=False,
            inbrowser=False,
            show_error=False,
            quiet=True,
            prevent_thread_lock=not block,
            css=CSS,
            max_file_size=ui.max_upload_bytes,
            footer_links=["api"],
            # System fonts: the default theme fetches Google Fonts; nothing leaves the machine.
            theme=gr.themes.Default(
                font=["ui-sans-serif", "system-ui", "sans-serif"],
                font_mono=["ui-monospace", "monospace"],
            ),
            app_kwargs={
                "lifespan": files.lifespan,
                "middleware": [Middleware(LoginRequired)],
            },
        )
    finally:
        if block:
            files.close()
    return demo
