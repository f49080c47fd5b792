"""The model's runtime built for this CPU: what is built, when, and what a failure leaves."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from assistant.llm import runtime
from assistant.llm.runtime import RuntimeBuildError

ROOT = Path(__file__).resolve().parents[2]

# The flags line of this project's machines (a Sapphire Rapids guest), abridged.
SERVER_CPUINFO = """processor\t: 0
model name\t: Intel(R) Xeon(R) Processor
flags\t\t: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c bmi2 avx2 avx512f avx512dq avx512cd \
avx512bw avx512vl avx512vbmi avx512_vnni avx512_bf16 avx_vnni amx_bf16 amx_tile amx_int8
"""
LAPTOP_CPUINFO = "flags\t\t: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c bmi2 avx2\n"
OLD_CPUINFO = "flags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2\n"
# `xllamacpp.get_system_info()` of the pinned prebuilt wheel.
PREBUILT_INFO = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
    "LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)
BUILT_INFO = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | "
    "BMI2 = 1 | AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | "
    "LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)


def test_the_build_turns_on_this_cpus_instructions_and_never_amx() -> None:
    chosen = runtime.chosen_instructions(runtime.cpu_flags(SERVER_CPUINFO))
    assert chosen == (
        "avx", "avx2", "fma", "f16c", "bmi2", "avx_vnni",
        "avx512f", "avx512vbmi", "avx512_vnni", "avx512_bf16",
    )  # fmt: skip
    args = runtime.cmake_args(chosen).split()
    assert "-DGGML_NATIVE=OFF" in args  # -march=native would switch AMX on
    assert "-DGGML_AVX512_VNNI=ON" in args and "-DGGML_AVX2=ON" in args
    assert not [arg for arg in args if "AMX" in arg]
    # Offline: nothing fetched from git during the build.
    assert {"-DLLAMA_BUILD_BORINGSSL=OFF", "-DLLAMA_LLGUIDANCE=OFF"} <= set(args)


def test_a_build_happens_only_when_the_cpu_has_more_than_the_runtime_uses() -> None:
    server = runtime.cpu_flags(SERVER_CPUINFO)
    plan = runtime.plan_build(server, PREBUILT_INFO)
    assert plan.build
    assert plan.missing == ("avx_vnni", "avx512f", "avx512vbmi", "avx512_vnni", "avx512_bf16")

    built = runtime.plan_build(server, BUILT_INFO)
    assert not built.build and "already uses every instruction" in built.reason

    laptop = runtime.plan_build(runtime.cpu_flags(LAPTOP_CPUINFO), PREBUILT_INFO)
    assert not laptop.build  # AVX2 is what the prebuilt wheel has

    old = runtime.plan_build(runtime.cpu_flags(OLD_CPUINFO), PREBUILT_INFO)
    assert not old.build and "no AVX2" in old.reason


def test_the_installed_runtime_reports_what_it_was_built_with() -> None:
    features = runtime.runtime_features(runtime.installed_system_info())
    assert "AVX2" in features  # the prebuilt wheel's floor; a build for this CPU adds to it
    info = runtime.runtime_info()
    assert info.startswith(f"xllamacpp {runtime.XLLAMACPP_VERSION} (") and "AVX2" in info


def test_the_version_built_is_the_one_pinned() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert f"xllamacpp=={runtime.XLLAMACPP_VERSION}" in project["dependencies"]


def test_a_failed_download_names_its_log_and_leaves_the_runtime_alone(tmp_path: Path) -> None:
    before = runtime.installed_system_info()
    failing_pip = (sys.executable, "-c", "print('no route to the package index'); exit(3)")
    with pytest.raises(RuntimeBuildError) as raised:
        runtime.build(
            tmp_path,
            lambda _: None,
            cpuinfo=SERVER_CPUINFO,
            system_info=PREBUILT_INFO,
            pip=failing_pip,
        )
    message = str(raised.value)
    log = next((tmp_path / "runtime").glob("*/download.log"))
    assert str(log) in message and "exit 3" in message
    assert "no route to the package index" in message and "unchanged" in message
    assert not list((tmp_path / "runtime").glob("*/*.whl"))  # nothing half-built is cached
    assert runtime.installed_system_info() == before


def test_nothing_is_built_where_there_is_nothing_to_gain(tmp_path: Path) -> None:
    never = (sys.executable, "-c", "raise SystemExit('pip must not run')")
    plan = runtime.build(
        tmp_path, lambda _: None, cpuinfo=LAPTOP_CPUINFO, system_info=PREBUILT_INFO, pip=never
    )
    assert not plan.build
    assert not (tmp_path / "runtime").exists()


def test_a_failed_return_to_the_prebuilt_runtime_keeps_the_log_it_names(tmp_path: Path) -> None:
    failing_pip = (sys.executable, "-c", "print('the index is unreachable'); exit(2)")
    with pytest.raises(RuntimeBuildError) as raised:
        runtime.install_prebuilt(tmp_path, pip=failing_pip)
    log = tmp_path / "runtime" / "prebuilt-install.log"
    assert str(log) in str(raised.value)
    assert "the index is unreachable" in log.read_text()  # still there to read
