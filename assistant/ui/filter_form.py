"""The filter fields of a tab (category, subcategory, outcome, council, dates), built in the
rows a tab wants and read back by name: handlers get the form's values as a dict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.application import Application
from assistant.types import SearchFilters

ANY = "(any)"
LABELS = {
    "category": "Category",
    "subcategory": "Subcategory",
    "outcome": "Outcome",
    "council": "Council",
    "since": "Decided on or after",
    "until": "Decided on or before",
}


@dataclass(frozen=True)
class FilterForm:
    fields: dict[str, gr.components.Component]

    @classmethod
    def build(
        cls, choices: Mapping[str, list[str]], rows: Sequence[Sequence[str]], id_prefix: str
    ) -> FilterForm:
        """The fields in `rows` (names from LABELS), each with the id `{id_prefix}-{name}`:
        a dropdown of the index's values ("(any)" first) or a date box."""
        fields: dict[str, gr.components.Component] = {}
        for row in rows:
            with gr.Row():
                for name in row:
                    element = f"{id_prefix}-{name}"
                    fields[name] = (
                        gr.Dropdown(
                            choices=[ANY, *choices[name]],
                            value=ANY,
                            label=LABELS[name],
                            allow_custom_value=True,
                            elem_id=element,
                        )
                        if name in choices
                        else gr.Textbox(
                            label=LABELS[name], placeholder="YYYY-MM-DD", elem_id=element
                        )
                    )
        return cls(fields)

    @property
    def components(self) -> set[gr.components.Component]:
        return set(self.fields.values())

    def filters(self, app: Application, data: Mapping[Any, Any]) -> SearchFilters:
        """The filters from a handler's values (a dict keyed by component)."""
        values = {name: data[component] for name, component in self.fields.items()}
        return app.filters(
            **{name: None if value == ANY else value for name, value in values.items()},
            date_labels=(f"{LABELS['since']}:", f"{LABELS['until']}:"),  # type: ignore[arg-type]
        )
