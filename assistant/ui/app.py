"""The Gradio app: Ask (streamed, cited chat), Remedies (figures and chart), Draft.

`build_app` returns the Blocks; `serve` launches it on 127.0.0.1 unless told otherwise.
The UI events are undocumented API endpoints; the documented ones, for `gradio_client`, are
`/ask`, `/search`, `/remedies`, `/decision` and `/draft` (see README).
A backend failure (index missing, model server down) is a message in the page, never a
stack trace, and the app keeps serving.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer import AnswerEvent, Assistant, EvidenceEvent, TokenEvent, Turn
from assistant.errors import AssistantError
from assistant.export import answer_docx, answer_markdown
from assistant.services import make_filters
from assistant.settings import LLMBackend, Settings
from assistant.types import Answer, SearchFilters
from assistant.ui.draft_tab import draft_tab
from assistant.ui.render import (
    CSS,
    chip,
    decision_view,
    evidence_list,
    notice,
    parse_chip,
    verification_notice,
)

log = logging.getLogger(__name__)

EXAMPLES = [
    "What happens when a council refuses to escalate a complaint to stage two?",
    "What does the Ombudsman usually ask councils to pay for delay at stage two?",
    "Will the Ombudsman reinvestigate a complaint that went through all three stages?",
    "What did the council pay family members who were caring for the children?",
]
ANY = "(any)"
FILTER_COLUMNS = ("category", "subcategory", "outcome", "council")


class AppBackend:
    """What the UI and its API call; one per app, shared by all sessions."""

    def __init__(self, settings: Settings, llm: LLMBackend | None = None) -> None:
        self.settings = settings
        self.llm: LLMBackend = llm or settings.llm.backend
        self.assistant = Assistant(settings, llm=llm)
        self.export_dir = Path(tempfile.mkdtemp(prefix="lgsco-exports-"))

    # state --------------------------------------------------------------------------------
    def status(self) -> tuple[str, dict[str, list[str]]]:
        """A line saying which model and index are in use, and the filter choices."""
        try:
            index = self.assistant.index
            stats = index.store.stats()
            choices = {c: index.store.distinct(c) for c in FILTER_COLUMNS}
            line = (
                f"Index `{index.dir}`: {stats['decisions']} decisions, {stats['paragraphs']} "
                f"paragraphs · embeddings `{index.stored_fingerprint()['embedding']}`"
            )
        except AssistantError as exc:
            return f"**Index unavailable:** {exc}", {c: [] for c in FILTER_COLUMNS}
        names = {
            "local": "embedded model (Qwen2.5-Coder-1.5B, on this machine)",
            "fake": "fake extractive model (testing)",
            "openai": f"OpenAI-compatible `{self.settings.llm.model}`",
        }
        return f"{line} · language model: {names.get(self.llm, self.llm)}", choices

    def filters(self, *values: str | None) -> SearchFilters:
        """Filters from the form's fields: category, subcategory, outcome, council, dates."""
        category, subcategory, outcome, council, since, until = (
            None if (v or "").strip() == ANY else v for v in values
        )
        return make_filters(
            category=category,
            subcategory=subcategory,
            outcome=outcome,
            council=council,
            since=since,
            until=until,
            date_labels=("Decided on or after:", "Decided on or before:"),
        )

    def export(self, answer: Answer, n: int) -> tuple[str, str]:
        path = answer_docx(answer, self.export_dir / f"lgsco-answer-{n}.docx")
        return answer_markdown(answer), str(path)


