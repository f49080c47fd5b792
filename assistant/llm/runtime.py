"""The embedded model's runtime (xllamacpp), built for this machine's CPU.

The pinned xllamacpp wheel on PyPI is compiled for AVX2, the widest instruction set every
x86-64 machine it serves may have. On a CPU with AVX-512 (and its VNNI and BF16 parts) the
same pinned version, built from its source distribution with those instructions on, read
the pipeline's prompts about 1.4 times as fast and wrote about 1.1 times as fast on the
project's 2-core machines (`benchmarks/runtime.py`). Prompt reading is most of the time
to first token, so `assistant model build` (run by `scripts/setup`) builds it once: about 8
minutes on 2 cores, cached, and then installed over the prebuilt wheel in the same
environment. Where there is nothing to gain (no instruction beyond the wheel's), no
compiler, or the build fails, the prebuilt wheel stays and says so.

The build is the same source at the same version: it changes speed, and the floating-point
order of the model's sums, so a reply may differ in a word from the prebuilt runtime's. Each
eval run records which runtime answered (`runtime_info`).
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import LLMError

XLLAMACPP_VERSION = "2026.10.11549"  # the pin in pyproject.toml; a test holds them equal

# ggml's build option for each CPU flag (as /proc/cpuinfo names it) and the name
# `xllamacpp.get_system_info()` reports it by. AMX is left out on purpose: its kernels
# stopped on an illegal instruction on the virtual machines this was measured on, whose
# kernels do not grant AMX tile state to processes.
INSTRUCTIONS: dict[str, tuple[str, str]] = {
    "avx": ("GGML_AVX", "AVX"),
    "avx2": ("GGML_AVX2", "AVX2"),
    "fma": ("GGML_FMA", "FMA"),
    "f16c": ("GGML_F16C", "F16C"),
    "bmi2": ("GGML_BMI2", "BMI2"),
    "avx_vnni": ("GGML_AVX_VNNI", "AVX_VNNI"),
    "avx512f": ("GGML_AVX512", "AVX512"),
    "avx512vbmi": ("GGML_AVX512_VBMI", "AVX512_VBMI"),
    "avx512_vnni": ("GGML_AVX512_VNNI", "AVX512_VNNI"),
    "avx512_bf16": ("GGML_AVX512_BF16", "AVX512_BF16"),
}
# Options every build sets: no TLS library or structured-output engine fetched from git
# (offline; the server is plain HTTP on 127.0.0.1 and llama.cpp's own grammar constrains
# replies), and exactly the instructions chosen, not `-march=native`, which would also
# switch on AMX.
BASE_CMAKE_ARGS = ("-DLLAMA_BUILD_BORINGSSL=OFF", "-DLLAMA_LLGUIDANCE=OFF", "-DGGML_NATIVE=OFF")

Say = Callable[[str], None]


class RuntimeBuildError(LLMError):
    """The runtime could not be built or installed for this CPU; the prebuilt one stays."""


@dataclass(frozen=True)
class Plan:
    """What `build` would do on this machine, and why."""

    instructions: tuple[str, ...]  # the CPU flags the build turns on
    missing: tuple[str, ...]  # of those, the ones the installed runtime lacks
    reason: str

    @property
    def build(self) -> bool:
        return bool(self.missing)


def cpu_flags(cpuinfo: str) -> set[str]:
    """The instruction flags of the first processor in a /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "flags":
            return set(value.split())
    return set()


def chosen_instructions(flags: Collection[str]) -> tuple[str, ...]:
    """The CPU flags this machine has that ggml can use, in `INSTRUCTIONS` order."""
    return tuple(flag for flag in INSTRUCTIONS if flag in flags)


def runtime_features(system_info: str) -> set[str]:
    """The instruction names a runtime was built with, from `xllamacpp.get_system_info()`
    ("CPU : SSE3 = 1 | AVX2 = 1 | ...")."""
    return {name for name, on in re.findall(r"([A-Z0-9_]+) = (\d)", system_info) if on == "1"}


def plan_build(flags: Collection[str], system_info: str) -> Plan:
    """Build when the CPU has an instruction the installed runtime was not built with."""
    chosen = chosen_instructions(flags)
    if "avx2" not in chosen:
        return Plan(chosen, (), "this CPU has no AVX2: the prebuilt runtime is the one for it")
    have = runtime_features(system_info)
    missing = tuple(flag for flag in chosen if INSTRUCTIONS[flag][1] not in have)
    if not missing:
        return Plan(chosen, (), "the installed runtime already uses every instruction it can")
    return Plan(chosen, missing, "this CPU has " + ", ".join(missing) + " beyond the runtime's")


def cmake_args(instructions: Collection[str]) -> str:
    """CMAKE_ARGS for xllamacpp's build: the base options, each chosen instruction on."""
    return " ".join([*BASE_CMAKE_ARGS, *(f"-D{INSTRUCTIONS[flag][0]}=ON" for flag in instructions)])


