"""The Draft tab: a complaint (typed, pasted or uploaded) in, a structured draft out."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from assistant.application import Application, DraftRequest
from assistant.errors import AssistantError, InputError
from assistant.ui.lanes import lane
from assistant.ui.render import notice
from assistant.ui.session_files import SessionFiles


def draft_tab(app: Application, files: SessionFiles) -> None:
    with gr.Row():
        with gr.Column(scale=2):
            complaint = gr.Textbox(
                label="The complaint (typed or pasted)",
                lines=10,
                elem_id="draft-complaint",
                placeholder="Describe the complaint: what happened, what the council did or "
                "did not do, and what the complainant wants.",
            )
            upload = gr.File(
                label="…or upload it (.txt, .md, .docx)",
                file_types=[".txt", ".md", ".docx"],
                elem_id="draft-upload",
            )
            council_response = gr.Textbox(
                label="The council's earlier response (optional)", lines=4
            )
            with gr.Row():
                stage = gr.Dropdown(
                    ["not stated", "1", "2", "3"],
                    value="not stated",
                    label="Stage of the statutory children's complaints procedure",
                )
                audience = gr.Radio(
                    [
                        ("Council replying to the complainant", "council"),
                        ("Complainant or advocate writing to the council", "complainant"),
                    ],
                    value="council",
                    label="The draft is for",
                )
            go = gr.Button("Draft a response", variant="primary", elem_id="draft-go")
        with gr.Column(scale=3):
            status = gr.HTML(elem_id="draft-status")
            preview = gr.Markdown(elem_id="draft-preview")
            download = gr.File(
                label="Download (.docx, citations as footnotes)", elem_id="draft-docx"
            )

    def run(
        text: str,
        file: str | None,
        earlier: str,
        stage_value: str,
        who: str,
        request: gr.Request,
    ) -> dict:
        try:
            if file:
                text = app.read_complaint(Path(file))
            if not (text or "").strip():
                raise InputError("Type, paste or upload the complaint first.")
            draft = app.draft(
                DraftRequest(
                    text,
                    council_response=earlier or None,
                    stage=None if stage_value == "not stated" else int(stage_value),
                    audience=who,  # type: ignore[arg-type]
                )
            )
        except AssistantError as exc:
            return {status: notice("error", str(exc)), preview: "", download: None}
        path = app.write_draft(draft, files.new_path(request.session_hash, "lgsco-draft.docx"))
        message = f"Drafted with {draft.model} in {draft.timings['total_s']:.1f} s."
        if draft.set_aside:
            message += " Text in the complaint addressed to an assistant was not followed."
        return {
            status: notice("none", message),
            preview: app.draft_markdown(draft),
            download: str(path),
        }

    go.click(
        run,
        [complaint, upload, council_response, stage, audience],
        [status, preview, download],
        api_name="draft",
        **lane("ask"),
    )
