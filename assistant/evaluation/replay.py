"""Replay a recorded eval run's model replies through today's retrieval and checks.

A change to what happens after the model (claim checks, the fallback, the gate) is measured
on the embedded model's real replies in seconds instead of a ten-minute model run. The
replay is exact only where retrieval still shows the model the same paragraphs under the
same keys, and as much of each (`replay_settings`): `retrieval_changed` names the questions
where retrieval does not, whose replies then cite keys that now mean other paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.answer import join_follow_up
from assistant.answer.context import ANSWER_KEYS, keys_for_paragraphs
from assistant.errors import InputError
from assistant.evaluation.gold import GoldQuestion
from assistant.evaluation.runner import PIPELINE, EvalRun
from assistant.injection import neutralise
from assistant.llm.backend import ChatBackend
from assistant.llm.fake import ReplayChatModel
from assistant.settings import Settings, with_focus_words

REPLAY = "replay"
# Keys by rank, as runs recorded before `context_keys` showed them: in a structured
# reply's key field, and in plain-text markers ("[P1]", "[P2, P3]").
_RANK_KEY = re.compile(r"P(\d+)")
_RANK_KEY_FIELD = re.compile(r'("key"\s*:\s*")P(\d+)"')
_RANK_MARKER = re.compile(r"\[P\d+(?:\s*[,;]\s*P\d+)*\]")


def replay_settings(settings: Settings, run: EvalRun) -> Settings:
    """`settings` with the model shown each paragraph as it was in `run`: cut to
    `focus_words` as the run recorded, or whole in a run recorded before paragraphs were
    cut. Checked against more or less than its model read, a recorded reply would be judged
    on words it never saw, or lose the support of words it did."""
    return with_focus_words(settings, int(run.header.get("focus_words") or 0))


def replay_backend(run: EvalRun, path: Path, gold: Sequence[GoldQuestion]) -> ChatBackend:
    """A chat backend answering each question as `run` (read from `path`) recorded its model
    did: its answer, the sentence it searched with, and for a follow-up of `gold`, its
    rewrite of the question."""
    if not run.with_answers:
        raise InputError(f"{path}: a retrieval-only run has no model replies to replay")
    rows = run.rows(PIPELINE).values()
    translate = run.header.get("context_keys") != ANSWER_KEYS
    answers = {
        neutralise(row["standalone"]): (
            from_rank_keys(row["answer"]["model_output"], row["retrieved"])
            if translate
            else row["answer"]["model_output"]
        )
        for row in rows
        if row.get("answer", {}).get("model_output")
    }
    if not answers and any(row.get("answer", {}).get("answered") for row in rows):
        raise InputError(
            f"{path}: the run recorded no model replies (recorded before replies were kept)"
        )
    rewrites = {}
    follow_ups = {q.id: q.history[-1] for q in gold if q.history}
    for row in rows:
        previous = follow_ups.get(row["id"])
        if previous is not None:
            rewrites[neutralise(row["question"])] = _rewrite(row, previous)
    # A run recorded before the model wrote search sentences searched with the question
    # alone; replayed, it does again.
    sentences = {
        neutralise(row["standalone"]): row.get("answer", {}).get("search_sentence", "")
        for row in rows
    }
    model = ReplayChatModel(answers=answers, rewrites=rewrites, sentences=sentences)
    return ChatBackend(model, str(run.header.get("model") or REPLAY), "fake", structured=True)


def from_rank_keys(output: str, retrieved: Sequence[dict[str, Any]]) -> str:
    """A reply from a run that showed the model rank keys (`[P1]` for the first hit, before
    runs recorded `context_keys`), in today's keys for the same hits: `[A29]` for ¶29."""
    keys = keys_for_paragraphs([(h["refs"], h["paragraph"]) for h in retrieved])

    def today(rank: str) -> str:
        position = int(rank) - 1
        return keys[position] if 0 <= position < len(keys) else f"P{rank}"

    in_key_field = _RANK_KEY_FIELD.sub(lambda m: f'{m.group(1)}{today(m.group(2))}"', output)
    return _RANK_MARKER.sub(
        lambda m: _RANK_KEY.sub(lambda r: today(r.group(1)), m.group(0)), in_key_field
    )


def _rewrite(row: dict[str, Any], previous: str) -> str:
    """What the model replied to the condense prompt, from the standalone question built
    from it (`Assistant.condense`)."""
    standalone, question = row["standalone"], row["question"]
    suffix = f" ({previous})"
    if standalone.endswith(suffix) and standalone != join_follow_up(previous, question):
        return standalone[: -len(suffix)]
    return question


def retrieval_changed(recorded: EvalRun, replayed: EvalRun) -> list[str]:
    """The questions whose pipeline hits differ from the recording's."""
    before = recorded.rows(PIPELINE)
    return [
        question_id
        for question_id, row in replayed.rows(PIPELINE).items()
        if question_id in before and _hits(before[question_id]) != _hits(row)
    ]


def _hits(row: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    return [(tuple(h["refs"]), h["paragraph"]) for h in row["retrieved"]]
