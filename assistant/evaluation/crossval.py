"""Cross-validated retrieval evals: parameters chosen on training folds, figures held out.

`assistant eval --retrieval-only --folds 5 --seed 0` runs every retrieval configuration of
a small declared grid (`GRID`) over every gold question once, then for each fold picks the
configuration that scores best on the other folds (hit@k + MRR over their answerable
questions; ties go to the earlier, simpler configuration) and the relevance gate's
operating point (`GATE_OVERLAP` x `GATE_SIMILARITY` x the topic check and the asked-kind
check each off or on: the highest abstention recall on the training folds among points
refusing at most `MAX_REFUSAL` of their answerable questions, then the highest precision;
the gate refusing least when no point keeps within it). Only the held-out fold's results of
those choices are aggregated: every figure reported is on questions nobody tuned on. The
ablation repeats the selection with each component forced off (and on). The baselines
(BM25, dense, naive) have nothing to tune and run once. Latency is measured on a separate,
uncached pass with the configured settings.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from assistant.answer import Assistant
from assistant.answer.asked import unstated_in_hits
from assistant.answer.assistant import kind_asked
from assistant.answer.councils import councils_named, unmatched_councils
from assistant.answer.relevance import best_similarity, keyword_overlap
from assistant.answer.topics import unmentioned_topics
from assistant.evaluation.gold import GoldQuestion, file_digest, load_gold
from assistant.evaluation.metrics import percentile, retrieval_metrics
from assistant.evaluation.runner import (
    Progress,
    git_state,
    standalone_query,
    step_counter,
    utc_now,
)
from assistant.evaluation.splits import RETRIEVAL_SPLITS, question_splits, split_means
from assistant.evaluation.systems import SYSTEMS, as_item, make_systems
from assistant.index import Index
from assistant.parsing.common import find_refs
from assistant.retrieval import HybridRetriever
from assistant.retrieval.hybrid import READ_ONLY_BY_FUSION
from assistant.retrieval.parts import search_in_parts
from assistant.settings import Settings
from assistant.types import decisions_of

# The first value of each setting is "off" (or the old default): it orders the grid so a
# tie goes to the simpler configuration. Components that did not help on held-out folds
# are not in the grid (their defaults are off) but stay measured: `ABLATION_EXTRA` adds, for
# each, the grid with that one setting switched on, used only by the ablation rows.
GRID: dict[str, tuple[Any, ...]] = {
    "keyword_weight": (2.0, 1.0),
    "expansion_weight": (0.0, 1.0, 1.5, 2.0, 3.0),
    "section_prior": (0.0, 0.15),
    "boilerplate_weight": (0.35, 1.0),
    "max_per_decision": (3, 4),
    "fusion": ("ranks", "scores"),
    "over_cap_weight": (0.5, 0.0),
}
ABLATION_EXTRA: dict[str, Any] = {
    "split_questions": True,
    "sentence_weight": 1.0,
    "neighbour_weight": 0.3,
}
GATE_OVERLAP = (0.0, 0.01, 0.1, 0.2, 0.25, 0.3, 0.34, 0.4, 0.5, 0.6)
GATE_SIMILARITY = (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
MAX_REFUSAL = 0.03


@dataclass(frozen=True)
class Component:
    name: str
    setting: str
    off: Any


COMPONENTS = (
    Component("glossary expansion (BM25)", "expansion_weight", 0.0),
    Component("sentence vectors, max-sim", "sentence_weight", 0.0),
    Component("section priors", "section_prior", 0.0),
    Component("neighbouring paragraphs share scores", "neighbour_weight", 0.0),
    Component("boilerplate scored down", "boilerplate_weight", 1.0),
    Component("soft per-decision cap (off: strict, filled)", "over_cap_weight", 0.0),
    Component("per-decision cap of 3 hits (off: 4)", "max_per_decision", 4),
    Component("BM25 weight 1x in the fusion (off: 2x)", "keyword_weight", 2.0),
    Component("score fusion (off: reciprocal ranks)", "fusion", "ranks"),
    Component("questions asking two things searched part by part", "split_questions", False),
)


@dataclass
class CrossValidation:
    header: dict[str, Any]
    held_out: dict[str, dict[str, float | None]]
    baselines: dict[str, dict[str, dict[str, float | None]]]
    gate: dict[str, float | None]
    ablation: list[dict[str, Any]]
    folds: list[dict[str, Any]]
    deployed: dict[str, Any]
    latency: dict[str, dict[str, float | None]]
    counts: dict[str, int]
    untuned: dict[str, dict[str, float | None]] = field(default_factory=dict)
    gate_curve: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "header": self.header,
            "counts": self.counts,
            "held_out": self.held_out,
            "baselines": self.baselines,
            "untuned": self.untuned,
            "gate": self.gate,
            "gate_curve": self.gate_curve,
            "ablation": self.ablation,
            "folds": self.folds,
            "deployed": self.deployed,
            "latency": self.latency,
        }

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=1, ensure_ascii=False) + "\n")
        return path


Row = dict[str, Any]


def grid_configs(grid: dict[str, tuple[Any, ...]] = GRID) -> list[dict[str, Any]]:
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]


def effective_config(config: dict[str, Any], fusion: str = "") -> tuple[tuple[str, Any], ...]:
    """The settings of a configuration its retrieval reads (BM25's weight is a rank-fusion
    weight, unread under score fusion): configurations with the same key rank every
    question alike, so the grid searches once for them. `fusion` is the one a
    configuration that does not name its own runs with."""
    used = config.get("fusion", fusion)
    unread = (
        frozenset().union(*(names for name, names in READ_ONLY_BY_FUSION.items() if name != used))
        if used in READ_ONLY_BY_FUSION
        else frozenset()  # a fusion not known here: every setting counts
    )
    return tuple(sorted((name, value) for name, value in config.items() if name not in unread))


def assign_folds(gold: Sequence[GoldQuestion], folds: int, seed: int) -> dict[str, int]:
    """Stratified: answerable and unanswerable questions are shuffled and dealt separately."""
    rng = random.Random(seed)
    fold_of: dict[str, int] = {}
    offset = 0
    for group in ([q for q in gold if q.answerable], [q for q in gold if not q.answerable]):
        ids = [q.id for q in group]
        rng.shuffle(ids)
        for i, qid in enumerate(ids):
            fold_of[qid] = (i + offset) % folds
        offset += len(ids)
    return fold_of


@contextmanager
def cached_queries(index: Index) -> Iterator[None]:
    """Encode each distinct query once while the grid runs (timings are taken elsewhere)."""
    embedder = index.embedder
    original = embedder.encode_query
    cache: dict[str, Any] = {}

    def encode_query(text: str):
        if text not in cache:
            cache[text] = original(text)
        return cache[text]

    embedder.encode_query = encode_query  # type: ignore[method-assign]
    try:
        yield
    finally:
        embedder.encode_query = original  # type: ignore[method-assign]


def run_crossval(
    settings: Settings,
    gold_path: Path,
    *,
    k: int = 5,
    folds: int = 5,
    seed: int = 0,
    index: Index | None = None,
    progress: Progress | None = None,
    grid: dict[str, tuple[Any, ...]] = GRID,
    extra: dict[str, Any] | None = None,
) -> CrossValidation:
    gold = load_gold(gold_path)
    index = Assistant(settings, index=index).index
    splits = {q.id: question_splits(q, index.store) for q in gold}
    fold_of = assign_folds(gold, folds, seed)
    main = grid_configs(grid)
    extra = ABLATION_EXTRA if extra is None else extra
    configs = main + [{**config, name: value} for name, value in extra.items() for config in main]
    tick = step_counter(len(configs) * len(gold) + len(gold) * 4, progress)

    rows: list[dict[str, Row]] = []
    searched: dict[tuple[tuple[str, Any], ...], dict[str, Row]] = {}
    _CachedHybrid.cache = {}  # one run's candidates; never shared between runs
    with cached_queries(index):
        for number, config in enumerate(configs, start=1):
            key = effective_config(config, settings.retrieval.fusion)
            if key not in searched:
                retrieval = settings.retrieval.model_copy(update={**config, "k": k})
                retriever = _CachedHybrid(index=index, settings=retrieval)
                searched[key] = {q.id: recorded_row(retriever, q, k) for q in gold}
            rows.append(searched[key])
            for _ in gold:
                tick(f"configuration {number}/{len(configs)}")

    # The configured settings, uncached: what `ask` costs.
    retriever = HybridRetriever(
        index=index, settings=settings.retrieval.model_copy(update={"k": k})
    )
    retriever.search(standalone_query(gold[0]), gold[0].filters, k)  # warm: first-query costs
    timings = []
    for question in gold:
        started = time.perf_counter()
        retriever.search(standalone_query(question), question.filters, k)
        timings.append(time.perf_counter() - started)
        tick("latency")
    baseline_rows: dict[str, dict[str, Row]] = {}
    baseline_timings: dict[str, list[float]] = {}
    for system in make_systems(index, settings.retrieval, [s for s in SYSTEMS if s != "pipeline"]):
        baseline_rows[system.name], baseline_timings[system.name] = {}, []
        for question in gold:
            started = time.perf_counter()
            items = system.search(standalone_query(question), question.filters, k)
            baseline_timings[system.name].append(time.perf_counter() - started)
            baseline_rows[system.name][question.id] = {
                "metrics": retrieval_metrics(items, question.expected, k)
            }
            tick(system.name)

    answerable = {q.id: q.answerable for q in gold}
    everything = list(range(len(main)))  # the ablation extras are never chosen from
    held_out_rows, fold_records, gate_rows = _nested(
        rows, everything, fold_of, folds, answerable, k, configs
    )
    ablation = [_ablation_row("all components, tuned", held_out_rows, splits, k)]
    for component in COMPONENTS:
        for state in ("off", "on"):
            allowed = [
                i
                for i, c in enumerate(configs)
                if _state(c, component, settings) == state
                and all(
                    c.get(name, getattr(settings.retrieval, name))
                    == getattr(settings.retrieval, name)
                    for name in extra
                    if name != component.setting
                )
            ]
            if not allowed:
                continue
            chosen_rows, _, _ = _nested(rows, allowed, fold_of, folds, answerable, k, configs)
            ablation.append(_ablation_row(f"{component.name}: {state}", chosen_rows, splits, k))
    for state, choices in (("off", (False,)), ("on", (True,))):
        chosen_rows, _, _ = _nested(
            rows, everything, fold_of, folds, answerable, k, configs, topic_choices=choices
        )
        ablation.append(_ablation_row(f"gate's topic check: {state}", chosen_rows, splits, k))
    for state, choices in (("off", (False,)), ("on", (True,))):
        chosen_rows, _, _ = _nested(
            rows, everything, fold_of, folds, answerable, k, configs, kind_choices=choices
        )
        ablation.append(_ablation_row(f"gate's asked-kind check: {state}", chosen_rows, splits, k))

    all_ids = [q.id for q in gold]
    best = _select(rows, everything, all_ids, answerable, k)
    curve = [
        {"min_keyword_overlap": overlap, **_gate_figures(_decide(rows[best], overlap), answerable)}
        for overlap in GATE_OVERLAP
    ]
    gate_all = _choose_gate(rows[best], all_ids, answerable)
    untuned_index = 0  # the first configuration: no expansion, BM25 2x
    header = {
        "type": "crossval",
        "started": utc_now(),
        "git": git_state(),
        "gold": {"path": str(gold_path), "sha256": file_digest(gold_path), "questions": len(gold)},
        "k": k,
        "folds": folds,
        "seed": seed,
        "grid": {name: list(values) for name, values in grid.items()},
        "configurations": {"total": len(configs), "searched": len(searched)},
        "ablation_extra": extra,
        "gate_grid": {"overlap": list(GATE_OVERLAP), "similarity": list(GATE_SIMILARITY)},
        "max_refusal": MAX_REFUSAL,
        "index": {"dir": str(index.dir), "fingerprint": index.stored_fingerprint()},
        "settings": settings.retrieval.model_dump(mode="json"),
    }
    counts = {
        split: sum(1 for q in gold if split in splits[q.id])
        for split in (*RETRIEVAL_SPLITS, "unanswerable")
    }
    return CrossValidation(
        header=header,
        held_out=_by_split(held_out_rows, splits, k),
        baselines={name: _by_split(r, splits, k) for name, r in baseline_rows.items()},
        untuned=_by_split(rows[untuned_index], splits, k),
        gate=_gate_figures(gate_rows, answerable),
        ablation=ablation,
        folds=fold_records,
        deployed={"retrieval": configs[best], "gate": gate_all},
        latency={
            "pipeline": _latency(timings),
            **{name: _latency(values) for name, values in baseline_timings.items()},
        },
        counts=counts,
        gate_curve=curve,
    )


def _state(config: dict[str, Any], component: Component, settings: Settings) -> str:
    value = config.get(component.setting, getattr(settings.retrieval, component.setting))
    return "off" if value == component.off else "on"


def _decide(rows: dict[str, Row], overlap: float) -> dict[str, Row]:
    return {qid: {**row, "abstained": abstains(row, overlap, 0.0)} for qid, row in rows.items()}


class _CachedHybrid(HybridRetriever):
    """The pipeline with each retriever's candidates cached across configurations: only
    the settings a retriever reads are in its key, so the grid pays for each query once."""

    cache: ClassVar[dict[tuple, Any]] = {}

    def _cached(self, kind: str, query: str, allowed, setting: object, compute):  # type: ignore[no-untyped-def]
        key = (kind, query, _ids_key(allowed), setting, self.settings.candidates)
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def dense(self, query, allowed):  # type: ignore[no-untyped-def]
        found = self._cached(
            "dense",
            query,
            allowed,
            self.settings.dense_expansion,
            lambda: super(_CachedHybrid, self).dense(query, allowed),
        )
        return [replace(c, extra=dict(c.extra)) for c in found]

    def sentence_candidates(self, query, allowed):  # type: ignore[no-untyped-def]
        return self._cached(
            "sentences",
            query,
            allowed,
            self.settings.dense_expansion,
            lambda: super(_CachedHybrid, self).sentence_candidates(query, allowed),
        )

    def keyword(self, query, allowed):  # type: ignore[no-untyped-def]
        found = self._cached(
            "keyword",
            query,
            allowed,
            self.settings.expansion_weight,
            lambda: super(_CachedHybrid, self).keyword(query, allowed),
        )
        return [replace(c, extra=dict(c.extra)) for c in found]


def _ids_key(allowed: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if allowed is None else tuple(sorted(allowed))


def recorded_row(retriever: HybridRetriever, question: GoldQuestion, k: int) -> Row:
    """A question's retrieval metrics and the gate's features, searched once per
    configuration; `abstains` decides the gate from them at any operating point."""
    query = standalone_query(question)
    if retriever.settings.split_questions:
        hits = search_in_parts(retriever.search, query, question.filters, k)
    else:
        hits = retriever.search(query, question.filters, k)
    found = decisions_of(hits)
    texts = retriever.index.store.decision_texts(found)
    named = find_refs(query)
    asked = kind_asked(question.question, query)
    return {
        "metrics": retrieval_metrics([as_item(h) for h in hits], question.expected, k),
        "overlap": keyword_overlap(query, hits) if hits else 0.0,
        "similarity": best_similarity(hits),
        "keyword": any(h.keyword_rank is not None for h in hits),
        "other_council": bool(unmatched_councils(query, texts)),
        "unmentioned_topic": bool(unmentioned_topics(query, texts)),
        "unstated_kind": asked is not None
        and unstated_in_hits(asked, councils_named(query), hits, texts),
        "named_decision": None if not named else bool(found & set(named)),
    }


def _score(rows: dict[str, Row], ids: Sequence[str], answerable: dict[str, bool], k: int) -> float:
    scored = [rows[i]["metrics"] for i in ids if answerable[i]]
    if not scored:
        return 0.0
    return sum(m[f"hit@{k}"] + m["mrr"] for m in scored) / len(scored)


def _select(
    rows: list[dict[str, Row]],
    allowed: Sequence[int],
    ids: Sequence[str],
    answerable: dict[str, bool],
    k: int,
) -> int:
    best, best_score = allowed[0], -1.0
    for i in allowed:
        score = _score(rows[i], ids, answerable, k)
        if score > best_score + 1e-12:
            best, best_score = i, score
    return best


def abstains(
    row: Row, overlap: float, similarity: float, topics: bool = True, kinds: bool = True
) -> bool:
    """The gate of `Assistant.declined_because`, on a question's recorded features."""
    named = row.get("named_decision")  # None: the question names no decision
    if named is False or row.get("other_council", False):
        return True
    if topics and row.get("unmentioned_topic", False):
        return True
    if kinds and row.get("unstated_kind", False):
        return True
    if named:  # a question naming a decision the hits hold needs no words of it in them
        return False
    relevant = (
        row["keyword"]
        and row["overlap"] >= overlap
        and (similarity <= 0 or row["similarity"] >= similarity)
    )
    return not relevant


