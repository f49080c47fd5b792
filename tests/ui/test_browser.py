"""The app as a user sees it, in a real browser: ask, watch the answer stream, click a
citation, read the highlighted paragraph; the no-answer state; the remedies tab.
Screenshots of each state go to tests/artifacts/ui/."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from assistant.prompts import DECLINE_PHRASE
from tests.conftest import ARTIFACTS

SHOTS = ARTIFACTS / "ui"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def ask(page: Page, question: str) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def test_first_launch_shows_examples_status_and_an_empty_chat(page: Page) -> None:
    expect(page.get_by_text("Start from an example")).to_be_visible()
    expect(page.locator("#status-line")).to_contain_text("17 decisions")
    expect(page.locator("#status-line")).to_contain_text("fake extractive model")
    shot(page, "1-first-launch")


def test_ask_streams_then_a_citation_opens_its_paragraph_highlighted(page: Page) -> None:
    ask(page, "How much per month did Tower Hamlets pay for the delay at stage two?")
    # Evidence arrives first, while the answer is still being written.
    expect(page.locator("#ask-notice")).to_contain_text("writing the answer", timeout=30_000)
    expect(page.locator("#citation-chips label").first).to_be_visible()
    shot(page, "2-streaming")
    chat = page.locator("#chat")
    expect(chat).to_contain_text("[24 017 708 ¶8]", timeout=60_000)
    expect(page.locator("#ask-notice")).not_to_contain_text("writing the answer", timeout=60_000)

    chip = page.locator("#citation-chips label", has_text="24 017 708 ¶8")
    chip.click()
    cited = page.locator("#decision-view p.para.cited")
    expect(cited).to_contain_text("£50 for each month")
    expect(cited).to_have_attribute("id", "para-8")
    view = page.locator("#decision-view")
    expect(view).to_contain_text("My assessment")  # the section heading
    expect(view.locator("p.para")).to_have_count(5)  # neighbours either side
    expect(view).to_contain_text("London Borough of Tower Hamlets")
    expect(view.get_by_role("link", name=re.compile("lgo.org.uk"))).to_have_attribute(
        "href", re.compile(r"lgo\.org\.uk")
    )
    shot(page, "3-answer-with-highlighted-citation")

    # A follow-up in the same conversation.
    ask(page, "And how much was that in total?")
    # The follow-up is retrieved with the conversation: it still finds Tower Hamlets.
    expect(chat).to_contain_text(
        re.compile(r"And how much was that in total\?[\s\S]*\[24 017 708 ¶\d+\]"), timeout=60_000
    )
    expect(page.locator("#ask-notice")).not_to_contain_text("writing the answer", timeout=60_000)
    page.get_by_text("Export this answer").click()
    expect(page.locator("#export-markdown textarea")).to_have_value(
        re.compile(r"\*\*Citations\*\*")
    )
    shot(page, "3b-export")
    expect(page.locator("#export-docx")).to_contain_text(re.compile(r"lgsco-answer-2\s*\.docx"))


def test_an_unanswerable_question_says_so_and_cites_nothing(page: Page) -> None:
    ask(page, "What did the Ombudsman say about a council late with a care leaver's pathway plan?")
    expect(page.locator("#ask-notice")).to_contain_text(
        "don't answer this question", timeout=60_000
    )
    expect(page.locator("#chat")).to_contain_text(DECLINE_PHRASE)
    expect(page.locator("#chat")).to_contain_text("mentions “care leaver (leaving care)”")
    expect(page.locator("#citation-chips label")).to_have_count(0)
    shot(page, "4-not-answered")


def test_a_bad_filter_is_a_message_and_the_app_keeps_serving(page: Page) -> None:
    page.get_by_text("Filters").first.click()
    page.locator("#filter-since input, #filter-since textarea").first.fill("last spring")
    ask(page, "What did the council pay for distress?")
    expect(page.locator("#ask-notice")).to_contain_text("is not a date", timeout=30_000)
    page.locator("#filter-since input, #filter-since textarea").first.fill("")
    ask(page, "What did the council pay the aunt and uncle?")
    expect(page.locator("#chat")).to_contain_text("[15 016 298 ¶3]", timeout=60_000)


def test_remedies_tab_chart_and_clickable_payments(page: Page) -> None:
    page.get_by_role("tab", name="Remedies").click()
    page.locator("#remedies-fault textarea, #remedies-fault input").first.fill("delay at stage two")
    page.locator("#remedies-show").click()
    expect(page.locator("#remedies-summary")).to_contain_text("Payments for delay", timeout=60_000)
    expect(page.locator("#remedies-summary")).to_contain_text("too few decisions")
    expect(page.locator("#remedies-chart canvas, #remedies-chart svg").first).to_be_visible()
    page.locator("#remedies-table").get_by_text("24 017 708 ¶8").first.click()
    expect(page.locator("#remedies-paragraph p.para.cited")).to_contain_text("£50 for each month")
    shot(page, "5-remedies")
