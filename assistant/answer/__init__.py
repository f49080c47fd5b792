"""Ask: question -> retrieval -> prompt -> LLM -> verified, cited answer.

`Assistant` is the Python API the CLI, the UI and the eval harness all use. `ask_stream`
yields the evidence at once, then the model's tokens as they arrive, then the verified
`Answer`. The language model is not called when retrieval finds nothing relevant enough.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from assistant.answer.relevance import is_relevant
from assistant.answer.verify import verify
from assistant.errors import InputError, LLMError
from assistant.index import Index
from assistant.llm import ChatBackend, make_chat_backend
from assistant.llm.fake import NO_ANSWER
from assistant.prompts import load_prompt
from assistant.retrieval import HybridRetriever
from assistant.settings import LLMBackend, Settings
from assistant.types import Answer, Citation, RetrievedParagraph, SearchFilters, Verification

MAX_QUESTION_CHARS = 2000
NOT_ANSWERED = (
    "The decisions in the index do not answer this question. No paragraph was relevant "
    "enough to rely on, so nothing is cited."
)


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


@dataclass(frozen=True)
class EvidenceEvent:
    standalone_question: str
    hits: tuple[RetrievedParagraph, ...]
    relevant: bool


@dataclass(frozen=True)
class TokenEvent:
    text: str


@dataclass(frozen=True)
class AnswerEvent:
    answer: Answer


AskEvent = EvidenceEvent | TokenEvent | AnswerEvent


class Assistant:
    def __init__(
        self,
        settings: Settings,
        *,
        llm: LLMBackend | None = None,
        backend: ChatBackend | None = None,
        index: Index | None = None,
    ) -> None:
        self.settings = settings
        self._llm_choice = llm
        self._backend = backend
        self._index = index

    @cached_property
    def index(self) -> Index:
        index = self._index or Index(self.settings)
        index.check_fingerprint()
        return index

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(index=self.index, settings=self.settings.retrieval)

    @property
    def backend(self) -> ChatBackend:
        if self._backend is None:
            self._backend = make_chat_backend(self.settings.llm, self._llm_choice)
        return self._backend

    @cached_property
    def answer_prompt(self):
        return load_prompt(self.settings.prompts_dir, "answer")

    @cached_property
    def condense_prompt(self):
        return load_prompt(self.settings.prompts_dir, "condense")

    # public API ------------------------------------------------------------------
    def retrieve(
        self, question: str, filters: SearchFilters | None = None, k: int | None = None
    ) -> list[RetrievedParagraph]:
        return self.retriever.search(check_question(question), filters, k)

    def answerable(self, question: str, hits: Sequence[RetrievedParagraph]) -> bool:
        """The relevance gate: is anything retrieved relevant enough to answer from?"""
        return bool(hits) and is_relevant(
            question, hits, self.settings.retrieval.min_keyword_overlap
        )

    def ask(
        self,
        question: str,
        filters: SearchFilters | None = None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        for event in self.ask_stream(question, filters, history):
            if isinstance(event, AnswerEvent):
                return event.answer
        raise LLMError("the answer stream ended without an answer")

    def ask_stream(
        self,
        question: str,
        filters: SearchFilters | None = None,
        history: Sequence[Turn] = (),
    ) -> Iterator[AskEvent]:
        question = check_question(question)
        filters = filters or SearchFilters()
        timings: dict[str, float] = {}
        started = time.perf_counter()
        standalone = self.condense(question, history, timings)
        hits = self.retriever.search(standalone, filters, self.settings.retrieval.k)
        timings["retrieval_s"] = time.perf_counter() - started - timings.get("condense_s", 0)
        relevant = self.answerable(standalone, hits)
        timings["evidence_s"] = time.perf_counter() - started
        yield EvidenceEvent(standalone, tuple(hits), relevant)

        if not relevant:
            timings["total_s"] = time.perf_counter() - started
            yield AnswerEvent(
                self._answer(
                    question,
                    standalone,
                    NOT_ANSWERED,
                    (),
                    hits,
                    False,
                    Verification(),
                    timings,
                    {},
                    filters,
                )
            )
            return

        context, keyed = build_context(hits)
        messages = self.answer_prompt.template().format_messages(
            context=context, question=standalone
        )
        raw, usage = "", {}
        try:
            for chunk in self.backend.model.stream(messages):
                if "first_token_s" not in timings:
                    timings["first_token_s"] = time.perf_counter() - started
                piece = chunk.content if isinstance(chunk.content, str) else ""
                raw += piece
                if piece:
                    yield TokenEvent(piece)
                if chunk.usage_metadata:
                    usage = {
                        "prompt_tokens": chunk.usage_metadata.get("input_tokens", 0),
                        "completion_tokens": chunk.usage_metadata.get("output_tokens", 0),
                    }
        except LLMError:
            raise
        except Exception as exc:  # the client's connection and API errors
            raise LLMError(f"The language model ({self.backend.name}) failed: {exc}") from exc
        timings["generation_s"] = time.perf_counter() - started - timings["evidence_s"]

        shown = {key: keyed[key][1] for key in keyed}
        result = verify(raw, shown)
        declined = _is_decline(raw)
        fell_back = False
        if declined:
            text, used = NO_ANSWER, []
        elif result.cited_keys:
            text, used = result.text, result.cited_keys
        else:
            fell_back = True
            text, used = extractive_answer(keyed)
        verification = result.counts(fell_back=fell_back)
        citations = tuple(citation(key, keyed[key][0]) for key in used)
        text = render_keys(text, keyed)
        figures_text = None
        from assistant.remedies import is_remedies_question  # remedies imports this package

        if not declined and is_remedies_question(standalone):
            figures_text, extra = self.remedy_figures(standalone, hits, filters)
            text = f"{text}\n\n{figures_text}"
            cited = {(c.ref, c.paragraph) for c in citations}
            citations += tuple(c for c in extra if (c.ref, c.paragraph) not in cited)
        timings["total_s"] = time.perf_counter() - started
        yield AnswerEvent(
            self._answer(
                question,
                standalone,
                text,
                citations,
                hits,
                not declined,
                verification,
                timings,
                usage,
                filters,
                raw,
                figures_text,
            )
        )

    # steps -----------------------------------------------------------------------
    def remedy_figures(
        self, question: str, hits: Sequence[RetrievedParagraph], filters: SearchFilters
    ) -> tuple[str, tuple[Citation, ...]]:
        """Computed remedy figures for a 'what is typical' question, over the decisions the
        evidence comes from and those whose findings match the question's fault."""
        from assistant.remedies import RemedyView, fault_in

        view = RemedyView(self.index, self.settings.retrieval)
        refs = {ref for hit in hits for ref in hit.refs}
        fault = fault_in(question)
        if fault:
            refs |= view.fault_refs(fault, filters)
        found = view.figures(filters, refs=refs)
        citations: list[Citation] = []
        for record in found.records:
            if (
                record.quote is not None
                and record.section is not None
                and all(
                    (c.ref, c.paragraph) != (record.ref, record.remedy.paragraph) for c in citations
                )
            ):
                citations.append(
                    Citation(
                        key=f"F{len(citations) + 1}",
                        ref=record.ref,
                        paragraph=record.remedy.paragraph,
                        section=record.section,
                        quote=record.quote,
                        url=record.url,
                    )
                )
        return found.summary_text(), tuple(citations)

    def condense(self, question: str, history: Sequence[Turn], timings: dict[str, float]) -> str:
        """A follow-up question made standalone, so retrieval sees what it refers to."""
        if not history:
            return question
        started = time.perf_counter()
        previous = history[-1].question
        if self.backend.backend == "fake":
            condensed = join_follow_up(previous, question)
        else:
            transcript = "\n".join(
                f"User: {t.question}\nAssistant: {t.answer[:400]}" for t in history[-3:]
            )
            messages = self.condense_prompt.template().format_messages(
                history=transcript, question=question
            )
            try:
                reply = self.backend.model.invoke(messages)
            except Exception as exc:
                raise LLMError(f"The language model ({self.backend.name}) failed: {exc}") from exc
            condensed = str(reply.content).strip().split("\n")[0].strip() or question
            # Retrieval also sees the earlier question: small models drop referents.
            condensed = f"{condensed} ({previous})"
        timings["condense_s"] = time.perf_counter() - started
        return condensed

    def _answer(
        self,
        question: str,
        standalone: str,
        text: str,
        citations: tuple[Citation, ...],
        hits: Sequence[RetrievedParagraph],
        answered: bool,
        verification: Verification,
        timings: dict[str, float],
        usage: dict[str, int],
        filters: SearchFilters,
        model_output: str = "",
        figures: str | None = None,
    ) -> Answer:
        return Answer(
            question=question,
            standalone_question=standalone,
            text=text,
            citations=citations,
            hits=tuple(hits),
            answered=answered,
            verification=verification,
            timings={k: round(v, 3) for k, v in timings.items()},
            model=self.backend.name if answered or citations else self._model_name_if_known(),
            prompt_version=self.answer_prompt.version,
            usage=usage,
            filters=filters,
            model_output=model_output,
            figures=figures,
        )

    def _model_name_if_known(self) -> str:
        return (
            self._backend.name if self._backend else (self._llm_choice or self.settings.llm.backend)
        )