def _choose_gate(
    rows: dict[str, Row],
    ids: Sequence[str],
    answerable: dict[str, bool],
    topic_choices: Sequence[bool] = (False, True),
    kind_choices: Sequence[bool] = (False, True),
) -> dict[str, Any]:
    best: tuple[float, float, float] | None = None
    # If no point keeps refusals within MAX_REFUSAL on the training folds, the first one,
    # which refuses least (no overlap needed, no topic or kind check), is kept.
    chosen = {
        "min_keyword_overlap": GATE_OVERLAP[0],
        "min_similarity": 0.0,
        "topic_check": topic_choices[0],
        "kind_check": kind_choices[0],
    }
    answerable_ids = [i for i in ids if answerable[i]]
    unanswerable_ids = [i for i in ids if not answerable[i]]
    for topics, kinds, overlap, similarity in itertools.product(
        topic_choices, kind_choices, GATE_OVERLAP, GATE_SIMILARITY
    ):
        point = (overlap, similarity, topics, kinds)
        refused = sum(abstains(rows[i], *point) for i in answerable_ids)
        caught = sum(abstains(rows[i], *point) for i in unanswerable_ids)
        refusal = refused / len(answerable_ids) if answerable_ids else 0.0
        if refusal > MAX_REFUSAL:
            continue
        recall = caught / len(unanswerable_ids) if unanswerable_ids else 0.0
        precision = caught / (caught + refused) if caught + refused else 0.0
        key = (recall, precision, -refusal)
        if best is None or key > best:
            best = key
            chosen = {
                "min_keyword_overlap": overlap,
                "min_similarity": similarity,
                "topic_check": topics,
                "kind_check": kinds,
            }
    return chosen


