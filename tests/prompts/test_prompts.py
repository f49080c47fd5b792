"""Prompts are package data that declare their variables; a mismatch fails at load."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from assistant.errors import AssistantError
from assistant.prompts import DECLINED, load_prompt, parse_prompt

FILE = """---
name: answer
version: answer.v9
variables: {declared}
---
## system
Use the paragraphs. If they do not answer, reply only: {{declined}}
## user
{{context}}

Question: {{question}}
"""


def test_the_packaged_prompts_load_with_their_declared_variables() -> None:
    packaged = {f.name for f in resources.files("assistant.prompts").iterdir()}
    assert {"answer.v1.md", "condense.v1.md", "draft.v1.md"} <= packaged
    expected = {
        "answer": {"context", "question"},
        "condense": {"history", "question"},
        "draft": {"context", "complaint", "stage", "audience_text"},
        "search_sentence": {"question"},
    }
    for name, variables in expected.items():
        prompt = load_prompt(name)
        assert prompt.version == f"{name}.{LATEST[name]}"
        assert prompt.variables == variables
        assert set(prompt.template().input_variables) == variables


LATEST = {"answer": "v4", "condense": "v1", "draft": "v3", "search_sentence": "v1"}


def test_the_decline_sentence_is_the_one_the_code_declares() -> None:
    [system, _] = load_prompt("answer").template().format_messages(context="C", question="Q")
    assert f"or only: {DECLINED}" in str(system.content)


def test_placeholders_must_match_the_declared_variables() -> None:
    assert parse_prompt(FILE.format(declared="context, question"), where="ok").version == (
        "answer.v9"
    )
    with pytest.raises(AssistantError, match=r"declares variables \['context'\] but its text"):
        parse_prompt(FILE.format(declared="context"), where="answer.v9.md")
    with pytest.raises(AssistantError, match=r"declares variables .*'topic'"):
        parse_prompt(FILE.format(declared="context, question, topic"), where="answer.v9.md")
    with pytest.raises(AssistantError, match="must declare variables"):
        parse_prompt(FILE.replace("variables: {declared}\n", ""), where="answer.v9.md")


def test_a_folder_of_prompt_files_overrides_the_package(tmp_path: Path) -> None:
    (tmp_path / "answer.v9.md").write_text(FILE.format(declared="context, question"))
    (tmp_path / "answer.v10.md").write_text(FILE.format(declared="context, question"))
    assert load_prompt("answer", directory=tmp_path).name == "answer"
    assert load_prompt("answer", "answer.v9", tmp_path).version == "answer.v9"
    with pytest.raises(AssistantError, match="No prompt 'condense'"):
        load_prompt("condense", directory=tmp_path)


def test_a_prompt_declares_whether_its_reply_is_claims_or_text() -> None:
    """A prompt's header may say its reply is structured claims; text when it says nothing,
    and any other value fails at load, naming the file."""
    plain = FILE.format(declared="context, question")
    assert parse_prompt(plain, where="ok").output == "text"
    claims = plain.replace("variables:", "output: claims\nvariables:", 1)
    assert parse_prompt(claims, where="ok").output == "claims"
    with pytest.raises(AssistantError, match=r"v9.md: output is one of text, claims"):
        parse_prompt(plain.replace("variables:", "output: json\nvariables:", 1), where="v9.md")


EXAMPLES = """---
name: search_sentence
version: search_sentence.v9
variables: question
---
## system
Write one sentence.
## user
first example
## assistant
The first reply.
## user
second example
## assistant
The second reply.
## user
{question}
"""


def test_worked_examples_are_sent_as_earlier_turns() -> None:
    prompt = parse_prompt(EXAMPLES, where="t")
    messages = prompt.messages(question="the user's own words")
    assert [(m.type, m.content) for m in messages] == [
        ("system", "Write one sentence."),
        ("human", "first example"),
        ("ai", "The first reply."),
        ("human", "second example"),
        ("ai", "The second reply."),
        ("human", "the user's own words"),
    ]
    assert load_prompt("search_sentence").examples  # the shipped prompt shows some


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        (EXAMPLES.replace("## assistant\nThe second reply.\n", ""), "pairs"),
        (EXAMPLES.replace("first example", "first {question}"), "fixed text"),
        (EXAMPLES.replace("## user\n{question}\n", ""), "'## user' section"),
    ],
)
def test_examples_out_of_turn_fail_at_load(broken: str, says: str) -> None:
    with pytest.raises(AssistantError, match=says):
        parse_prompt(broken, where="broken.md")
