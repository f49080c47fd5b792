"""Golden tests: every sample decision parses to the paragraphs its page shows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from assistant.parsing import read_path
from assistant.types import Decision

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def parse_one(path: Path) -> Decision:
    items = list(read_path(path))
    assert len(items) == 1
    assert isinstance(items[0], Decision), items[0]
    return items[0]


# ref -> (paragraph count, {number: (section, subsection, words in the paragraph)})
GOLDEN = {
    "20-008-394.txt": (
        33,
        {
            1: ("The complaint", None, "staff conduct"),
            3: ("The Ombudsman’s role and powers", None, "maladministration"),
            8: ("What I found", None, "Stage Three – Review Panel"),
            12: ("What I found", "What happened", "This chronology sets out"),
            25: ("What I found", "Analysis", "Although the Council said"),
            29: ("Agreed action", None, "pay Ms X £100"),
            30: ("Agreed action", None, "train staff"),
            32: ("Final decision", None, "I find evidence of fault"),
            33: (
                "Parts of the complaint that I did not investigate",
                None,
                "listed in Paragraph 1",
            ),
        },
    ),
    "23-016-199.txt": (
        20,
        {
            4: ("What I found", "The Ombudsman’s guidance on remedies", "do not punish"),
            6: ("What I found", "The Ombudsman’s guidance on remedies", "up to £500"),
            10: ("What I found", "The Council’s offers to Mr B", "a further £100 payment"),
            16: ("What I found", "My findings", "already offered Mr B £750"),
            20: ("Final decision", None, "discontinued"),
        },
    ),
    "23-017-039.txt": (
        8,
        {
            2: ("The Ombudsman’s role and powers", None, "any injustice is not significant"),
            7: ("My assessment", None, "delay in her children’s social worker"),
        },
    ),
    "24-005-987.txt": (
        13,
        {
            7: ("My assessment", None, "Council to meet with Miss X"),
            8: ("My assessment", None, "If a council has investigated something"),
            13: ("Final decision", None, "no worthwhile outcomes"),
        },
    ),
    "24-017-708.txt": (
        10,
        {
            1: ("The complaint", None, "victim of domestic abuse"),
            8: ("My assessment", None, "A total of £300"),
            9: ("Agreed action", None, "within four weeks"),
        },
    ),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_paragraph_numbers_sections_and_text(name: str) -> None:
    decision = parse_one(CORPUS / "decisions" / name)
    count, expected = GOLDEN[name]
    assert [p.number for p in decision.paragraphs] == list(range(1, count + 1))
    for number, (section, subsection, words) in expected.items():
        paragraph = decision.paragraph(number)
        assert paragraph.section == section, number
        assert paragraph.subsection == subsection, number
        assert words in paragraph.text, (number, paragraph.text)


def test_numbered_copy_numbers_straight_through_restarting_lists() -> None:
    """The copy restarts '1.' in each list; the decision's own cross-reference agrees with
    straight-through numbering: '... issues listed in Paragraph 1' is the complaint list."""
    decision = parse_one(CORPUS / "decisions" / "20-008-394.txt")
    assert "listed in Paragraph 1" in decision.paragraph(33).text
    first = decision.paragraph(1)
    assert first.section == "The complaint"
    assert "• staff conduct;" in first.text
    assert "• Council’s failure to deal with her complaints properly." in first.text


def test_bullets_and_trailing_lines_stay_with_their_paragraph() -> None:
    decision = parse_one(CORPUS / "decisions" / "20-008-394.txt")
    ninth = decision.paragraph(9)
    assert ninth.text.startswith("Section 26(3) of the Children Act")
    assert "• attitude or behaviour of staff." in ninth.text
    assert ninth.text.endswith("children’s services on representations and complaints procedures)")
    assert decision.paragraph(10).text.startswith("The statutory guidance “Getting the best")


def test_dashed_copy_tells_bullets_from_paragraphs() -> None:
    bexley = parse_one(CORPUS / "decisions" / "24-005-987.txt")
    seventh = bexley.paragraph(7)
    assert seventh.text.startswith("Some recommendations were made, including:")
    assert seventh.text.count("\n• ") == 3
    assert bexley.paragraph(8).text.startswith("If a council has investigated")
    havering = parse_one(CORPUS / "decisions" / "23-017-039.txt")
    powers = havering.paragraph(2)
    assert powers.text.count("\n• ") == 3
    assert powers.text.endswith("section 34(B))")


@pytest.mark.parametrize(
    ("name", "council", "category", "subcategory", "outcome", "date", "url"),
    [
        (
            "20-008-394.txt",
            "London Borough of Redbridge",
            "Children's care services",
            "Other",
            "Upheld",
            dt.date(2021, 7, 14),
            "https://www.lgo.org.uk/decisions?q=20-008-394",
        ),
        (
            "23-016-199.txt",
            "London Borough of Hackney",
            "Children's care services",
            "Child protection",
            "Not upheld",
            dt.date(2024, 4, 18),
            "https://www.lgo.org.uk/decisions?q=23-016-199",
        ),
        (
            "24-005-987.txt",
            "London Borough of Bexley",
            "Children's care services",
            "Fostering",
            "Closed after initial enquiries",
            dt.date(2024, 9, 23),
            "https://www.lgo.org.uk/decisions?q=24-005-987",
        ),
        ("24-017-708.txt", "London Borough of Tower Hamlets", None, None, None, None, None),
    ],
)
def test_metadata(
    name: str,
    council: str,
    category: str | None,
    subcategory: str | None,
    outcome: str | None,
    date: dt.date | None,
    url: str | None,
) -> None:
    decision = parse_one(CORPUS / "decisions" / name)
    assert decision.council == council
    assert decision.category == category
    assert decision.subcategory == subcategory
    assert decision.outcome == outcome  # None when the copy has no Decision line
    assert decision.date == date
    if url:  # a text copy states no page address: the site's search, never a made-up page
        assert decision.url == url
    assert decision.summary and not decision.summary.lower().startswith("summary")


def test_boilerplate_is_not_decision_text() -> None:
    for path in sorted((CORPUS / "decisions").glob("*.txt")):
        decision = parse_one(path)
        text = "\n".join(p.text for p in decision.paragraphs)
        for boilerplate in ("Back to top", "Print this page", "cookies", "Investigator's decision"):
            assert boilerplate not in text, (path.name, boilerplate)


def test_json_records_match_their_metadata_and_count_paragraphs() -> None:
    decision = parse_one(CORPUS / "lgo-samples" / "15-016-298.json")
    assert decision.ref == "15 016 298"
    assert decision.outcome == "Upheld"
    assert decision.date == dt.date(2017, 2, 22)
    assert decision.subcategory == "Friends and family carers"
    assert (
        decision.summary
        == "A family complains about the council's decision to remove their niece from their care."
    )
    assert [p.section for p in decision.paragraphs] == [
        "The complaint",
        "Finding",
        "Recommendations",
        "Recommendations",
        "Recommendations",
        "Recommendations",
    ]
    assert decision.paragraph(3).text.count("\n• ") == 5
    assert decision.paragraph(4).text.startswith("The events complained about")


def test_every_json_record_parses_with_the_record_url() -> None:
    for path in sorted((CORPUS / "lgo-samples").glob("*.json")):
        record = json.loads(path.read_text())
        decision = parse_one(path)
        assert decision.ref == record["case_id"]
        assert decision.url == record["url"]
        assert decision.paragraphs[0].section == "The complaint"
