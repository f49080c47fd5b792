"""`Application`: the one facade the surfaces (CLI, web app, Python API) use for everything.

Each use-case is one method taking and returning typed values (`assistant.types`, the
answer events, `Draft`, `RemedyFigures`, `IngestSummary`, `EvalOutcome`); errors are
`AssistantError`s with a message a user can act on. The surfaces never reach past it into
the index, the retriever or the model. To add a use-case, add a method here that composes
the layers below; a surface then calls it.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.answer import AskEvent, Assistant, Turn
from assistant.answer.assistant import hit_flags
from assistant.draft import (
    Draft,
    Drafter,
    DraftRequest,
    draft_docx,
    draft_markdown,
    read_text_file,
)
from assistant.errors import (
    AssistantError,
    IndexStateError,
    InputError,
    LLMError,
    ParseError,
    VectorsMissingError,
)
from assistant.evaluation import (
    EvalRun,
    compare,
    default_run_path,
    load_gold,
    run_eval,
    write_report,
)
from assistant.evaluation.compare import Comparison
from assistant.evaluation.crossval import CrossValidation, render_markdown, run_crossval
from assistant.evaluation.drafts import run_draft_eval
from assistant.evaluation.replay import (
    REPLAY,
    replay_backend,
    replay_settings,
    retrieval_changed,
)
from assistant.evaluation.report import write_markdown
from assistant.evaluation.runner import run_stamp
from assistant.evaluation.systems import SYSTEMS
from assistant.export import answer_docx, answer_markdown
from assistant.index import Index
from assistant.index.ingest import Ingestor, IngestSummary
from assistant.injection import flagged_line, flagged_parts
from assistant.llm import LocalServer, ensure_local_model, local_model, runtime
from assistant.parsing import normalise_ref, read_path
from assistant.remedies import Origin, RemedyFigures
from assistant.services import check_fault, check_k, filter_inputs, make_filters
from assistant.settings import LLMBackend, Settings
from assistant.sync.corpus import ExportSummary, export_corpus, import_corpus
from assistant.sync.service import SyncOptions, SyncSummary, run_sync
from assistant.types import (
    Answer,
    Decision,
    IndexStats,
    RetrievedParagraph,
    SearchFilters,
)

__all__ = [
    "Application",
    "CrossValidationOutcome",
    "DraftRequest",
    "EvalOutcome",
    "ExportSummary",
    "IngestSummary",
    "Progress",
    "RemedyFigures",
    "SyncOptions",
    "SyncSummary",
]

Progress = Callable[[int, int, str], None]
FILTER_FIELDS = ("category", "subcategory", "outcome", "council")
LLM_CHOICES: tuple[LLMBackend, ...] = ("local", "openai", "fake")
ORIGINS: tuple[Origin, ...] = ("any", "ombudsman", "council")


@dataclass(frozen=True)
class EvalOutcome:
    run: EvalRun
    record: Path
    comparison: Comparison | None
    report: Path | None


@dataclass(frozen=True)
class CrossValidationOutcome:
    result: CrossValidation
    markdown: str
    record: Path
    report: Path | None


class Application:
    def __init__(
        self,
        settings: Settings,
        *,
        llm: LLMBackend | None = None,
        assistant: Assistant | None = None,
    ) -> None:
        """`assistant`: a pipeline built elsewhere (a scripted model, an open index)."""
        if llm is not None and llm not in LLM_CHOICES:
            raise InputError(f"the language model must be local, openai or fake, not {llm!r}")
        self.settings = settings
        self.llm: LLMBackend = llm or settings.llm.backend
        self.assistant = assistant or Assistant(settings, llm=llm)

    @property
    def index(self) -> Index:
        """The index, its fingerprint checked (opened on first use)."""
        return self.assistant.index

    @property
    def model_name(self) -> str:
        return self.assistant.model_name

    # questions ---------------------------------------------------------------------------
    @staticmethod
    def filters(**fields: str | None) -> SearchFilters:
        """Filters from the words a user typed (see `make_filters`)."""
        return make_filters(**fields)  # type: ignore[arg-type]

    @staticmethod
    def filters_from(values: dict[str, object]) -> SearchFilters:
        """Filters from whichever filter inputs stand among named values (e.g. `locals()`)."""
        return make_filters(**filter_inputs(values))

    def ask_stream(
        self, question: str, filters: SearchFilters | None = None, history: Sequence[Turn] = ()
    ) -> Iterator[AskEvent]:
        """The evidence, then the model's tokens, then the verified `Answer`."""
        return self.assistant.ask_stream(question, filters, history)

    def ask(
        self, question: str, filters: SearchFilters | None = None, history: Sequence[Turn] = ()
    ) -> Answer:
        return self.assistant.ask(question, filters, history)

    def search(
        self, question: str, filters: SearchFilters | None = None, k: int | None = None
    ) -> list[RetrievedParagraph]:
        """The best `k` paragraphs (1 to `MAX_RESULTS`; default: settings) for a question,
        each flagged paragraph with its `flags` (searchable, but never shown to a model: see
        `ask`)."""
        return [
            hit.model_copy(update={"flags": found}) if (found := hit_flags(hit)) else hit
            for hit in self.assistant.retrieve(question, filters, check_k(k))
        ]

    # the index ---------------------------------------------------------------------------
    def decision(self, ref: str) -> Decision:
        """A decision from the index by its reference."""
        try:
            ref = normalise_ref(ref)
        except ValueError as exc:
            raise InputError(f"{ref!r} is not a reference like 20 008 394") from exc
        return _stored(self.index, ref)

    def show(self, ref_or_path: str) -> Decision:
        """A decision parsed straight from a file, or by reference from the index (whatever
        embedding model built it)."""
        path = Path(ref_or_path)
        if path.is_file():
            for item in read_path(path):
                if isinstance(item, ParseError):
                    raise item
                return item
            raise ParseError(str(path), "no decision in the file")
        try:
            ref = normalise_ref(ref_or_path)
        except ValueError as exc:
            raise InputError(
                f"{ref_or_path!r} is neither a file nor a reference like 20 008 394"
            ) from exc
        return _stored(Index(self.settings), ref)

    def stats(self, *, scan_flagged: bool = True) -> IndexStats:
        """What the index holds (without checking the fingerprint: it is reported). The
        flagged parts are those found at ingest; in an index from before they were stored
        (until its next ingest) they are found by reading every paragraph, 39 s at a
        million, unless `scan_flagged=False` (then `flagged` is None)."""
        index = Index(self.settings)
        try:
            vectors = index.vectors.count()
        except VectorsMissingError:
            vectors = 0  # reported as such: stats describe a damaged index too
        return IndexStats(
            **index.store.stats(),  # type: ignore[arg-type]
            fingerprint=index.stored_fingerprint(),
            encoder=index.store.get_meta_json("encoder"),
            vectors=vectors,
            index_dir=str(index.dir),
            flagged=_flagged(index, scan=scan_flagged),
        )

    def filter_choices(self) -> dict[str, list[str]]:
        """The values each filter can take: categories, subcategories, outcomes, councils."""
        return {name: self.index.store.distinct(name) for name in FILTER_FIELDS}

    def ingest(self, paths: Sequence[Path], progress: Progress | None = None) -> IngestSummary:
        """Parse decisions and add them to the index; unchanged ones cost nothing."""
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise InputError(f"no such file or folder: {', '.join(missing)}")
        with _disk_full_is_one_line(self.settings.index_dir):
            return Ingestor(Index(self.settings, create=True), progress=progress).run(paths)

    # the corpus from lgo.org.uk ----------------------------------------------------------
    def sync(self, options: SyncOptions, progress: Progress | None = None) -> SyncSummary:
        """Fetch new and changed decisions from the site, politely, and index them."""

        def moved(phase: str, done: int, total: int | None, label: str) -> None:
            if progress is not None:
                progress(done, total or 0, f"{phase} {label}")

        with _disk_full_is_one_line(self.settings.index_dir):
            return run_sync(self.settings, options, moved)

    def export_corpus(self, path: Path) -> ExportSummary:
        """The parsed corpus as JSON Lines, with source URLs and attribution."""
        return export_corpus(self.settings, path)

    def import_corpus(self, path: Path) -> IngestSummary:
        """Add an exported corpus to the index; unchanged decisions cost nothing."""
        with _disk_full_is_one_line(self.settings.index_dir):
            return import_corpus(self.settings, path)

    # remedies and drafts -----------------------------------------------------------------
    def remedies(
        self,
        filters: SearchFilters | None = None,
        *,
        fault: str | None = None,
        origin: str = "any",
    ) -> RemedyFigures:
        """Typical remedies: counts, payment amounts by purpose, the paragraphs behind them."""
        if origin not in ORIGINS:
            raise InputError(f"origin must be any, ombudsman or council, not {origin!r}")
        return self.assistant.remedy_view.figures(
            filters,
            check_fault(fault),
            origin,  # type: ignore[arg-type]
        )

    def read_complaint(self, path: Path, what: str = "complaint") -> str:
        """A .txt, .md or .docx file's text, within the upload limit."""
        ui = self.settings.ui
        return read_text_file(path, ui.max_upload_bytes, what, ui.max_upload_unpacked_bytes)

    def draft(self, request: DraftRequest) -> Draft:
        """A structured complaint response: issues with precedent, procedure, remedies, letter."""
        return Drafter(self.assistant).draft(request)

    # exports -----------------------------------------------------------------------------
    @staticmethod
    def answer_markdown(answer: Answer) -> str:
        return answer_markdown(answer)

    @staticmethod
    def write_answer(answer: Answer, path: Path) -> Path:
        """The answer as a Word document whose citations are footnotes."""
        return answer_docx(answer, path)

    @staticmethod
    def draft_markdown(draft: Draft) -> str:
        return draft_markdown(draft)

    @staticmethod
    def write_draft(draft: Draft, path: Path) -> Path:
        """The draft as .docx (citations as footnotes) or .md, by the path's suffix."""
        suffix = path.suffix.lower()
        if suffix == ".docx":
            return draft_docx(draft, path)
        if suffix == ".md":
            path.write_text(draft_markdown(draft), encoding="utf-8")
            return path
        raise InputError(f"a draft is written as .docx or .md, not {path}")

    # evaluation --------------------------------------------------------------------------
    def evaluate(
        self,
        gold: Path,
        *,
        k: int | None = None,
        retrieval_only: bool = False,
        systems: Iterable[str] = SYSTEMS,
        baseline: Path | None = None,
        max_drop: float = 0.02,
        record: Path | None = None,
        report: Path | None = None,
        progress: Progress | None = None,
        replay: Path | None = None,
    ) -> EvalOutcome:
        """Run a gold set through the pipeline and the baselines; record, compare, report.
        `k` defaults to the configured `retrieval.k`, what ask gives the model. With
        `replay`, the model's replies are those the run at that path recorded."""
        chosen = list(systems)
        if [s for s in chosen if s not in SYSTEMS] or "pipeline" not in chosen:
            raise InputError(
                f"the systems are pipeline plus any of bm25, dense, naive; got {','.join(chosen)}"
            )
        if report is not None and report.suffix.lower() not in {".md", ".html", ".htm"}:
            raise InputError(f"the report must end in .md or .html: {report}")
        if replay is not None and retrieval_only:
            raise InputError("--replay replays a model's replies: it cannot be --retrieval-only")
        base_run = EvalRun.read(baseline) if baseline else None
        recorded = EvalRun.read(replay) if replay else None
        runs_dir = _runs_folder(record, self.settings.runs_dir)
        run = run_eval(
            replay_settings(self.settings, recorded) if recorded else self.settings,
            gold,
            k=k or self.settings.retrieval.k,
            llm=self.llm,
            retrieval_only=retrieval_only,
            systems=chosen,
            progress=progress,
            backend=replay_backend(recorded, replay, load_gold(gold)) if recorded else None,
            mode=REPLAY if recorded else None,
        )
        if recorded is not None:
            run.header["replay"] = {
                "run": str(replay),
                "retrieval_changed": retrieval_changed(recorded, run),
            }
        comparison = compare(run, base_run, max_drop) if base_run else None
        path = run.write(default_run_path(runs_dir, run) if runs_dir else record)
        if report is not None:
            write_report(report, run, comparison)
        return EvalOutcome(run=run, record=path, comparison=comparison, report=report)

    def evaluate_drafts(
        self, complaints: Path, *, record: Path | None = None, progress: Progress | None = None
    ) -> tuple[EvalRun, Path]:
        """Draft each complaint of a complaints set and record what became of the precedent
        and the letter (`assistant.evaluation.drafts`); the run and where it is recorded."""
        runs_dir = _runs_folder(record, self.settings.runs_dir)
        run = run_draft_eval(Drafter(self.assistant), complaints, progress=progress)
        return run, run.write(default_run_path(runs_dir, run) if runs_dir else record)

    def cross_validate(
        self,
        gold: Path,
        *,
        k: int | None = None,
        folds: int = 5,
        seed: int = 0,
        record: Path | None = None,
        report: Path | None = None,
        progress: Progress | None = None,
    ) -> CrossValidationOutcome:
        """Retrieval settings chosen on training folds, figures from the held-out ones; `k`
        defaults to the configured `retrieval.k`."""
        if folds < 2:
            raise InputError("cross-validation needs at least 2 folds")
        if report is not None and report.suffix.lower() not in {".md", ".html", ".htm"}:
            raise InputError(f"the report must end in .md or .html: {report}")
        runs_dir = _runs_folder(record, self.settings.runs_dir)
        result = run_crossval(
            self.settings,
            gold,
            k=k or self.settings.retrieval.k,
            folds=folds,
            seed=seed,
            progress=progress,
        )
        name = f"{run_stamp(result.header)}-crossval.json"
        path = result.write(runs_dir / name if runs_dir else record)
        markdown = render_markdown(result)
        if report is not None:
            write_markdown(report, markdown)
        return CrossValidationOutcome(result, markdown, path, report)

    # the embedded model ------------------------------------------------------------------
    def fetch_model(self, say: Callable[[str], None]) -> Path:
        """Download (once), assemble and verify the embedded model; its path."""
        if self.settings.llm.local_model_path:
            return self.settings.llm.local_model_path
        return ensure_local_model(self.settings.llm, say=say)

    def build_runtime(self, say: Callable[[str], None], *, prebuilt: bool = False) -> str:
        """Build the model's runtime for this CPU if that gains anything (`runtime.build`),
        or with `prebuilt` put the pinned prebuilt wheel back; what was done. A runtime
        that does not start the embedded model (when it is fetched) is replaced by the
        prebuilt one, and the error says so."""
        llm = self.settings.llm
        if prebuilt:
            runtime.install_prebuilt(llm.local_cache_dir)
            return f"installed the prebuilt runtime: {runtime.runtime_info()}"
        plan = runtime.build(llm.local_cache_dir, say)
        if not plan.build:
            return f"{plan.reason}: {runtime.runtime_info()}"
        model = llm.local_model_path or (
            local_model.model_path(llm.local_cache_dir)
            if local_model.is_fetched(llm.local_cache_dir)
            else None
        )
        if model is not None:
            say("Starting the embedded model on the new runtime ...")
            try:
                LocalServer(Path(model), llm).stop()
            except LLMError as exc:
                runtime.install_prebuilt(llm.local_cache_dir)
                raise runtime.RuntimeBuildError(
                    f"the runtime built for this CPU did not start the model ({exc}); the "
                    "prebuilt runtime is installed again"
                ) from exc
        return f"built and installed for this CPU: {runtime.runtime_info()}"


