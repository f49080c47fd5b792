"""Parse -> index -> show keeps every paragraph's text, for fuzzed decisions in every shape,
through a real index (real Chroma, the real embedding model). Fewer examples: each embeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from assistant.application import Application
from assistant.index import Index
from assistant.index.ingest import Ingestor
from assistant.index.store import paragraph_id
from assistant.parsing import parse_string
from assistant.types import Decision
from tests.fuzz import strategies as gen
from tests.fuzz.profiles import examples
from tests.hostile.planted import fresh_index

SHAPES = {
    ".txt": gen.numbered_copy,
    ".text": gen.dashed_copy,
    ".html": gen.html_page,
    ".json": lambda spec: json.dumps(gen.record(spec)),
    ".jsonl": lambda spec: json.dumps(gen.record(spec)) + "\n",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, built_index: Index) -> Index:
    return fresh_index(tmp_path_factory.mktemp("round-trip"), built_index)


@settings(max_examples=examples(12))
@given(gen.specs(hostile=False), st.sampled_from(sorted(SHAPES)))
def test_parse_index_show_keeps_every_paragraph(index: Index, spec: gen.Spec, suffix: str) -> None:
    raw = SHAPES[suffix](spec)
    parsed = [
        d for d in parse_string(raw, source=f"f{suffix}", suffix=suffix) if isinstance(d, Decision)
    ]
    # Rarely none (e.g. every paragraph was markup); hypothesis fails if that is common.
    assume(parsed)
    summary = Ingestor(index).run([], decisions=parsed)
    assert not summary.skipped, summary.skipped
    shown = Application(index.settings)
    for decision in parsed:
        stored = shown.show(decision.ref)
        assert [(p.number, p.section, p.text) for p in stored.paragraphs] == [
            (p.number, p.section, p.text) for p in decision.paragraphs
        ]
        ids = [paragraph_id(decision.ref, p.number) for p in decision.paragraphs]
        got = index.vectors.collection.get(ids=ids, include=["documents"])
        documents = dict(zip(got["ids"], got["documents"], strict=True))
        assert [documents[i] for i in ids] == [p.text for p in decision.paragraphs]
    assert Path(index.dir, "store.sqlite").is_file()
