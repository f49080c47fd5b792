"""Every reader fuzzed: whatever a file holds, the result is decisions numbered 1..N without
gaps, within the limits and free of control characters, or a `ParseError` naming the file in
one line. No other exception escapes."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.errors import ParseError
from assistant.parsing import SUPPORTED_SUFFIXES, parse_string, read_path
from assistant.parsing.limits import vet_decision
from assistant.types import Decision
from tests.fuzz import strategies as gen
from tests.fuzz.profiles import examples


def well_formed(items: list[Decision | ParseError], source: str) -> list[Decision]:
    assert items, "a reader yields a decision or an error for every file"
    decisions = []
    for item in items:
        if isinstance(item, ParseError):
            assert item.source.startswith(source)
            assert "\n" not in str(item) and item.reason, str(item)
            continue
        assert isinstance(item, Decision), item
        numbers = [p.number for p in item.paragraphs]
        assert numbers == list(range(1, len(numbers) + 1))
        assert all(p.text.strip() for p in item.paragraphs)
        vet_decision(item)  # sizes and characters; raises ParseError otherwise
        decisions.append(item)
    return decisions


@settings(max_examples=examples(300))
@given(gen.specs(), st.sampled_from(["\n", "\r\n"]))
def test_numbered_copies(spec: gen.Spec, newline: str) -> None:
    raw = gen.numbered_copy(spec).replace("\n", newline)
    well_formed(list(parse_string(raw, source="fuzz.txt", suffix=".txt")), "fuzz.txt")


@settings(max_examples=examples(60))
@given(gen.specs(gen.CLEAN_SENTENCE, hostile=False))
def test_clean_numbered_copies_keep_every_paragraph(spec: gen.Spec) -> None:
    [decision] = well_formed(list(parse_string(gen.numbered_copy(spec), source="c.txt")), "c.txt")
    written = [p for _, paragraphs in spec.sections for p in paragraphs]
    assert [p.text.split("\n")[0] for p in decision.paragraphs] == [p.text for p in written]


@settings(max_examples=examples(200))
@given(gen.specs())
def test_dashed_copies(spec: gen.Spec) -> None:
    raw = gen.dashed_copy(spec)
    well_formed(list(parse_string(raw, source="fuzz.txt", suffix=".txt")), "fuzz.txt")


@settings(max_examples=examples(200))
@given(gen.specs(), gen.NESTING)
def test_html_pages(spec: gen.Spec, nesting: int) -> None:
    raw = gen.html_page(spec, nesting)
    decisions = well_formed(list(parse_string(raw, source="f.html", suffix=".html")), "f.html")
    for decision in decisions:  # a page address only as the page states it
        assert decision.url.endswith(decision.ref.replace(" ", "-"))


@settings(max_examples=examples(200))
@given(gen.json_records())
def test_json_records(raw: str) -> None:
    well_formed(list(parse_string(raw, source="f.json", suffix=".json")), "f.json")


@settings(max_examples=examples(140))
@given(gen.json_lines())
def test_json_lines(raw: str) -> None:
    well_formed(list(parse_string(raw, source="f.jsonl", suffix=".jsonl")), "f.jsonl")


@settings(max_examples=examples(600))
@given(
    st.one_of(
        st.binary(max_size=3_000),
        st.builds(
            lambda spec, junk, at: _splice(gen.numbered_copy(spec).encode(), junk, at),
            gen.specs(),
            st.binary(min_size=1, max_size=40),
            st.floats(0, 1),
        ),
    ),
    st.sampled_from(sorted(SUPPORTED_SUFFIXES | {".html.gz", ".bin"})),
)
def test_raw_bytes_through_read_path(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        well_formed(list(read_path(path)), str(path))


def _splice(data: bytes, junk: bytes, at: float) -> bytes:
    cut = int(len(data) * at)
    return data[:cut] + junk + data[cut:]