def _nested(
    rows: list[dict[str, Row]],
    allowed: Sequence[int],
    fold_of: dict[str, int],
    folds: int,
    answerable: dict[str, bool],
    k: int,
    configs: list[dict[str, Any]],
    topic_choices: Sequence[bool] = (False, True),
    kind_choices: Sequence[bool] = (False, True),
) -> tuple[dict[str, Row], list[dict[str, Any]], dict[str, Row]]:
    held_out: dict[str, Row] = {}
    records = []
    for fold in range(folds):
        train = [i for i, f in fold_of.items() if f != fold]
        test = [i for i, f in fold_of.items() if f == fold]
        chosen = _select(rows, allowed, train, answerable, k)
        gate = _choose_gate(rows[chosen], train, answerable, topic_choices, kind_choices)
        for qid in test:
            row = dict(rows[chosen][qid])
            row["abstained"] = abstains(
                row,
                gate["min_keyword_overlap"],
                gate["min_similarity"],
                gate["topic_check"],
                gate["kind_check"],
            )
            held_out[qid] = row
        records.append(
            {"fold": fold, "questions": len(test), "retrieval": configs[chosen], "gate": gate}
        )
    return held_out, records, held_out


def _by_split(
    rows: dict[str, Row], splits: dict[str, tuple[str, ...]], k: int
) -> dict[str, dict[str, float | None]]:
    figures = split_means(
        ((splits[qid], r["metrics"]) for qid, r in rows.items()),
        (f"hit@{k}", f"recall@{k}", "mrr", f"ndcg@{k}"),
    )
    return {split: means for split, (_, means) in figures.items()}