def _runs_folder(record: Path | None, default: Path) -> Path | None:
    """The folder a run is recorded in under its own name (`record` when it is a folder,
    the default when none is given), or None when `record` names the file. Checked before
    a run of many minutes, not after it."""
    if record is None:
        return default
    if record.is_dir():
        return record
    if record.exists() and not record.is_file():
        raise InputError(f"cannot record the run at {record}: it is not a file or a folder")
    return None


def _flagged(index: Index, *, scan: bool) -> tuple[str, ...] | None:
    """Every stored header and paragraph holding text addressed to a model: as found at
    ingest, else (with `scan`) by reading them all."""
    found = index.store.flagged()
    if found is not None:
        return tuple(flagged_line(part, kinds) for part, kinds in found)
    return tuple(_scan_flagged(index)) if scan else None


def _scan_flagged(index: Index) -> Iterator[str]:
    for decision in index.store.decisions():
        for part, kinds in flagged_parts(decision):
            yield flagged_line(part, kinds)


def _stored(index: Index, ref: str) -> Decision:
    decision = index.store.decision(ref)
    if decision is None:
        raise AssistantError(f"Decision {ref} is not in the index at {index.dir}.")
    return decision


# How a failed write shows itself: the OS's, SQLite's and Chroma's words. (SQLite reports a
# file-size limit as "disk I/O error", a full disk as "database or disk is full".)
_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO}
_DISK_FULL_WORDS = (
    "disk is full",
    "no space left",
    "file too large",
    "quota exceeded",
    "disk i/o error",
)


@contextlib.contextmanager
def _disk_full_is_one_line(index_dir: Path) -> Iterator[None]:
    """A write that fails for want of space is a message, not a traceback. Nothing stored is
    lost: each batch commits whole or stays pending, and the next run redoes it."""
    try:
        yield
    except AssistantError:
        raise
    except Exception as exc:
        causes = [exc, exc.__cause__, exc.__context__]
        if not any(
            getattr(c, "errno", None) in _DISK_FULL_ERRNOS
            or any(word in str(c).lower() for word in _DISK_FULL_WORDS)
            for c in causes
            if c is not None
        ):
            raise
        detail = " ".join(str(exc).split())[:200]
        raise IndexStateError(
            f"Writing the index at {index_dir} failed: the disk is full, a file-size limit "
            f"was reached or the disk failed ({type(exc).__name__}: {detail}). Everything "
            "stored before is kept and decisions cut off are redone: free some space and run "
            "the same command again."
        ) from None
