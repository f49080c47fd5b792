"""Per-session export files: each browser or API session writes into its own temp folder,
each file at a unique path, and the folder is removed when the session ends. Two users drafting at
once can never receive each other's document."""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from pathlib import Path


class SessionFiles:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="lgsco-exports-"))
        self._folders: dict[str, Path] = {}
        self._lock = threading.Lock()

    def folder(self, session: str | None) -> Path:
        """The session's own folder, made on first use."""
        key = session or "no-session"
        with self._lock:
            if key not in self._folders:
                self._folders[key] = Path(tempfile.mkdtemp(prefix="session-", dir=self.root))
            return self._folders[key]

    def new_path(self, session: str | None, name: str) -> Path:
        """A path no other export has used, ending in the name the user downloads:
        '<session folder>/3f9c0a1b/lgsco-draft.docx'."""
        unique = self.folder(session) / uuid.uuid4().hex[:12]
        unique.mkdir()
        return unique / name

    def end(self, session: str | None) -> None:
        """The session is over: remove its folder and everything in it."""
        with self._lock:
            folder = self._folders.pop(session or "no-session", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._folders.clear()
        shutil.rmtree(self.root, ignore_errors=True)
