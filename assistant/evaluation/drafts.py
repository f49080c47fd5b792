"""Regression evals for drafted complaint responses, as gold sets are for answers.

A complaints set is JSON Lines (`evals/drafts-blind.jsonl`, format in evals/README.md): each
line a complaint as a user pastes it, with its stage, who the draft is for, whether the
decisions hold precedent for it, and the paragraphs a careful complaints officer would cite
(`expected`, given as gold sets give them). Each complaint is drafted as `assistant draft`
drafts it, and the run records, per complaint, whether the right precedent was found and
what the answer contract made of the letter: written by the model and verified, uncited or
unsupported sentences, groundedness, prompt tokens and time. It is written in the same
file shape as a gold set's run: a `run` header, one `complaint` line each, a `summary`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.draft import Audience, Draft, Drafter, DraftRequest, letter_body
from assistant.errors import InputError, LLMError
from assistant.evaluation.gold import ExpectedParagraph, file_digest, matches, read_records
from assistant.evaluation.metrics import mean_of, percentile, text_groundedness
from assistant.evaluation.runner import (
    EvalRun,
    FailureStreak,
    Progress,
    git_state,
    index_record,
    round_figure,
    step_counter,
    utc_now,
)
from assistant.llm.runtime import runtime_info
from assistant.types import Citation

DRAFTS = "drafts"  # the system name of a drafts run's rows


class DraftCase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    complaint: str = Field(min_length=1)
    stage: Literal[1, 2, 3] | None = None
    audience: Audience = "council"
    council_response: str | None = None
    expects_precedent: bool = True
    expected: tuple[ExpectedParagraph, ...] = ()
    note: str = ""


def load_cases(path: Path) -> list[DraftCase]:
    cases: list[DraftCase] = []
    for where, case in read_records(path, DraftCase, "complaints set", "complaints"):
        if case.expects_precedent and not case.expected:
            raise InputError(f"{where}: a complaint with precedent needs its expected paragraphs")
        if not case.expects_precedent and case.expected:
            raise InputError(f"{where}: a complaint without precedent cannot list expected items")
        cases.append(case)
    return cases


def draft_metrics(case: DraftCase, draft: Draft) -> dict[str, float | None]:
    """Per complaint (see evals/README.md, "Drafts"):

    - precedent_decision / precedent_paragraph (complaints with precedent): 1.0 when an
      issue's precedent is an expected decision / the expected paragraph itself;
    - letter_drafted: 1.0 when a letter was written from precedent; no_letter_right
      (complaints without precedent): 1.0 when none was; wrong_no_letter (with precedent):
      1.0 when none was;
    - verified_letter (with precedent): 1.0 when the model wrote the letter and it passed
      verification with at most one intervention; letter_on_point: a verified letter citing
      an expected decision;
    - interventions, uncited_sentences, unsupported_claims (the share of the model's
      statements that did not stand as written), fell_back, and the groundedness of a body
      the model wrote;
    - set_aside: sentences of the complaint addressed to an assistant, set aside.
    """
    precedents = [p.citation for issue in draft.issues for p in issue.precedents]
    expected = case.expected
    body = letter_body(draft)
    drafted = bool(body)
    quotes = {c.place: c.quote for c in draft.citations}
    cited_refs = {ref for ref, _ in Citation.markers_in(body)}
    v = draft.verification
    model_written = drafted and not v.fell_back_to_extractive
    verified = model_written and v.interventions <= 1
    with_precedent: dict[str, float | None] = {
        "precedent_decision": float(any(e.ref == c.ref for e in expected for c in precedents)),
        "precedent_paragraph": float(
            any(matches(e, (c.ref,), c.quote) for e in expected for c in precedents)
        ),
        "wrong_no_letter": 0.0 if drafted else 1.0,
        "verified_letter": float(verified),
        "letter_on_point": float(verified and any(e.ref in cited_refs for e in expected)),
        "no_letter_right": None,
    }
    if not case.expects_precedent:
        with_precedent = {name: None for name in with_precedent}
        with_precedent["no_letter_right"] = 0.0 if drafted else 1.0
    return {
        **with_precedent,
        "letter_drafted": float(drafted),
        "fell_back": float(v.fell_back_to_extractive) if drafted else None,
        "interventions": float(v.interventions) if drafted else None,
        "uncited_sentences": float(v.uncited_sentences),
        "unsupported_claims": v.unsupported_claims / v.claims if v.claims else None,
        # Of what the model wrote: a quoted fallback is the paragraphs' own words.
        "groundedness": text_groundedness(body, quotes) if model_written else None,
        "set_aside": float(len(draft.set_aside)),
    }


_RATES = (
    "precedent_decision",
    "precedent_paragraph",
    "verified_letter",
    "letter_on_point",
    "wrong_no_letter",
    "no_letter_right",
    "fell_back",
    "unsupported_claims",
    "groundedness",
)
_COUNTS = ("interventions", "uncited_sentences", "set_aside")


def run_draft_eval(drafter: Drafter, path: Path, *, progress: Progress | None = None) -> EvalRun:
    """Draft every complaint of the set at `path` as `assistant draft` would."""
    cases = load_cases(path)
    assistant, settings = drafter.assistant, drafter.settings
    run = EvalRun(
        header={
            "type": "run",
            "kind": DRAFTS,
            "started": utc_now(),
            "git": git_state(),
            "complaints": {"path": str(path), "sha256": file_digest(path), "count": len(cases)},
            "mode": assistant.backend.backend,
            "model": assistant.backend.name,
            "runtime": runtime_info() if assistant.backend.backend == "local" else None,
            "prompt_version": assistant.prompt("draft").version,
            "focus_words": settings.llm.focus_words,
            "index": index_record(assistant.index),
            "settings": {
                "retrieval": settings.retrieval.model_dump(mode="json"),
                "llm": settings.llm.model_dump(
                    mode="json", include={"temperature", "max_tokens", "model"}
                ),
            },
        }
    )
    tick = step_counter(len(cases), progress)
    streak = FailureStreak("complaints")
    for case in cases:
        try:
            row = _row(case, drafter)
            streak.passed()
        except LLMError as exc:
            streak.failed(case.id, exc)
            row = {"type": "complaint", "system": DRAFTS, "id": case.id, "error": str(exc)}
        run.questions.append(row)
        tick(case.id)
    run.summary = {"type": "summary", "systems": {DRAFTS: summarise_drafts(run.questions)}}
    run.header["finished"] = utc_now()
    return run


def _row(case: DraftCase, drafter: Drafter) -> dict[str, Any]:
    draft = drafter.draft(
        DraftRequest(
            complaint=case.complaint,
            council_response=case.council_response,
            stage=case.stage,
            audience=case.audience,
        )
    )
    return {
        "type": "complaint",
        "system": DRAFTS,
        "id": case.id,
        "expects_precedent": case.expects_precedent,
        "expected": [e.model_dump() for e in case.expected],
        "issues": [
            {
                "heading": issue.heading,
                "precedents": [
                    {
                        "ref": p.citation.ref,
                        "paragraph": p.citation.paragraph,
                        "section": p.citation.section,
                    }
                    for p in issue.precedents
                ],
                "unmatched": issue.unmatched,
            }
            for issue in draft.issues
        ],
        "letter": draft.letter,
        "model_output": draft.model_output,
        "verification": draft.verification.model_dump(mode="json"),
        "metrics": draft_metrics(case, draft),
        "timings": draft.timings,
        "usage": draft.usage,
    }


def summarise_drafts(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means of the per-complaint rates, sums of the counts, and the letters' tokens and
    time; a complaint whose model reply failed counts under `failed` only."""
    scored = [r["metrics"] for r in rows if "metrics" in r]
    drafted = [r for r in rows if r.get("metrics", {}).get("letter_drafted")]
    summary: dict[str, Any] = {name: round_figure(mean_of(name)(scored)) for name in _RATES}
    summary.update({name: int(sum(m.get(name) or 0.0 for m in scored)) for name in _COUNTS})
    summary["complaints"] = len(rows)
    summary["failed"] = len(rows) - len(scored)
    summary["letters"] = len(drafted)
    # A reply cut off at max_tokens under structured output comes without its token counts.
    counted = [r["usage"]["prompt_tokens"] for r in drafted if r["usage"].get("prompt_tokens")]
    summary["prompt_tokens_per_letter"] = round_figure(
        sum(counted) / len(counted) if counted else None
    )
    summary["latency"] = {
        stage: {
            "p50": round_figure(percentile(values, 0.5)),
            "p95": round_figure(percentile(values, 0.95)),
        }
        for stage, values in (
            ("letter_s", [r["timings"]["letter_s"] for r in drafted]),
            ("total_s", [r["timings"]["total_s"] for r in rows if "timings" in r]),
        )
        if values
    }
    return summary