def installed_system_info(python: str = sys.executable) -> str:
    """`get_system_info()` of the xllamacpp that `python` imports, asked in a fresh
    interpreter (this one may hold the one it replaced)."""
    result = subprocess.run(
        [python, "-c", "import xllamacpp; print(xllamacpp.get_system_info())"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeBuildError(
            f"xllamacpp does not import in {python}: {result.stderr.strip()[-300:]}"
        )
    return result.stdout.strip()


def runtime_info() -> str:
    """One line naming the runtime that serves the embedded model, for run records."""
    try:
        features = runtime_features(installed_system_info())
    except RuntimeBuildError as exc:
        return str(exc)
    built = [name for _, name in INSTRUCTIONS.values() if name in features]
    return f"xllamacpp {XLLAMACPP_VERSION} ({' '.join(built) or 'no SIMD'})"


def read_cpuinfo() -> str:
    path = Path("/proc/cpuinfo")
    return path.read_text(errors="replace") if path.is_file() else ""


def build(
    cache_dir: Path,
    say: Say = print,
    *,
    cpuinfo: str | None = None,
    system_info: str | None = None,
    python: str = sys.executable,
    pip: tuple[str, ...] | None = None,
) -> Plan:
    """Build and install the runtime for this CPU if that gains anything; the plan.

    The wheel is cached under `cache_dir` by version and instructions, so re-running (or
    re-creating the environment) installs it again without building. `cpuinfo` and
    `system_info` stand for this machine's /proc/cpuinfo and the installed runtime's
    `get_system_info()` (read when not given); `pip` is the command that runs pip (default:
    this interpreter's). A failing download or build raises `RuntimeBuildError` naming its
    log, with the installed runtime untouched."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return Plan((), (), f"{platform.machine()} is not x86-64: the prebuilt runtime stays")
    flags = cpu_flags(read_cpuinfo() if cpuinfo is None else cpuinfo)
    plan = plan_build(flags, installed_system_info(python) if system_info is None else system_info)
    if not plan.build:
        return plan
    pip = pip or _pip(python)
    key = hashlib.sha256(cmake_args(plan.instructions).encode()).hexdigest()[:12]
    folder = cache_dir / "runtime" / f"xllamacpp-{XLLAMACPP_VERSION}-{key}"
    wheel = _cached_wheel(folder)
    if wheel is None:
        wheel = _build_wheel(folder, plan, pip, say)
    _install(pip, [str(wheel)], folder / "install.log")
    lacking = plan_build(plan.instructions, installed_system_info(python)).missing
    if lacking:
        raise RuntimeBuildError(
            f"the runtime installed from {wheel} lacks {', '.join(lacking)}; go back to the "
            "prebuilt one with: assistant model build --prebuilt"
        )
    return plan


def install_prebuilt(
    cache_dir: Path, python: str = sys.executable, pip: tuple[str, ...] | None = None
) -> None:
    """Put the pinned prebuilt wheel back (the way back from a build that misbehaves); its
    log is kept under `cache_dir`, where a failure's message points."""
    _install(
        pip or _pip(python),
        ["--only-binary=:all:", f"xllamacpp=={XLLAMACPP_VERSION}"],
        cache_dir / "runtime" / "prebuilt-install.log",
    )


def _pip(python: str) -> tuple[str, ...]:
    return (python, "-m", "pip", "--disable-pip-version-check")


def _install(pip: tuple[str, ...], what: list[str], log: Path) -> None:
    """xllamacpp installed over the one in the environment, its dependencies left alone."""
    _run([*pip, "install", "-q", "--no-deps", "--force-reinstall", *what], log)


def _cached_wheel(folder: Path) -> Path | None:
    wheels = sorted(folder.glob(f"xllamacpp-{XLLAMACPP_VERSION}-*.whl"))
    return wheels[0] if wheels else None


def _build_wheel(folder: Path, plan: Plan, pip: tuple[str, ...], say: Say) -> Path:
    if not (shutil.which("cmake") and (shutil.which("c++") or shutil.which("g++"))):
        raise RuntimeBuildError(
            "building the runtime needs cmake and a C++ compiler (Debian: apt-get install "
            "cmake g++); the prebuilt runtime stays"
        )
    folder.mkdir(parents=True, exist_ok=True)
    say(
        f"Building the model's runtime (xllamacpp {XLLAMACPP_VERSION}) with "
        f"{', '.join(plan.instructions)}: about 8 minutes on 2 cores, once. Log: {folder}"
    )
    with tempfile.TemporaryDirectory(dir=folder, prefix=".build-") as tmp:
        source = Path(tmp) / "source"
        _run(
            [
                *pip,
                "download",
                "-q",
                "--no-deps",
                "--no-binary=:all:",
                "-d",
                str(source),
                f"xllamacpp=={XLLAMACPP_VERSION}",
            ],
            folder / "download.log",
        )
        archives = sorted(source.glob("xllamacpp-*.tar.gz"))
        if not archives:
            raise RuntimeBuildError(f"no xllamacpp source archive was downloaded to {source}")
        built = Path(tmp) / "wheel"
        environment = {**os.environ, "CMAKE_ARGS": cmake_args(plan.instructions)}
        _run(
            [*pip, "wheel", "-q", "--no-deps", "-w", str(built), str(archives[0])],
            folder / "build.log",
            environment,
        )
        wheels = sorted(built.glob("xllamacpp-*.whl"))
        if not wheels:
            raise RuntimeBuildError(f"the build left no wheel (see {folder / 'build.log'})")
        # Moved in whole once built, so an interrupted build never leaves a wheel behind.
        return Path(shutil.move(str(wheels[0]), folder / wheels[0].name))


def _run(command: list[str], log: Path, environment: dict[str, str] | None = None) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        result = subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, env=environment, check=False
        )
    if result.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
        raise RuntimeBuildError(
            f"{' '.join(command[:5])} ... failed (exit {result.returncode}): {tail[0][:300]}. "
            f"Full log: {log}. The installed runtime is unchanged."
        )