def build_app(settings: Settings, llm: LLMBackend | None = None) -> gr.Blocks:
    backend = AppBackend(settings, llm)
    status_line, choices = backend.status()

    def dropdown(name: str, label: str) -> gr.Dropdown:
        return gr.Dropdown(
            choices=[ANY, *choices[name]],
            value=ANY,
            label=label,
            allow_custom_value=True,
            elem_id=f"filter-{name}",
        )

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
                        with gr.Row():
                            category = dropdown("category", "Category")
                            subcategory = dropdown("subcategory", "Subcategory")
                        with gr.Row():
                            outcome = dropdown("outcome", "Outcome")
                            council = dropdown("council", "Council")
                        with gr.Row():
                            since = gr.Textbox(
                                label="Decided on or after",
                                placeholder="YYYY-MM-DD",
                                elem_id="filter-since",
                            )
                            until = gr.Textbox(
                                label="Decided on or before",
                                placeholder="YYYY-MM-DD",
                                elem_id="filter-until",
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
                _remedies_tab(backend, dropdown)
            with gr.Tab("Draft", id="draft"):
                draft_tab(backend)
        gr.Markdown(status_line, elem_id="status-line")
        gr.Markdown(
            "Source: decisions of the Local Government and Social Care Ombudsman "
            "([lgo.org.uk/decisions](https://www.lgo.org.uk/decisions)). Everything runs on "
            "this machine; nothing is sent elsewhere unless an OpenAI-compatible endpoint is "
            "configured."
        )
        turns = gr.State([])
        filter_inputs = [category, subcategory, outcome, council, since, until]

        def respond(
            message: str, history: list, past: list, *filter_values: str
        ) -> Iterator[tuple]:
            history = list(history or [])
            try:
                filters = backend.filters(*filter_values)
                text = (message or "").strip()
                history += [
                    {"role": "user", "content": text},
                    {"role": "assistant", "content": "…"},
                ]
                streamed = ""
                answer: Answer | None = None
                for event in backend.assistant.ask_stream(
                    text, filters, [Turn(q, a) for q, a in past]
                ):
                    if isinstance(event, EvidenceEvent):
                        labels = [chip(h.ref, h.number) for h in event.hits]
                        status = (
                            f"Found {len(event.hits)} paragraphs; writing the answer…"
                            if event.relevant
                            else "No paragraph is relevant enough to answer from."
                        )
                        yield (
                            history,
                            gr.update(choices=labels, value=None),
                            evidence_list(event.hits),
                            notice("none", status),
                            gr.update(),
                            gr.update(),
                            past,
                            "",
                        )
                    elif isinstance(event, TokenEvent):
                        streamed += event.text
                        history[-1] = {"role": "assistant", "content": streamed}
                        yield (
                            history,
                            gr.update(),
                            gr.update(),
                            gr.update(),
                            gr.update(),
                            gr.update(),
                            past,
                            "",
                        )
                    elif isinstance(event, AnswerEvent):
                        answer = event.answer
                assert answer is not None
                history[-1] = {"role": "assistant", "content": answer.text}
                labels = [chip(c.ref, c.paragraph) for c in answer.citations]
                markdown, docx_path = backend.export(answer, len(past) + 1)
                first = labels[0] if labels else None
                view = _view(backend, first) if first else ""
                past = [*past, (text, answer.text)]
                yield (
                    history,
                    gr.update(choices=labels, value=first),
                    gr.update(),
                    verification_notice(answer) + _filters_note(filters),
                    markdown,
                    docx_path,
                    past,
                    view,
                )
            except AssistantError as exc:
                history = (
                    [*history[:-1], {"role": "assistant", "content": f"⚠ {exc}"}]
                    if history
                    else history
                )
                yield (
                    history,
                    gr.update(),
                    gr.update(),
                    notice("error", str(exc)),
                    gr.update(),
                    gr.update(),
                    past,
                    gr.update(),
                )

        outputs = [
            chatbot,
            chips,
            evidence_html,
            ask_notice,
            export_md,
            export_docx,
            turns,
            decision_html,
        ]
        question.submit(
            respond,
            [question, chatbot, turns, *filter_inputs],
            outputs,
            api_visibility="undocumented",
            concurrency_limit=4,
            concurrency_id="ask",
        ).then(lambda: "", None, question, api_visibility="private")
        chips.change(
            lambda label: _view(backend, label), chips, decision_html, api_visibility="private"
        )
        clear.click(
            lambda: ([], [], gr.update(choices=[], value=None), "", "", "", None),
            None,
            [chatbot, turns, chips, decision_html, evidence_html, export_md, export_docx],
            api_visibility="private",
        )
        _api(backend)
    return demo


def _filters_note(filters: SearchFilters) -> str:
    if filters.is_empty():
        return ""
    shown = ", ".join(
        f"{k.replace('_', ' ')}: {v}" for k, v in filters.model_dump(mode="json").items() if v
    )
    return notice("none", f"Filters applied: {shown}")


def _view(backend: AppBackend, label: str | None) -> str:
    parsed = parse_chip(label or "")
    if parsed is None:
        return ""
    try:
        decision = backend.assistant.index.store.decision(parsed[0])
    except AssistantError as exc:
        return notice("error", str(exc))
    if decision is None:
        return notice("error", f"Decision {parsed[0]} is not in the index.")
    return decision_view(decision, parsed[1])


def _remedies_tab(backend: AppBackend, dropdown: Any) -> None:
    import pandas as pd

    from assistant.remedies import PURPOSE_LABELS, RemedyView

    with gr.Row():
        category = dropdown("category", "Category")
        subcategory = dropdown("subcategory", "Subcategory")
        outcome = dropdown("outcome", "Outcome")
    with gr.Row():
        council = dropdown("council", "Council")
        since = gr.Textbox(label="Decided on or after", placeholder="YYYY-MM-DD")
        until = gr.Textbox(label="Decided on or before", placeholder="YYYY-MM-DD")
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

    def compute(*values: str) -> tuple:
        try:
            filters = backend.filters(*values[:6])
            view = RemedyView(backend.assistant.index, backend.settings.retrieval)
            figures = view.figures(filters, (values[6] or "").strip() or None, values[7] or "any")
        except AssistantError as exc:
            return notice("error", str(exc)), None, None, [], ""
        rows = []
        for p in figures.payments:
            for r in p.payments:
                rows.append(
                    {
                        "decision": chip(r.ref, r.remedy.paragraph),
                        "purpose": PURPOSE_LABELS[p.purpose],
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
        text = figures.summary_text().replace("\n- ", "\n\n- ")
        table_frame = frame.drop(columns=["outcome"])
        return text, frame, table_frame, rows, ""

    def pick_row(rows: list, event: gr.SelectData) -> str:
        index = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        if not rows or index is None or index >= len(rows):
            return ""
        return _view(backend, rows[index]["decision"])

    def pick_range(rows: list, event: gr.SelectData) -> str:
        low, high = (
            ([*event.index, None, None])[:2] if isinstance(event.index, list) else (None, None)
        )
        inside = [
            r for r in rows if low is not None and high is not None and low <= r["amount"] <= high
        ]
        return _view(backend, inside[0]["decision"]) if inside else ""

    inputs = [category, subcategory, outcome, council, since, until, fault, origin]
    show.click(
        compute,
        inputs,
        [summary, chart, table, rows_state, paragraph],
        api_visibility="private",
        concurrency_id="remedies",
    )
    table.select(pick_row, rows_state, paragraph, api_visibility="private")
    chart.select(pick_range, rows_state, paragraph, api_visibility="private")


def _api(backend: AppBackend) -> None:
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
        filters = backend.filters(category, subcategory, outcome, council, since, until)
        answer = backend.assistant.ask(question, filters)
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
        filters = backend.filters(category, subcategory, outcome, council, since, until)
        hits = backend.assistant.retrieve(question, filters, k)
        return [h.model_dump(mode="json") for h in hits]

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
        from assistant.remedies import RemedyView, figures_to_dict

        filters = backend.filters(category, subcategory, outcome, council, since, until)
        view = RemedyView(backend.assistant.index, backend.settings.retrieval)
        return figures_to_dict(view.figures(filters, fault.strip() or None, origin))  # type: ignore[arg-type]

    def decision(ref: str, paragraph: int = 1) -> str:
        """A paragraph highlighted in its decision, as HTML."""
        return _view(backend, chip(ref, paragraph))

    gr.api(_errors_as_gradio(ask), api_name="ask", concurrency_id="ask", concurrency_limit=4)
    gr.api(
        _errors_as_gradio(search), api_name="search", concurrency_id="search", concurrency_limit=8
    )
    gr.api(_errors_as_gradio(remedies), api_name="remedies", concurrency_id="remedies")
    gr.api(_errors_as_gradio(decision), api_name="decision", concurrency_id="search")


def _errors_as_gradio(fn: Any) -> Any:
    """Project errors reach API clients as their one-line message, not a stack trace."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None

    return wrapper


def serve(
    settings: Settings, llm: LLMBackend | None = None, *, host: str, port: int, block: bool = True
) -> gr.Blocks:
    ui = settings.ui
    auth = None
    if ui.username and ui.password:
        auth = (ui.username, ui.password.get_secret_value())
    elif host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serving on %s without a login: set LGSCO_UI__USERNAME/PASSWORD", host)
    demo = build_app(settings, llm)
    demo.queue(default_concurrency_limit=2)
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
        # System fonts: the default theme fetches Google Fonts, and nothing leaves the machine.
        theme=gr.themes.Default(
            font=["ui-sans-serif", "system-ui", "sans-serif"],
            font_mono=["ui-monospace", "monospace"],
        ),
    )
    return demo