def join_follow_up(previous: str, question: str) -> str:
    """A follow-up made standalone without a model: the earlier question, then this one."""
    return f"{previous} {question}"


def check_question(question: str) -> str:
    cleaned = (question or "").strip()
    if not cleaned:
        raise InputError("The question is empty: ask about past Ombudsman decisions.")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise InputError(
            f"The question is {len(cleaned):,} characters; the limit is {MAX_QUESTION_CHARS:,}. "
            "For a whole complaint, use 'assistant draft'."
        )
    return cleaned


def build_context(
    hits: Sequence[RetrievedParagraph],
) -> tuple[str, dict[str, tuple[RetrievedParagraph, str]]]:
    """The prompt's context block and key -> (hit, the exact text shown for that key)."""
    blocks: list[str] = []
    keyed: dict[str, tuple[RetrievedParagraph, str]] = {}
    for i, hit in enumerate(hits, start=1):
        key = f"P{i}"
        refs = ", ".join(hit.refs)
        details = ", ".join(
            filter(
                None,
                (hit.council, hit.outcome, hit.date.strftime("%d %b %Y") if hit.date else None),
            )
        )
        header = f"[{key}] decision {refs} ¶{hit.number}, {hit.section}" + (
            f" ({details})" if details else ""
        )
        shown = f"{header}\n{hit.text}"
        blocks.append(shown)
        keyed[key] = (hit, shown)
    return "\n\n".join(blocks), keyed


