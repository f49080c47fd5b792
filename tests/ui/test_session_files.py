"""Per-session files: private, unique, and removed with their session, their server, or (when
the server was killed) by the next server to start; never a running server's."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from assistant.ui.session_files import OWNER_FILE, SessionFiles, remove_stale_roots


def test_each_export_is_a_new_private_file_in_the_sessions_private_folder(tmp_path) -> None:
    files = SessionFiles(tmp_path)
    first = files.new_path("alice", "lgsco-draft.docx")
    second = files.new_path("alice", "lgsco-draft.docx")
    other = files.new_path("bob", "lgsco-draft.docx")
    assert len({first, second, other}) == 3
    assert first.parent.parent == second.parent.parent != other.parent.parent
    for path in (first, other):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for folder in (path.parent, path.parent.parent, files.root):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    first.write_bytes(b"written after")
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    files.end("alice")
    assert not first.exists() and other.exists()
    files.close()
    assert not files.root.exists()


def test_only_folders_of_servers_no_longer_running_are_removed(tmp_path: Path) -> None:
    running = SessionFiles(tmp_path)  # this process: running
    other_server = subprocess.Popen(["sleep", "30"])
    alive = tmp_path / "lgsco-exports-alive"
    alive.mkdir()
    (alive / OWNER_FILE).write_text(str(other_server.pid))
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead = tmp_path / "lgsco-exports-dead"
    dead.mkdir()
    (dead / OWNER_FILE).write_text(str(finished.pid))
    unowned_new = tmp_path / "lgsco-exports-starting"  # being created this moment
    unowned_new.mkdir()
    unowned_old = tmp_path / "lgsco-exports-old"
    unowned_old.mkdir()
    os.utime(unowned_old, (0, 0))
    try:
        removed = remove_stale_roots(tmp_path)
    finally:
        other_server.kill()
        other_server.wait()
    assert set(removed) == {dead, unowned_old}
    assert running.root.exists() and alive.exists() and unowned_new.exists()
    running.close()


def test_gradio_uses_the_servers_folder_until_it_stops(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GRADIO_TEMP_DIR", "/somewhere/before")
    files = SessionFiles(tmp_path)
    files.use_for_gradio()
    assert os.environ["GRADIO_TEMP_DIR"] == str(files.gradio_cache)
    files.close()
    assert os.environ["GRADIO_TEMP_DIR"] == "/somewhere/before"
