"""Shared fixtures: real parsing of the shipped sample corpus, a real index built from it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

import assistant  # noqa: F401 - sets the offline / no-telemetry environment first
from assistant.answer.assistant import Assistant
from assistant.answer.context import paragraph_keys
from assistant.cli import app as cli_app
from assistant.index import Index
from assistant.index.ingest import Ingestor
from assistant.llm import ChatBackend
from assistant.llm.fake import ScriptedChatModel
from assistant.settings import Settings, load_settings
from assistant.types import Answer, RetrievedParagraph, Verification

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The Wirral school-transport decision: one text published under four references.
WIRRAL = ("15 018 169", "15 019 136", "15 020 236", "15 020 740")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

os.environ.pop("LGSCO_CONFIG", None)


def make_settings(index_dir: Path, **overrides: object) -> Settings:
    return load_settings(index_dir=index_dir, runs_dir=index_dir / "runs", **overrides)


def search_sentence_on(settings: Settings) -> Settings:
    """`settings` with the model writing a sentence to search with (`llm.search_sentence`):
    its first reply is then the sentence."""
    llm = settings.llm.model_copy(update={"search_sentence": True})
    return settings.model_copy(update={"llm": llm})


def bare_answer(
    verification: Verification, *, answered: bool = True, output: str = "x [P1]"
) -> Answer:
    """An answer with nothing but its verification and whether it answered: for the checks
    that read only those."""
    return Answer(
        question="q",
        standalone_question="q",
        text="t",
        citations=(),
        hits=(),
        answered=answered,
        verification=verification,
        timings={},
        model="m",
        prompt_version="answer.v1",
        model_output=output,
    )


def scripted(*replies: str) -> ChatBackend:
    """A backend whose model replies with `replies` in turn and records what it was sent."""
    return ChatBackend(ScriptedChatModel(replies=list(replies)), name="scripted", backend="openai")


def assistant_with(index: Index, *replies: str | ChatBackend) -> Assistant:
    """An assistant over `index` whose model replies with `replies` in turn (or is the
    backend given)."""
    backend = replies[0] if isinstance(replies[0], ChatBackend) else scripted(*replies)  # type: ignore[arg-type]
    return Assistant(index.settings, backend=backend, index=index)


def key_of(answer: Answer, ref: str, number: int) -> str:
    """The key an answer's prompt showed a paragraph under."""
    for key, hit in zip(paragraph_keys(answer.hits), answer.hits, strict=True):
        if hit.ref == ref and hit.number == number:
            return key
    raise AssertionError(f"{ref} ¶{number} not retrieved")


def retrieved(ref: str, number: int, refs: tuple[str, ...] | None = None) -> RetrievedParagraph:
    """A search hit for unit tests: ¶`number` of decision `ref` (of a joint decision when
    `refs` names its references), with nothing else known about it."""
    return RetrievedParagraph(
        ref=ref,
        refs=refs or (ref,),
        council=None,
        category=None,
        subcategory=None,
        outcome=None,
        date=None,
        number=number,
        section="What I found",
        subsection=None,
        text=f"Paragraph {number} of {ref}.",
        url="https://www.lgo.org.uk/decisions",
        score=1.0,
    )


def first_key(answer: Answer) -> str:
    """The key an answer's prompt showed its best paragraph under."""
    return paragraph_keys(answer.hits)[0]


def declined_without_the_model(index: Index, question: str, **settings: object) -> Answer:
    """Ask with a model that would answer, and check the gate declined the question before
    the model was called: nothing answered, nothing cited. The answer, to read its words."""
    backend = scripted('{"claims": [{"key": "P1", "statement": "Unused."}]}')
    answer = Assistant(make_settings(index.dir, **settings), index=index, backend=backend).ask(
        question
    )
    assert not answer.answered and not answer.citations
    assert backend.model.sent == []  # no model was asked
    return answer


def run_cli(*args: str, env: dict[str, str] | None = None) -> Result:
    """The command line, in process: exit code, stdout and stderr apart."""
    return CliRunner().invoke(cli_app, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The sample corpus ingested once per test session into a real Chroma + BM25 index."""
    settings = make_settings(tmp_path_factory.mktemp("index"))
    index = Index(settings, create=True)
    summary = Ingestor(index).run([CORPUS])
    assert summary.skipped == [], summary.skipped
    return index


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