def _gate_figures(rows: dict[str, Row], answerable: dict[str, bool]) -> dict[str, float | None]:
    declined = [qid for qid, r in rows.items() if r.get("abstained")]
    unanswerable = [qid for qid in rows if not answerable[qid]]
    answerable_ids = [qid for qid in rows if answerable[qid]]
    caught = sum(1 for qid in declined if not answerable[qid])
    return {
        "abstention_precision": caught / len(declined) if declined else None,
        "abstention_recall": caught / len(unanswerable) if unanswerable else None,
        "refusal_rate": (
            sum(1 for qid in answerable_ids if rows[qid].get("abstained")) / len(answerable_ids)
            if answerable_ids
            else None
        ),
    }


def _ablation_row(
    name: str, rows: dict[str, Row], splits: dict[str, tuple[str, ...]], k: int
) -> dict[str, Any]:
    by_split = _by_split(rows, splits, k)
    answerable = {qid: "unanswerable" not in splits[qid] for qid in rows}
    return {
        "name": name,
        "all": by_split["all"],
        "paraphrase": by_split["paraphrase"],
        "gate": _gate_figures(rows, answerable),
    }


def _latency(values: Sequence[float]) -> dict[str, float | None]:
    return {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}


# report ----------------------------------------------------------------------------------
_LABELS = {"pipeline": "pipeline (held out)", "bm25": "BM25", "dense": "dense", "naive": "naive"}