def citation(key: str, hit: RetrievedParagraph) -> Citation:
    return Citation(
        key=key,
        ref=hit.ref,
        paragraph=hit.number,
        section=hit.section,
        quote=hit.text,
        url=hit.url,
        withdrawn=hit.withdrawn,
    )


def marker(hit: RetrievedParagraph) -> str:
    return f"[{hit.ref} ¶{hit.number}]"


def render_keys(text: str, keyed: dict[str, tuple[RetrievedParagraph, str]]) -> str:
    return re.sub(
        r"\[(P\d+)\]", lambda m: marker(keyed[m.group(1)][0]) if m.group(1) in keyed else "", text
    )


def extractive_answer(
    keyed: dict[str, tuple[RetrievedParagraph, str]], count: int = 2
) -> tuple[str, list[str]]:
    """The best paragraphs in their own words, cited: used when the model's answer fails."""
    sentences, used = [], []
    for key, (hit, _) in list(keyed.items())[:count]:
        first_line = hit.text.split("\n", 1)[0]
        sentences.append(
            f"In decision {hit.ref} (¶{hit.number}, {hit.section}): “{first_line}” [{key}]"
        )
        used.append(key)
    return " ".join(sentences), used


def _is_decline(raw: str) -> bool:
    return "do not answer this question" in raw.lower() and "[P" not in raw
