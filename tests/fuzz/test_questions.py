"""Question input fuzzed through the facade (`Application.search` and `.ask`, the fake
model) over the real sample index: an answer whose every citation is a paragraph it
retrieved or a computed remedy figure, or one of the project's errors in one line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.application import Application
from assistant.errors import AssistantError
from assistant.types import Citation
from tests.conftest import make_settings
from tests.fuzz import strategies as gen
from tests.fuzz.profiles import examples


@pytest.fixture(scope="module")
def app(built_index) -> Application:
    application = Application(make_settings(built_index.dir), llm="fake")
    application.assistant._index = built_index  # share the session's open index
    return application


@settings(max_examples=examples(300))
@given(
    question=gen.QUESTION,
    category=gen.FILTER_TEXT,
    council=gen.FILTER_TEXT,
    since=gen.DATE_TEXT,
    until=gen.DATE_TEXT,
    ref=gen.REF_TEXT,
    answer_it=st.booleans(),
)
def test_questions_and_filters(
    app: Application,
    question: str,
    category: str | None,
    council: str | None,
    since: str | None,
    until: str | None,
    ref: str | None,
    answer_it: bool,
) -> None:
    try:
        filters = app.filters(category=category, council=council, since=since, until=until, ref=ref)
        if not answer_it:  # half search, half ask: both are the facade's question input
            hits = app.search(question, filters)
            assert all(hit.ref in hit.refs and hit.text for hit in hits)
            return
        answer = app.ask(question, filters)
    except AssistantError as exc:
        assert str(exc) and "\n" not in str(exc), str(exc)
        return
    shown = {hit.place for hit in answer.hits}
    for citation in answer.citations:
        assert isinstance(citation, Citation)
        assert citation.place in shown or citation.computed, citation
    for marker in Citation.markers_in(answer.text):
        assert marker in {c.place for c in answer.citations}, marker
    assert "\x00" not in answer.text
