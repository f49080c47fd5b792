"""Hostile decision files (issue 17, findings 2 and 8, NUL bytes): each is named, skipped
and reported, good files in the same run are kept, and nothing crashes `ingest` or `show`."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from assistant.errors import ParseError
from assistant.index import Index
from assistant.index.ingest import Ingestor
from assistant.parsing import parse_string, read_path
from assistant.parsing.limits import MAX_DECISION_BYTES, MAX_PARAGRAPH_CHARS
from assistant.types import Decision
from tests.conftest import CORPUS, run_cli
from tests.hostile.planted import fresh_index

HEAD = "Somewhere Council (21 000 001)\n\nThe complaint\n\n"


def deep_html(levels: int) -> str:
    return (
        "<html><body><article><h1>Somewhere Council (21 000 002)</h1>"
        + "<div>" * levels
        + "<ol><li>Mr X complains.</li></ol>"
        + "</div>" * levels
        + "</article></body></html>"
    )


def only(items: list) -> Decision | ParseError:
    assert len(items) == 1, items
    return items[0]


def test_deep_nesting_is_a_parse_error_not_a_recursion_error() -> None:
    for raw, suffix in (
        (deep_html(5_000), ".html"),
        ("[" * 100_000 + "]" * 100_000, ".json"),
        ("[" * 100_000 + "]" * 100_000, ".jsonl"),
        ('{"text": ' + "[" * 50_000 + "]" * 50_000 + "}", ".json"),
    ):
        error = only(list(parse_string(raw, source=f"deep{suffix}", suffix=suffix)))
        assert isinstance(error, ParseError), suffix
        assert "nested" in error.reason and "\n" not in str(error)


def test_a_paragraph_far_longer_than_any_real_one_is_refused() -> None:
    text = HEAD + "  1. " + "Mr X complains about the council. " * 2_000 + "\n  2. More.\n"
    error = only(list(parse_string(text, source="long.txt")))
    assert isinstance(error, ParseError)
    assert f"paragraph 1 is 67,999 characters; the limit is {MAX_PARAGRAPH_CHARS:,}" in str(error)
    many = HEAD + "".join(f"  1. Paragraph {n}.\n" for n in range(1_500))
    error = only(list(parse_string(many, source="many.txt")))
    assert isinstance(error, ParseError) and "1,500 paragraphs; the limit is 1,000" in error.reason


def test_a_gzipped_page_is_never_unpacked_beyond_the_limit(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.html.gz"
    with gzip.open(bomb, "wb") as packed:
        for _ in range(6):
            packed.write(b" " * 1_000_000)
    assert bomb.stat().st_size < 50_000
    error = only(list(read_path(bomb)))
    assert isinstance(error, ParseError) and "unpacks to more than 5,000,000 bytes" in error.reason


def test_control_characters_never_reach_the_text() -> None:
    text = HEAD + "  1. Mr X\x00 complains\x07 about the\x1b[31m council.\r\n  2. It\x0c failed.\n"
    decision = only(list(parse_string(text, source="nul.txt")))
    assert isinstance(decision, Decision)
    assert [p.text for p in decision.paragraphs] == [
        "Mr X complains about the[31m council.",
        "It failed.",
    ]
    record = json.dumps(
        {"case_id": "21 000 003", "authority": "A\x00 Council", "text": "- A\ud800 \x00b."}
    )
    decision = only(list(parse_string(record, source="nul.json", suffix=".json")))
    assert isinstance(decision, Decision)
    assert decision.paragraphs[0].text == "- A b." and decision.council == "A Council"


def test_hostile_files_are_skipped_and_the_good_ones_in_the_same_run_kept(
    tmp_path: Path, built_index: Index
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("23-017-039.txt", "24-017-708.txt"):
        shutil.copy(CORPUS / "decisions" / name, folder / name)
    (folder / "nested.html").write_text(deep_html(3_000))
    (folder / "brackets.json").write_text("[" * 100_000 + "]" * 100_000)
    with (folder / "huge.txt").open("w") as huge:  # over the file limit: never read
        huge.write(HEAD + "  1. " + "x" * (MAX_DECISION_BYTES + 10) + "\n")
    (folder / "one-paragraph.txt").write_text(HEAD + "  1. " + "Mr X complains. " * 200_000)
    (folder / "nul.txt").write_text(
        HEAD.replace("001", "004") + "  1. Mr X\x00 complains about the council.\n"
    )
    index = fresh_index(tmp_path / "index", built_index)
    summary = Ingestor(index).run([folder])
    assert summary.added == 3
    reasons = {Path(source).name: reason for source, reason in summary.skipped}
    assert set(reasons) == {"nested.html", "brackets.json", "huge.txt", "one-paragraph.txt"}
    assert "nested more than 100 levels" in reasons["nested.html"]
    assert "nested too deeply" in reasons["brackets.json"]
    assert f"the limit is {MAX_DECISION_BYTES:,}" in reasons["huge.txt"]
    assert "paragraph 1 is 3,199,999 characters" in reasons["one-paragraph.txt"]
    stored = [p.text for batch in index.store.iter_paragraphs() for p in batch]
    assert "Mr X complains about the council." in stored
    assert not any("\x00" in text for text in stored)
    # `show` names the bad file in one line; the good ones show.
    nested = run_cli("show", str(folder / "nested.html"))
    assert nested.exit_code == 2
    message = " ".join(nested.stderr.split())  # rich wraps at the terminal's width
    assert "nested.html: not a readable LGSCO decision: elements nested" in message
    assert "Traceback" not in nested.stderr
    shown = run_cli("show", "21 000 004", "--index", str(index.dir), "--json")
    assert shown.exit_code == 0, shown.stderr
    assert "\\u0000" not in shown.stdout and "Mr X complains" in shown.stdout


def test_an_imported_decision_is_checked_like_a_parsed_one(
    tmp_path: Path, built_index: Index
) -> None:
    good = only(list(read_path(CORPUS / "decisions" / "24-017-708.txt")))
    assert isinstance(good, Decision)
    gaps = good.model_copy(update={"ref": "21 000 005", "paragraphs": good.paragraphs[1:]})
    nul = good.model_copy(
        update={
            "ref": "21 000 006",
            "paragraphs": (good.paragraphs[0].model_copy(update={"text": "a\x00b"}),),
        }
    )
    index = fresh_index(tmp_path / "index", built_index)
    summary = Ingestor(index).run([], decisions=[good, gaps, nul])
    assert summary.added == 1
    assert [reason for _, reason in summary.skipped] == [
        "21 000 005: paragraphs must be numbered 1..9 without gaps",
        "21 000 006 holds control characters (e.g. NUL bytes)",
    ]
