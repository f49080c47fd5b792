"""The app's API with gradio_client, as other tools call it; several users at once."""

from __future__ import annotations

import time
from pathlib import Path

import docx
import pytest
from gradio_client import Client


@pytest.fixture(scope="module")
def client(app_url: str) -> Client:
    return Client(app_url, verbose=False)


def test_documented_endpoints(client: Client) -> None:
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/ask", "/search", "/remedies", "/decision"} <= set(endpoints)


def test_ask_returns_a_cited_verified_answer(client: Client) -> None:
    answer = client.predict(
        question="What did the council pay the aunt and uncle?",
        subcategory="Friends and family carers",
        api_name="/ask",
    )
    assert answer["answered"] is True
    assert answer["filters"]["subcategory"] == "Friends and family carers"
    cited = {(c["ref"], c["paragraph"]) for c in answer["citations"]}
    assert ("15 016 298", 3) in cited
    quote = next(c["quote"] for c in answer["citations"] if c["ref"] == "15 016 298")
    assert "pay the aunt and uncle £850" in quote


def test_remedies_and_decision_endpoints(client: Client) -> None:
    figures = client.predict(fault="delay at stage two", api_name="/remedies")
    assert any(p["purpose"] == "delay" for p in figures["payments"])
    html = client.predict(ref="24 017 708", paragraph=8, api_name="/decision")
    assert "class='para cited' id='para-8'" in html


def test_bad_input_is_a_clear_error_not_a_traceback(client: Client) -> None:
    with pytest.raises(Exception, match="The question is empty"):
        client.predict(question="   ", api_name="/ask")
    with pytest.raises(Exception, match="is not a date"):
        client.predict(question="distress payments", since="last year", api_name="/search")


def test_a_slow_answer_does_not_block_another_users_search(app_url: str) -> None:
    slow_user, other_user = Client(app_url, verbose=False), Client(app_url, verbose=False)
    job = slow_user.submit(
        question="What does the Ombudsman usually ask councils to pay for delay at stage two?",
        api_name="/ask",
    )
    time.sleep(0.5)
    hits = other_user.predict(question="refused stage two escalation", api_name="/search")
    assert hits and hits[0]["ref"]
    assert not job.done(), "the slow answer finished first: the test proves nothing"
    answer = job.result(timeout=120)
    assert answer["answered"]


def test_draft_endpoint_returns_a_cited_draft_and_a_docx(client: Client) -> None:
    complaint = (
        "I asked the council to escalate my complaint to stage two. The council refused to "
        "take it to stage two, so I never got an independent investigation."
    )
    status, markdown, docx_file = client.predict(
        complaint, None, "", "2", "council", api_name="/draft"
    )
    assert "Drafted with fake-extractive" in status
    assert "## Draft letter" in markdown and "[20 008 394 ¶28]" in markdown
    assert str(docx_file).endswith(".docx")


def test_two_users_drafting_at_once_each_get_their_own_document(served) -> None:
    """Drafts are written per session at unique paths: never another user's file."""
    app_url, demo = served
    complaints = {
        "stage": (
            "I asked the council to escalate my complaint to stage two. The council refused to "
            "take it to stage two, so I never got an independent investigation."
        ),
        "carers": (
            "The council did not pay my sister for caring for my children as a family carer. "
            "It never assessed her as a foster carer and we lost money."
        ),
    }
    users = {name: Client(app_url, verbose=False) for name in complaints}
    jobs = {
        name: users[name].submit(text, None, "", "2", "council", api_name="/draft")
        for name, text in complaints.items()
    }
    files = {}
    for name, job in jobs.items():
        _, _, docx_file = job.result(timeout=300)
        files[name] = docx_file
        body = "\n".join(p.text for p in docx.Document(docx_file).paragraphs)
        other = next(text for other, text in complaints.items() if other != name)
        assert complaints[name].split(".")[0] in body, name
        assert other.split(".")[0] not in body, f"{name} received the other user's draft"
    assert all(Path(f).name == "lgsco-draft.docx" for f in files.values())
    sessions = {name: demo.session_files.folder(users[name].session_hash) for name in users}
    assert len({*sessions.values()}) == 2
    assert all(len(list(folder.glob("*/lgsco-draft.docx"))) == 1 for folder in sessions.values())
    # A session's folder goes when its user leaves; the other user's stays.
    users["stage"].close()
    deadline = time.monotonic() + 30
    while sessions["stage"].exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not sessions["stage"].exists()
    assert sessions["carers"].exists()
    users["carers"].close()
