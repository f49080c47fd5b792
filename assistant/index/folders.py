"""Index files that are replaced whole: written beside the old copy, then swapped in."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def replace_folder(directory: Path, write: Callable[[Path], None]) -> None:
    """Let `write` fill a temporary folder beside `directory`, then swap it in, so a crash
    at any moment leaves either the old copy or the new one whole."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    write(tmp)
    old = directory.with_name(directory.name + ".old")
    if directory.exists():
        os.replace(directory, old)
    os.replace(tmp, directory)
    shutil.rmtree(old, ignore_errors=True)
