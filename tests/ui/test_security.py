"""The app under attack, on a real server on 127.0.0.1: Gradio's file routes probed with
absolute paths, `..`, encoded traversal and symlinks; uploads over the limit, not a zip, or a
zip bomb; with a login, every route the app serves (enumerated, not listed by hand)."""

from __future__ import annotations

import re
import stat
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from pydantic import SecretStr

from assistant.application import Application
from assistant.ui.app import serve
from assistant.ui.guard import is_open
from tests.conftest import ROOT, make_settings
from tests.draft.test_uploads import complaint_docx, zip_bomb
from tests.ui.conftest import free_port

SECRET = "lgsco-secret-7f3a9c"
COMPLAINT = (
    "I asked the council to escalate my complaint to stage two. The council refused to take "
    "it to stage two, so I never got an independent investigation."
)


def app_routes(demo) -> Iterator[tuple[str, str]]:
    """(path template, method) of every route the running app serves."""
    for route in demo.server_app.routes:
        inner = getattr(route, "original_router", None)
        for r in inner.routes if inner is not None else [route]:
            for method in sorted(getattr(r, "methods", None) or ()):
                if method != "HEAD":
                    yield r.path, method


def filled(template: str, value: str = "x") -> str:
    """A route template with its path parameter set to `value` and the others to 1."""
    path = re.sub(r"\{[^}:]+:path\}", lambda _: value, template)
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.fixture(scope="module")
def client(app_url: str) -> Iterator[Client]:
    client = Client(app_url, verbose=False)
    yield client
    client.close()


def test_file_routes_serve_no_file_but_the_apps_own(served, built_index, client, tmp_path) -> None:
    app_url, demo = served
    cache = demo.session_files.gradio_cache
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    (cache / "link-to-secret").symlink_to(secret)
    (cache / "link-to-folder").symlink_to(tmp_path, target_is_directory=True)
    store = built_index.dir / "store.sqlite"
    targets = [
        "/etc/passwd",
        "/proc/self/environ",
        str(secret),
        str(store),
        str(built_index.dir / "chroma" / "chroma.sqlite3"),
        "README.md",
        str(ROOT / "README.md"),
        "../../../../../etc/passwd",
        "..%2f..%2f..%2f..%2fetc%2fpasswd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
        f"{cache}/../../../../etc/passwd",
        f"{cache}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        f"{cache}/link-to-secret",
        f"{cache}/link-to-folder/secret.txt",
        "file:///etc/passwd",
        "//etc/passwd",
        "~/.bashrc",
    ]
    file_routes = sorted(
        {path for path, method in app_routes(demo) if method == "GET" and ":path}" in path}
    )
    assert "/gradio_api/file={path_or_url:path}" in file_routes  # the probe finds them
    leaks = []
    with httpx.Client(base_url=app_url.rstrip("/"), timeout=30) as http:
        for route in [*file_routes, "/file={p:path}"]:
            for target in targets:
                response = http.get(filled(route, target))
                body = response.content
                if any(
                    marker in body
                    for marker in (b"root:x:0:0", b"SQLite format 3", SECRET.encode(), b"PATH=")
                ) or (b"# LGSCO Precedent Assistant" in body):
                    leaks.append(f"{response.status_code} {filled(route, target)}")
        assert leaks == []
        # The app's own files are served: the probe would have seen a leak.
        _, _, own = client.predict(COMPLAINT, None, "", "2", "council", api_name="/draft")
        served_copies = list(cache.rglob(Path(own).name))
        assert served_copies
        response = http.get(f"/gradio_api/file={served_copies[0]}")
        assert response.status_code == 200 and response.content.startswith(b"PK")


def test_exports_are_private_files_in_a_private_folder(served, client) -> None:
    _, demo = served
    files = demo.session_files
    _, _, downloaded = client.predict(COMPLAINT, None, "", "2", "council", api_name="/draft")
    assert stat.S_IMODE(files.root.stat().st_mode) == 0o700
    exports = list(files.folder(client.session_hash).rglob("lgsco-draft.docx"))
    copies = list(files.gradio_cache.rglob("lgsco-draft.docx"))
    assert exports and copies
    for path in [*exports, *copies]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert files.root in path.parents, path
    # Nothing of this server's goes to the shared, world-readable /tmp/gradio.
    assert Path(demo.GRADIO_CACHE) == files.gradio_cache
    assert Path(downloaded).is_file()


def test_an_upload_over_the_limit_is_refused_before_it_is_stored(served) -> None:
    app_url, demo = served
    limit = demo.max_file_size
    assert limit == 2_000_000
    files = {"files": ("big.txt", b"x" * (limit + 1), "text/plain")}
    response = httpx.post(f"{app_url}gradio_api/upload", files=files, timeout=60)
    assert response.status_code == 413
    assert "big.txt" not in {p.name for p in demo.session_files.gradio_cache.rglob("*")}


