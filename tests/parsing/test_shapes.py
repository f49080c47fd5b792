"""Every input shape round-trips to the same Decision; bad input is named and skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import ParseError
from assistant.parsing import normalise_ref, parse_string, read_path
from assistant.types import Decision

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def only_decision(items: list) -> Decision:
    assert len(items) == 1 and isinstance(items[0], Decision), items
    return items[0]


def comparable(decision: Decision) -> dict:
    return decision.model_dump(exclude={"source", "source_shape"})


def test_html_page_parses_exactly_like_the_text_copy() -> None:
    page = only_decision(list(read_path(FIXTURES / "20-008-394.html")))
    text = only_decision(list(read_path(ROOT / "corpus" / "decisions" / "20-008-394.txt")))
    assert page.source_shape == "html"
    assert len(page.paragraphs) == 33
    # Only the page states its address; the copy links to the site's search for it.
    assert page.url == "https://www.lgo.org.uk/decisions/children-s-care-services/other/20-008-394"
    assert text.url == "https://www.lgo.org.uk/decisions?q=20-008-394"
    assert comparable(page) | {"url": ""} == comparable(text) | {"url": ""}


def test_json_lines_file_holds_many_records(tmp_path: Path) -> None:
    paths = sorted((ROOT / "corpus" / "lgo-samples").glob("*.json"))
    bulk = tmp_path / "bulk.jsonl"
    bulk.write_text("\n".join(json.dumps(json.loads(p.read_text())) for p in paths) + "\n")
    from_lines = [d for d in read_path(bulk)]
    singles = [only_decision(list(read_path(p))) for p in paths]
    assert [comparable(d) for d in from_lines] == [comparable(d) for d in singles]


def test_json_array_of_records(tmp_path: Path) -> None:
    paths = sorted((ROOT / "corpus" / "lgo-samples").glob("*.json"))[:3]
    array = tmp_path / "three.json"
    array.write_text(json.dumps([json.loads(p.read_text()) for p in paths]))
    decisions = list(read_path(array))
    assert [d.ref for d in decisions] == ["15 016 298", "15 017 863", "15 018 169"]


@pytest.mark.parametrize("raw", ["20-008-394", "20008394", "20 008 394", " 20 008 394 "])
def test_reference_forms(raw: str) -> None:
    assert normalise_ref(raw) == "20 008 394"


def test_bad_reference_is_refused() -> None:
    with pytest.raises(ValueError, match="not an LGSCO reference"):
        normalise_ref("2008394")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", "", "empty"),
        ("notes.txt", "Shopping list\nmilk\neggs\n", "no numbered"),
        ("broken.json", '{"case_id": "20 008 394", "text": ', "invalid JSON"),
        ("notext.json", '{"case_id": "20 008 394"}', "no decision text"),
        ("badref.json", '{"case_id": "12", "text": "The complaint\\nA thing."}', "reference"),
        ("noref.txt", "The complaint\n- Mr X complains.\n", "no decision reference"),
    ],
)
def test_bad_files_are_named_with_a_reason(
    tmp_path: Path, name: str, content: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    items = list(read_path(path))
    assert len(items) == 1 and isinstance(items[0], ParseError)
    assert items[0].source == str(path)
    assert reason in items[0].reason


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    [error] = list(read_path(path))
    assert isinstance(error, ParseError) and "UTF-8" in error.reason


def test_one_bad_line_in_json_lines_does_not_stop_the_rest(tmp_path: Path) -> None:
    good = (ROOT / "corpus" / "lgo-samples" / "15-016-298.json").read_text()
    bulk = tmp_path / "mixed.jsonl"
    bulk.write_text(json.dumps(json.loads(good)) + "\n{not json\n")
    items = list(read_path(bulk))
    assert isinstance(items[0], Decision)
    assert isinstance(items[1], ParseError) and items[1].source.endswith("mixed.jsonl:2")


def test_nested_numbered_items_take_no_paragraph_number() -> None:
    text = (
        "Somewhere Council (21 000 001)\n"
        "Category : Children's care services > Other\nDecision : Upheld\n"
        "Decision date : 01 Jan 2022\nThe Ombudsman's final decision:\nSummary: A test.\n\n"
        "The complaint\n\n"
        "  1. Mr X complains the Council failed to:\n"
        "    1. assess his son;\n"
        "    2. respond at stage two.\n"
        "  2. He says parts a) and b) caused distress.\n"
    )
    decision = only_decision(list(parse_string(text, source="inline")))
    assert [p.number for p in decision.paragraphs] == [1, 2]
    assert "a) assess his son;" in decision.paragraph(1).text
    assert "b) respond at stage two." in decision.paragraph(1).text
