"""`assistant serve --replicas 2`: two app processes behind real nginx on one address, in a
real browser. Each browser stays with the process that first served it (Gradio keeps a
session in one process's memory); a process that dies is restarted, and its browsers are
served by the other meanwhile. Issue 15."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from assistant.ui.replicas import COOKIE
from tests.conftest import ROOT
from tests.ui.conftest import free_port

QUESTION = "How much per month did Tower Hamlets pay for the delay at stage two?"


def children_of(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(c) for c in text.split()]


def app_port(pid: int) -> int:
    args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    return int(args[args.index("--port") + 1])


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def replicas(built_index, tmp_path_factory) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    temporary = tmp_path_factory.mktemp("replicas-tmp")
    env = {
        **os.environ,
        "TMPDIR": str(temporary),
        "PYTHONPATH": str(ROOT),
        "LGSCO_INDEX_DIR": str(built_index.dir),
        "LGSCO_LLM__FAKE_TOKEN_DELAY_S": "0.02",
    }
    command = [sys.executable, "-m", "assistant.cli", "serve", "--replicas", "2"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--llm", "fake"],
        env=env,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert server.poll() is None, "serve --replicas stopped while starting"
        assert time.monotonic() < deadline, "serve --replicas did not start in 3 minutes"
        time.sleep(0.5)
    yield url, server
    processes = children_of(server.pid)
    server.send_signal(signal.SIGTERM)
    assert server.wait(60) == 0
    for pid in processes:  # nginx and both apps stopped with it
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    # nginx's working folder is gone, all but the log of the process the tests killed
    [folder] = temporary.glob("lgsco-replicas-*")
    assert [p.name for p in folder.iterdir()] == ["error.log"]


def user(browser: Browser, url: str) -> BrowserContext:
    context = browser.new_context()
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    return context


def pinned_to(context: BrowserContext) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == COOKIE)


def ask_and_see_the_cited_answer(context: BrowserContext) -> None:
    page = context.pages[0]
    box = page.locator("#question textarea")
    box.fill(QUESTION)
    box.press("Enter")
    expect(page.locator("#chat")).to_contain_text("[24 017 708 ¶8]", timeout=60_000)


def test_two_users_get_one_process_each_and_keep_it(replicas, browser: Browser) -> None:
    url, _ = replicas
    first, second = user(browser, url), user(browser, url)
    try:
        assert {pinned_to(first), pinned_to(second)} == {"0", "1"}
        ask_and_see_the_cited_answer(first)
        ask_and_see_the_cited_answer(second)
        before = pinned_to(first)
        first.pages[0].reload(wait_until="load")
        first.pages[0].locator("#question textarea").wait_for(timeout=60_000)
        assert pinned_to(first) == before
    finally:
        first.close()
        second.close()


def test_a_dead_process_is_stood_in_for_then_restarted(replicas, browser: Browser) -> None:
    url, server = replicas
    visitor = user(browser, url)
    try:
        pinned = pinned_to(visitor)
        apps = sorted(  # replica i serves on the i-th port, ascending
            (pid for pid in children_of(server.pid) if "assistant.cli" in _cmdline(pid)),
            key=app_port,
        )
        assert len(apps) == 2
        victim = apps[int(pinned)]
        port = app_port(victim)
        os.kill(victim, signal.SIGKILL)
        page = visitor.pages[0]
        page.reload(wait_until="load")
        page.locator("#question textarea").wait_for(timeout=60_000)
        assert pinned_to(visitor) != pinned  # the other process stood in, and now holds it
        ask_and_see_the_cited_answer(visitor)
        deadline = time.monotonic() + 120
        while not listening(port):
            assert time.monotonic() < deadline, "the dead app process was not restarted"
            time.sleep(0.5)
        now = [pid for pid in children_of(server.pid) if "assistant.cli" in _cmdline(pid)]
        assert len(now) == 2 and victim not in now  # a new process on the same port
        assert server.poll() is None
    finally:
        visitor.close()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode()
    except FileNotFoundError:
        return ""