def test_a_zip_bomb_or_a_docx_that_is_not_a_zip_is_refused_with_a_message(
    client, tmp_path: Path
) -> None:
    bomb = zip_bomb(tmp_path / "bomb.docx", 114)
    started = time.perf_counter()
    status, markdown, download = client.predict(
        "", handle_file(str(bomb)), "", "2", "council", api_name="/draft"
    )
    assert time.perf_counter() - started < 15  # was 240 s and 2.6 GB of server memory
    assert "unpacks to more than 10,000,000 bytes" in status
    assert markdown == "" and download is None
    fake = tmp_path / "letter.docx"
    fake.write_text(COMPLAINT)
    status, _, download = client.predict(
        "", handle_file(str(fake)), "", "2", "council", api_name="/draft"
    )
    assert "is not a readable Word document" in status and download is None
    real = complaint_docx(tmp_path / "real.docx", COMPLAINT)
    status, markdown, _ = client.predict(
        "", handle_file(str(real)), "", "2", "council", api_name="/draft"
    )
    assert "Drafted with" in status and "## Draft letter" in markdown
    with zipfile.ZipFile(bomb) as archive:  # the bomb was as described
        assert sum(m.file_size for m in archive.infolist()) > 100_000_000


@pytest.fixture(scope="module")
def locked(built_index) -> Iterator[tuple[str, object]]:
    """The app with a login set."""
    settings = make_settings(built_index.dir)
    ui = settings.ui.model_copy(update={"username": "caseworker", "password": SecretStr("pw-1")})
    settings = settings.model_copy(update={"ui": ui})
    port = free_port()
    demo = serve(Application(settings, llm="fake"), host="127.0.0.1", port=port, block=False)
    yield f"http://127.0.0.1:{port}/", demo
    demo.close()


def test_with_a_login_every_route_requires_it(locked) -> None:
    url, demo = locked
    base = url.rstrip("/")
    with httpx.Client(base_url=base, timeout=30) as http:
        logged_in = httpx.Client(base_url=base, timeout=30)
        assert logged_in.post("/login", data={"username": "caseworker", "password": "pw-1"})
        info = logged_in.get("/gradio_api/info")
        assert info.status_code == 200
        api_names = [name.strip("/") for name in info.json()["named_endpoints"]]
        assert {"ask", "search", "remedies", "decision", "draft"} <= set(api_names)
        open_to_all = []
        checked = 0
        for path, method in app_routes(demo):
            if is_open(path):
                continue
            checked += 1
            # Streamed: an open event stream (the heartbeat) answers its status and then
            # never ends.
            with http.stream(method, filled(path), json={}) as response:
                if response.status_code != 401:
                    open_to_all.append(f"{response.status_code} {method} {path}")
        for name in api_names:
            for route in (f"/gradio_api/call/{name}", f"/gradio_api/run/{name}"):
                checked += 1
                response = http.post(route, json={"data": ["stage two"]})
                if response.status_code != 401:
                    open_to_all.append(f"{response.status_code} POST {route}")
        assert open_to_all == []
        assert checked > 50
        # Wrong password: no way in; the right one: the API works.
        bad = http.post("/login", data={"username": "caseworker", "password": "guess"})
        assert bad.status_code >= 400 and not bad.cookies
        logged_in.close()
    client = Client(url, auth=("caseworker", "pw-1"), verbose=False)
    hits = client.predict(question="refused stage two escalation", api_name="/search")
    assert hits and hits[0]["ref"]
    client.close()


def test_loose_inputs_are_refused_with_a_message_through_the_api(client) -> None:
    """Finding 14: k=-5 returned a hit, origin="evil" was accepted, a fault had no limit."""
    for bad_k in (-5, 0, 51):
        with pytest.raises(Exception, match=r"k must be from 1 to 50"):
            client.predict(question="distress payments", k=bad_k, api_name="/search")
    hits = client.predict(question="distress payments", k=2, api_name="/search")
    assert len(hits) == 2
    with pytest.raises(Exception, match="origin must be any, ombudsman or council, not 'evil'"):
        client.predict(origin="evil", api_name="/remedies")
    with pytest.raises(Exception, match=r"the fault is 100,000 characters; the limit is 300"):
        client.predict(fault="delay " * 16_666 + "dela", api_name="/remedies")
    with pytest.raises(Exception, match=r"the council filter is 5,000 characters"):
        client.predict(question="delay", council="x" * 5000, api_name="/search")


def test_the_login_page_still_lets_a_person_in(locked, browser) -> None:
    """The guard answers the browser as Gradio does, so its login form shows and works."""
    url, _ = locked
    context = browser.new_context()
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(url.rstrip("/")) else None,
    )
    page.goto(url, wait_until="load")
    page.get_by_label("username").fill("caseworker")
    page.get_by_label("password").fill("pw-1")
    page.get_by_role("button", name="Login").click()
    page.locator("#question textarea").wait_for(timeout=60_000)
    assert page.locator("#status-line").inner_text()
    context.close()
    assert [u for u in outside if not u.startswith(("data:", "blob:"))] == []
