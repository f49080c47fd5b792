"""Per-session export files: each browser or API session writes into its own temp folder,
each file at a unique path, and the folder is removed when the session ends. Two users drafting at
once can never receive each other's document.

Everything the server writes lives under one private root (0700; every export file 0600):
the session folders, and Gradio's own copies of uploads and downloads (`gradio_cache`, which
`serve` makes Gradio use instead of the shared, world-readable /tmp/gradio). The root is
removed when the server stops, and a root left behind by a server that is no longer running
(after kill -9) is removed when the next one starts.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ROOT_PREFIX = "lgsco-exports-"
OWNER_FILE = ".owner-pid"
# A root without an owner file may be one another server is creating this very moment.
UNOWNED_GRACE_S = 60.0


class SessionFiles:
    def __init__(self, parent: Path | None = None) -> None:
        self.parent = Path(parent or tempfile.gettempdir())
        remove_stale_roots(self.parent)
        self.root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX, dir=self.parent))  # 0700
        (self.root / OWNER_FILE).write_text(str(os.getpid()))
        self.gradio_cache = self.root / "gradio"
        self.gradio_cache.mkdir(mode=0o700)
        self._folders: dict[str, Path] = {}
        self._lock = threading.Lock()
        self._previous_gradio_dir: str | None = None

    def use_for_gradio(self) -> None:
        """Make Gradio keep its copies of uploads and downloads here, not in the shared
        /tmp/gradio. Gradio reads the folder from the environment when a Blocks is made and
        again on each upload, so it is one folder per process: the server's, until it stops."""
        self._previous_gradio_dir = os.environ.get("GRADIO_TEMP_DIR")
        os.environ["GRADIO_TEMP_DIR"] = str(self.gradio_cache)

    def folder(self, session: str | None) -> Path:
        """The session's own folder, made on first use."""
        key = session or "no-session"
        with self._lock:
            if key not in self._folders:
                self._folders[key] = Path(tempfile.mkdtemp(prefix="session-", dir=self.root))
            return self._folders[key]

    def new_path(self, session: str | None, name: str) -> Path:
        """A path no other export has used, ending in the name the user downloads:
        '<session folder>/3f9c0a1b/lgsco-draft.docx'. The file is created empty, readable
        by this user only; writing it keeps those permissions."""
        unique = self.folder(session) / uuid.uuid4().hex[:12]
        unique.mkdir(mode=0o700)
        path = unique / name
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return path

    def end(self, session: str | None) -> None:
        """The session is over: remove its folder and everything in it."""
        with self._lock:
            folder = self._folders.pop(session or "no-session", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        """The server stops: remove every file it wrote (and give Gradio back its folder)."""
        with self._lock:
            self._folders.clear()
        shutil.rmtree(self.root, ignore_errors=True)
        if os.environ.get("GRADIO_TEMP_DIR") == str(self.gradio_cache):
            if self._previous_gradio_dir is None:
                os.environ.pop("GRADIO_TEMP_DIR", None)
            else:
                os.environ["GRADIO_TEMP_DIR"] = self._previous_gradio_dir

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        """For the web server's lifespan: the files go when the server shuts down."""
        try:
            yield
        finally:
            self.close()


def remove_stale_roots(parent: Path) -> list[Path]:
    """Remove export roots whose server is no longer running; the ones removed."""
    removed = []
    for root in parent.glob(f"{ROOT_PREFIX}*"):
        if not root.is_dir() or root.is_symlink() or root.stat().st_uid != os.getuid():
            continue
        if _owner_alive(root):
            continue
        shutil.rmtree(root, ignore_errors=True)
        removed.append(root)
    if removed:
        log.info("removed %d export folders left by servers no longer running", len(removed))
    return removed


def _owner_alive(root: Path) -> bool:
    try:
        pid = int((root / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return time.time() - root.stat().st_mtime < UNOWNED_GRACE_S
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
