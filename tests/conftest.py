"""Shared fixtures: real parsing of the shipped sample corpus, a real index built from it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import assistant  # noqa: F401 - sets the offline / no-telemetry environment first
from assistant.index import Index
from assistant.index.ingest import Ingestor
from assistant.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

os.environ.pop("LGSCO_CONFIG", None)


def make_settings(index_dir: Path, **overrides: object) -> Settings:
    return load_settings(index_dir=index_dir, runs_dir=index_dir / "runs", **overrides)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The sample corpus ingested once per test session into a real Chroma + BM25 index."""
    settings = make_settings(tmp_path_factory.mktemp("index"))
    index = Index(settings, create=True)
    summary = Ingestor(index).run([CORPUS])
    assert summary.skipped == [], summary.skipped
    return index


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
