"""What the user is told when the embedded model's server process dies before it is ready.

The child is the real `python -m assistant.llm.server` command. A `sitecustomize` in the
folder given as `runtime_path` (where another build of the runtime would be) stops it first,
as a runtime built with an instruction the CPU lacks (SIGILL) or a broken install (exit
status 1) would, so no model is needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import LLMError
from assistant.llm.local_server import LocalServer
from assistant.settings import LLMSettings

SIGILL_ON_START = "import os, signal\nos.kill(os.getpid(), signal.SIGILL)\n"
FAIL_ON_START = "import sys\nsys.stderr.write('no runtime here\\n')\nsys.exit(1)\n"


def _start_with(tmp_path: Path, startup: str) -> LLMError:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(startup)
    settings = LLMSettings(local_cache_dir=tmp_path / "cache")
    with pytest.raises(LLMError) as raised:
        LocalServer(tmp_path / "model.gguf", settings, runtime_path=hook)
    return raised.value


def test_a_runtime_that_traps_names_the_way_back(tmp_path: Path) -> None:
    error = _start_with(tmp_path, SIGILL_ON_START)
    assert "instruction this CPU does not have" in str(error)
    assert "assistant model build --prebuilt" in str(error)


def test_a_server_that_exits_names_its_log(tmp_path: Path) -> None:
    error = _start_with(tmp_path, FAIL_ON_START)
    log = tmp_path / "cache" / "server.log"
    assert f"did not start (see {log})" in str(error)
    assert "no runtime here" in log.read_text()  # the child's own words are kept there