def render_markdown(cv: CrossValidation) -> str:
    h, k = cv.header, cv.header["k"]
    lines = [
        "# Cross-validated retrieval evaluation",
        "",
        f"- Run {h['started']}, commit `{(h['git'].get('commit') or 'unknown')[:12]}`"
        + (" (uncommitted changes)" if h["git"].get("dirty") else ""),
        f"- Gold set `{h['gold']['path']}` ({h['gold']['questions']} questions, sha256 "
        f"{h['gold']['sha256']}), k = {k}, {h['folds']} folds, seed {h['seed']}",
        "- Questions per split: "
        + ", ".join(f"{name} {count}" for name, count in cv.counts.items()),
        *(
            [
                f"- {n['total']:,} configurations, {n['searched']:,} searched: the rest differ "
                "only in a setting their fusion does not read"
            ]
            if (n := h.get("configurations"))
            else []
        ),
        "- Every pipeline figure is on held-out folds: parameters and the gate's operating "
        "point were chosen on the other folds. The baselines have nothing to tune.",
        "",
        "## Pipeline vs baselines, per split",
        "",
    ]
    metrics = (f"hit@{k}", f"recall@{k}", "mrr", f"ndcg@{k}")
    lines += ["| split | system | " + " | ".join(metrics) + " |", "|---" * 6 + "|"]
    for split in RETRIEVAL_SPLITS:
        if not cv.counts.get(split):
            continue
        systems = {"pipeline": cv.held_out, **cv.baselines}
        for name, figures in systems.items():
            cells = " | ".join(_fmt(figures[split][m]) for m in metrics)
            lines.append(f"| {split} ({cv.counts[split]}) | {_LABELS.get(name, name)} | {cells} |")
    lines += [
        "",
        "## Relevance gate (held out)",
        "",
        f"Operating point chosen per fold: the highest abstention recall on the training folds "
        f"among points refusing at most {MAX_REFUSAL:.0%} of their answerable questions.",
        "",
        "| abstention precision | abstention recall | answerable refused |",
        "|---|---|---|",
        f"| {_fmt(cv.gate['abstention_precision'])} | {_fmt(cv.gate['abstention_recall'])} "
        f"| {_fmt(cv.gate['refusal_rate'])} |",
        "",
        "The gate's whole curve on every question, with the retrieval settings chosen on all "
        "of them (for reading the trade-off; not a held-out figure):",
        "",
        "| min_keyword_overlap | abstention precision | abstention recall | answerable refused |",
        "|---|---|---|---|",
        *(
            f"| {p['min_keyword_overlap']} | {_fmt(p['abstention_precision'])} "
            f"| {_fmt(p['abstention_recall'])} | {_fmt(p['refusal_rate'])} |"
            for p in cv.gate_curve
        ),
        "",
        "## Ablation (held out; each component forced off or on, the rest tuned)",
        "",
        f"| configuration | hit@{k} | MRR | paraphrase hit@{k} | paraphrase MRR "
        "| gate precision | gate recall | refused |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in cv.ablation:
        lines.append(
            f"| {row['name']} | {_fmt(row['all'][f'hit@{k}'])} | {_fmt(row['all']['mrr'])} "
            f"| {_fmt(row['paraphrase'][f'hit@{k}'])} | {_fmt(row['paraphrase']['mrr'])} "
            f"| {_fmt(row['gate']['abstention_precision'])} "
            f"| {_fmt(row['gate']['abstention_recall'])} | {_fmt(row['gate']['refusal_rate'])} |"
        )
    untuned = cv.untuned.get("all", {})
    lines += [
        "",
        f"Untuned reference (the first configuration: no expansion, BM25 2x; nothing chosen): "
        f"hit@{k} {_fmt(untuned.get(f'hit@{k}'))}, MRR {_fmt(untuned.get('mrr'))}.",
        "",
        "## Choices per fold",
        "",
        "| fold | questions | retrieval settings | gate |",
        "|---|---|---|---|",
    ]
    for record in cv.folds:
        lines.append(
            f"| {record['fold']} | {record['questions']} | `{_settings(record['retrieval'])}` "
            f"| `{_settings(record['gate'])}` |"
        )
    lines += [
        "",
        f"Chosen on all questions (the defaults to ship): `{_settings(cv.deployed['retrieval'])}`,"
        f" gate `{_settings(cv.deployed['gate'])}`.",
        "",
        "## Retrieval latency (uncached, configured settings)",
        "",
        "| system | p50 ms | p95 ms |",
        "|---|---|---|",
    ]
    for name, value in cv.latency.items():
        lines.append(
            f"| {_LABELS.get(name, name).replace(' (held out)', '')} "
            f"| {1000 * (value['p50'] or 0):.1f} | {1000 * (value['p95'] or 0):.1f} |"
        )
    return "\n".join(lines) + "\n"


def _settings(values: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in values.items())


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"
