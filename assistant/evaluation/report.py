"""A report a person can read: summary table, per-question table, diff against a baseline.

Written as Markdown; `.html` renders the same Markdown with markdown-it and a small style.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from assistant.evaluation.compare import Comparison
from assistant.evaluation.runner import PIPELINE, EvalRun
from assistant.types import paragraph_label

_SYSTEM_LABELS = {
    PIPELINE: "our pipeline",
    "bm25": "BM25 only",
    "dense": "dense only",
    "naive": "naive chunks",
}
_STYLE = """
body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;
color:#1b1b1b;line-height:1.45}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f2f2f2} code{background:#f5f5f5;padding:0 .2rem}
"""


def render_markdown(run: EvalRun, comparison: Comparison | None = None) -> str:
    h = run.header
    lines = [
        "# Evaluation report",
        "",
        f"- Run started {h['started']}, commit `{(h['git'].get('commit') or 'unknown')[:12]}`"
        + (" (uncommitted changes)" if h["git"].get("dirty") else ""),
        f"- Gold set `{h['gold']['path']}` ({h['gold']['questions']} questions, "
        f"sha256 {h['gold']['sha256']}), k = {h['k']}",
        f"- Mode: {h['mode']}"
        + (f", model `{h['model']}`, prompt `{h['prompt_version']}`" if h.get("model") else ""),
        f"- Index: {h['index']['decisions']} decisions, {h['index']['paragraphs']} paragraphs, "
        f"embedding `{(h['index']['fingerprint'] or {}).get('embedding')}`",
        "",
        "## Summary",
        "",
    ]
    lines += _summary_table(run)
    if run.summary["systems"].get(PIPELINE, {}).get("splits"):
        lines += ["", f"## By split (hit@{run.k} / recall@{run.k} / MRR)", "", *_split_table(run)]
    if comparison is not None:
        lines += ["", "## Against the baseline", "", *_comparison(comparison)]
    lines += ["", "## Per question (our pipeline)", "", *_question_table(run)]
    return "\n".join(lines) + "\n"


def _summary_table(run: EvalRun) -> list[str]:
    systems = run.summary["systems"]
    names = [n for n in (PIPELINE, "bm25", "dense", "naive") if n in systems]
    metrics: list[str] = []
    for name in names:
        for metric, value in systems[name].items():
            if metric not in metrics and not isinstance(value, dict) and metric != "questions":
                metrics.append(metric)
    rows = ["| metric | " + " | ".join(_SYSTEM_LABELS.get(n, n) for n in names) + " |"]
    rows.append("|---" * (len(names) + 1) + "|")
    for metric in metrics:
        rows.append(
            f"| {metric} | " + " | ".join(_fmt(systems[n].get(metric)) for n in names) + " |"
        )
    for stage in ("retrieval_s", "evidence_s", "first_token_s", "generation_s", "total_s"):
        if any(stage in systems[n].get("latency", {}) for n in names):
            cells = []
            for n in names:
                value = systems[n].get("latency", {}).get(stage)
                cells.append(f"{value['p50']:.3f} / {value['p95']:.3f}" if value else "–")
            rows.append(f"| {stage} p50 / p95 | " + " | ".join(cells) + " |")
    tokens = systems.get(PIPELINE, {}).get("tokens")
    if tokens:
        rows.append(
            f"| tokens prompt / completion | {tokens['prompt']:,} / {tokens['completion']:,} |"
            + " |" * (len(names) - 1)
        )
    return rows


def _split_table(run: EvalRun) -> list[str]:
    systems = run.summary["systems"]
    names = [n for n in (PIPELINE, "bm25", "dense", "naive") if n in systems]
    rows = ["| split | " + " | ".join(_SYSTEM_LABELS.get(n, n) for n in names) + " |"]
    rows.append("|---" * (len(names) + 1) + "|")
    for split, figures in systems[PIPELINE]["splits"].items():
        cells = [_split_cell(systems[n].get("splits", {}).get(split), run.k) for n in names]
        rows.append(f"| {split} ({figures['questions']}) | " + " | ".join(cells) + " |")
    return rows


def _comparison(comparison: Comparison) -> list[str]:
    rows = [
        f"Baseline {comparison.baseline_label}. A metric fails when it drops by more than "
        f"{comparison.max_drop:g} and the paired-bootstrap 90% interval lies below zero.",
        "",
        "| metric | baseline | now | change | 90% interval | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for m in comparison.metrics:
        interval = f"[{m.interval[0]:+.3f}, {m.interval[1]:+.3f}]" if m.interval else "–"
        delta = f"{m.delta:+.3f}" if m.delta is not None else "–"
        verdict = "**regressed**" if m.regressed else ("better" if m.improved else "ok")
        rows.append(
            f"| {m.metric} | {_fmt(m.baseline)} | {_fmt(m.current)} | {delta} | {interval} "
            f"| {verdict} |"
        )
    for title, changes in (("Better", comparison.better), ("Worse", comparison.worse)):
        rows += ["", f"**{title}** ({len(changes)})", ""]
        rows += [
            f"- `{c.id}` {c.metric}: {c.baseline:.2f} → {c.current:.2f} — {_cell(c.question)}"
            for c in changes
        ] or ["- none"]
    if comparison.only_in_baseline or comparison.only_in_current:
        rows += [
            "",
            f"Only in the baseline: {', '.join(comparison.only_in_baseline) or 'none'}; "
            f"only in this run: {', '.join(comparison.only_in_current) or 'none'}.",
        ]
    return rows


def _question_table(run: EvalRun) -> list[str]:
    k = run.k
    header = f"| id | question | hit@{k} | recall@{k} | retrieved (✓ = expected) |"
    divider = "|---|---|---|---|---|"
    if run.with_answers:
        header = header[:-1] + " answer | cited | must include |"
        divider += "---|---|---|"
    rows = [header, divider]
    for row in run.questions:
        if row["system"] != PIPELINE:
            continue
        m = row["metrics"]
        retrieved = "<br>".join(
            ("✓ " if item["match"] is not None else "")
            + paragraph_label(item["refs"][0], item["paragraph"])
            for item in row["retrieved"]
        )
        question = row["question"] + ("" if row["answerable"] else " *(unanswerable)*")
        if row.get("filters"):
            question += f" `{_filters(row['filters'])}`"
        cells = [
            row["id"],
            _cell(question),
            _fmt(m.get(f"hit@{k}")),
            _fmt(m.get(f"recall@{k}")),
            retrieved or "–",
        ]
        if run.with_answers:
            answer = row.get("answer", {})
            cited = "<br>".join(
                paragraph_label(c["ref"], c["paragraph"]) for c in answer.get("citations", [])
            )
            cells += [
                _cell(answer.get("text", ""))[:600],
                cited or "–",
                _fmt(m.get("must_include")),
            ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _filters(filters: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in filters.items())


def _cell(text: str) -> str:
    return html.escape(text.replace("\n", " ").replace("|", "\\|"), quote=False)


def _split_cell(figures: dict[str, Any] | None, k: int) -> str:
    """One system's figures on a split: "hit@k / recall@k / MRR"."""
    if not figures:
        return "–"
    return " / ".join(_fmt(figures.get(m)) for m in (f"hit@{k}", f"recall@{k}", "mrr"))


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def write_report(path: Path, run: EvalRun, comparison: Comparison | None = None) -> Path:
    return write_markdown(path, render_markdown(run, comparison))


def write_markdown(path: Path, markdown: str) -> Path:
    """`markdown` as is (.md), or rendered to a page (.html)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in {".html", ".htm"}:
        from markdown_it import MarkdownIt

        body = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
        path.write_text(
            "<!doctype html><html lang='en'><meta charset='utf-8'>"
            f"<title>Evaluation report</title><style>{_STYLE}</style><body>{body}</body></html>",
            encoding="utf-8",
        )
    else:
        path.write_text(markdown, encoding="utf-8")
    return path
