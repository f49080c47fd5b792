"""The synthetic corpus for the scale benchmarks: deterministic, and in the real shape."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from assistant.parsing import read_path
from assistant.types import Decision, RemedyKind
from benchmarks.synthetic import Generator, synthetic_vectors, topic_centres, write_jsonl


def test_same_seed_same_corpus_and_a_small_corpus_is_the_start_of_a_large_one() -> None:
    small = Generator(seed=3).corpus(2_000)
    large = Generator(seed=3).corpus(6_000)
    assert [d.record for d in small] == [d.record for d in large[: len(small)]]
    other = Generator(seed=4).corpus(2_000)
    assert [d.record["text"] for d in other] != [d.record["text"] for d in small]
    assert sum(d.paragraphs for d in large) >= 6_000


def test_written_corpus_parses_to_the_planned_structure(tmp_path: Path) -> None:
    planned = Generator(seed=0).corpus(5_000)
    write_jsonl(planned, tmp_path, per_file=50)
    parsed: list[Decision] = []
    for path in sorted(tmp_path.glob("*.jsonl")):
        parsed += [d for d in read_path(path) if isinstance(d, Decision)]
    assert [d.ref for d in parsed] == [p.record["case_id"] for p in planned]
    assert [len(d.paragraphs) for d in parsed] == [p.paragraphs for p in planned]

    sections = Counter(p.section for d in parsed for p in d.paragraphs)
    for heading in ("The complaint", "The Ombudsman's role and powers", "What I found"):
        assert sections[heading] >= len(parsed)
    assert all(
        [p.number for p in d.paragraphs] == list(range(1, len(d.paragraphs) + 1)) for d in parsed
    )
    upheld = [d for d in parsed if (d.outcome or "").startswith("Upheld")]
    assert upheld and all(
        any(r.kind is RemedyKind.PAYMENT and r.amount for r in d.remedies) for d in upheld
    )
    assert {d.date.year for d in parsed if d.date} <= set(range(2013, 2027))
    assert len({d.category for d in parsed}) >= 6 and len({d.council for d in parsed}) >= 50
    # A bulleted list belongs to the paragraph that opens it: the paragraph holds its items.
    assert any(p.text.endswith(".") and "said:" in p.text for d in parsed for p in d.paragraphs)


def test_some_decisions_are_joint_copies_under_another_reference() -> None:
    corpus = Generator(seed=0).corpus(40_000)
    by_text = Counter(str(d.record["text"]) for d in corpus)
    joint = [text for text, n in by_text.items() if n == 2]
    assert 0.002 < len(joint) / len(corpus) < 0.03
    assert len({d.record["case_id"] for d in corpus}) == len(corpus)
    assert json.dumps(corpus[0].record)  # plain JSON, the importer's shape


def test_synthetic_vectors_are_unit_length_and_closer_within_a_topic() -> None:
    centres = topic_centres(seed=0)
    rng = np.random.default_rng(0)
    vectors = synthetic_vectors(np.array([5] * 50 + [9] * 50), rng, centres)
    assert vectors.shape == (100, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    within = float((vectors[:50] @ vectors[:50].T)[np.triu_indices(50, 1)].mean())
    across = float((vectors[:50] @ vectors[50:].T).mean())
    assert within > 0.4 and abs(across) < 0.1
