"""The drafts eval over the real sample index: a complaints set drafted end to end through
the command line, what the answer contract made of a letter counted, and the set's
format read strictly. The letter's model is shown long paragraphs cut to the issue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answer import Assistant
from assistant.answer.focus import GAP
from assistant.draft import Drafter, DraftRequest, letter_body
from assistant.errors import InputError
from assistant.evaluation.drafts import DraftCase, draft_metrics, load_cases
from assistant.evaluation.gold import ExpectedParagraph
from assistant.settings import with_focus_words
from tests.conftest import ROOT, make_settings, run_cli, scripted

REFUSED_STAGE_TWO = (ROOT / "evals" / "complaints" / "refused-stage-two.txt").read_text()
SECURE = (
    "My son was placed in secure accommodation last month and the council failed to hold a "
    "review before the secure accommodation order was made."
)


def _write_cases(path: Path, *cases: dict) -> Path:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    return path


def test_a_complaints_set_is_drafted_and_scored_through_the_cli(built_index, tmp_path) -> None:
    """One complaint with precedent in the corpus (Redbridge's refused stage two) and one
    about a topic no decision mentions: the first is given the expected precedent and a
    letter citing it, the second no letter, and the run is recorded with both."""
    cases = _write_cases(
        tmp_path / "drafts.jsonl",
        {
            "id": "c1",
            "complaint": REFUSED_STAGE_TWO,
            "stage": 2,
            "audience": "council",
            "expected": [
                {"ref": "20 008 394", "quote": "denied Ms X an independent investigation"}
            ],
        },
        {"id": "c2", "complaint": SECURE, "expects_precedent": False},
    )
    record = tmp_path / "run.jsonl"
    result = run_cli(
        "eval-drafts",
        "--complaints",
        str(cases),
        "--llm",
        "fake",
        "--index",
        str(built_index.dir),
        "--record",
        str(record),
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["complaints"] == 2 and summary["letters"] == 1 and summary["failed"] == 0
    assert summary["precedent_decision"] == 1.0 and summary["precedent_paragraph"] == 1.0
    assert summary["no_letter_right"] == 1.0 and summary["wrong_no_letter"] == 0.0
    assert summary["uncited_sentences"] == 0
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    header, rows = lines[0], [line for line in lines if line["type"] == "complaint"]
    assert header["kind"] == "drafts" and header["complaints"]["count"] == 2
    assert header["prompt_version"].startswith("draft.")
    first, second = rows
    assert first["metrics"]["verified_letter"] == 1.0 and first["metrics"]["groundedness"] > 0.9
    assert "[20 008 394 ¶" in first["letter"] and first["model_output"]
    assert second["metrics"]["letter_drafted"] == 0.0
    assert all(issue["precedents"] == [] for issue in second["issues"])


def test_a_letter_with_uncited_and_unsupported_sentences_is_counted(built_index) -> None:
    """The model's letter keeps one sentence in the words of the paragraph it cites; two
    sentences cite nothing. Both are removed and counted, so the letter is not verified (two
    interventions), and what is left is grounded in the paragraph it cites."""
    first = Drafter(Assistant(built_index.settings, backend=scripted("x"), index=built_index))
    first.draft(DraftRequest(REFUSED_STAGE_TWO, stage=2))
    prompt = str(first.assistant.backend.model.sent[-1][-1].content)
    paragraph = prompt.split("[P1]", 1)[1].split("<paragraph>\n", 1)[1]
    shown = paragraph.split("\n", 1)[0].split(". ", 1)[0]  # its first sentence
    reply = (
        f"{shown.rstrip(':.')} [P1]. The council must pay £5,000 to every family. "
        "Your complaint will certainly be upheld."
    )
    assistant = Assistant(built_index.settings, backend=scripted(reply), index=built_index)
    draft = Drafter(assistant).draft(DraftRequest(REFUSED_STAGE_TWO, stage=2))
    (p1,) = [c for c in draft.citations if f"[{c.ref} ¶{c.paragraph}]" in draft.letter]
    case = DraftCase(
        id="c",
        complaint=REFUSED_STAGE_TWO,
        expected=(ExpectedParagraph(ref=p1.ref, quote=shown[:30]),),
    )
    metrics = draft_metrics(case, draft)
    assert metrics["uncited_sentences"] == 2.0 and metrics["fell_back"] == 0.0
    assert metrics["interventions"] == 2.0 and metrics["verified_letter"] == 0.0
    assert metrics["unsupported_claims"] == pytest.approx(2 / 3)
    assert metrics["groundedness"] == 1.0
    body = letter_body(draft)
    assert "£5,000" not in body and "certainly" not in body
    assert draft.model_output == reply


def test_the_letters_model_is_shown_long_paragraphs_cut_to_the_issue(built_index) -> None:
    """With focus at 60 words, a long precedent paragraph (15 018 561's agreed action, 366
    words) reaches the letter's model as its sentences nearest the issue with an ellipsis
    for the rest; with focus 0, whole. Either way the draft cites the whole paragraph."""
    complaint = (
        "I look after my granddaughter as a family and friends foster carer and the council "
        "refused to pay me the fostering allowance."
    )
    prompts = {}
    for words in (60, 0):
        backend = scripted("No letter.")
        settings = with_focus_words(make_settings(built_index.dir), words)
        assistant = Assistant(settings, backend=backend, index=built_index)
        draft = Drafter(assistant).draft(DraftRequest(complaint))
        (call,) = backend.model.sent
        prompts[words] = str(call[-1].content)
        agreed = [c for c in draft.citations if (c.ref, c.paragraph) == ("15 018 561", 3)]
        assert agreed and len(agreed[0].quote.split()) > 300
    shown = {words: prompt.split("15 018 561 ¶3", 1)[1] for words, prompt in prompts.items()}
    assert f"\n{GAP}\n" in shown[60] and GAP not in prompts[0]
    assert len(prompts[60].split()) < len(prompts[0].split()) - 150


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", r"drafts.jsonl:2: not valid JSON"),
        ('{"id": "c2", "complaint": "x"}', r"drafts.jsonl:2: a complaint with precedent needs"),
        ('{"id": "c1", "complaint": "x", "expects_precedent": false}', r"is used twice"),
        ('{"id": "c2", "complaint": "x", "stage": 4}', r"drafts.jsonl:2: stage"),
    ],
)
def test_a_complaints_set_is_read_strictly(tmp_path, line: str, problem: str) -> None:
    path = tmp_path / "drafts.jsonl"
    path.write_text('{"id": "c1", "complaint": "x", "expects_precedent": false}\n' + line + "\n")
    with pytest.raises(InputError, match=problem):
        load_cases(path)


def test_the_shipped_complaints_set_loads(built_index) -> None:
    """Every expected quote of the shipped set stands in its decision, as gold sets' do."""
    cases = load_cases(ROOT / "evals" / "drafts-blind.jsonl")
    assert len(cases) >= 16 and any(not c.expects_precedent for c in cases)
    store = built_index.store
    for case in cases:
        for expected in case.expected:
            body = " ".join(p.text for p in store.decision(expected.ref).paragraphs)
            assert " ".join(expected.quote.split()) in " ".join(body.split()), case.id
