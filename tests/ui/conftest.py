"""A real Gradio server on the sample index (fake model, slowed so streaming is visible)
and a real headless Chromium driven by Playwright."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from assistant.application import Application
from assistant.ui.app import serve
from tests.conftest import make_settings

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def served(built_index) -> Iterator[tuple[str, object]]:
    """The app's address, and the running Blocks."""
    settings = make_settings(built_index.dir)
    settings = settings.model_copy(
        update={"llm": settings.llm.model_copy(update={"fake_token_delay_s": 0.12})}
    )
    port = free_port()
    demo = serve(Application(settings, llm="fake"), host="127.0.0.1", port=port, block=False)
    yield f"http://127.0.0.1:{port}/", demo
    demo.close()


@pytest.fixture(scope="session")
def app_url(served) -> str:
    return served[0]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else None
        ),
    )
    page.goto(app_url, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    yield page
    context.close()
    assert outside == [], f"the page contacted outside hosts: {outside[:5]}"
