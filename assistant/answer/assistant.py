"""Ask: question -> retrieval -> prompt -> LLM -> verified, cited answer.

`Assistant` is the answering pipeline the facade (`assistant.application`) and the eval
harness use. `ask_stream` yields the evidence at once, then the model's tokens as they
arrive, then the verified `Answer`. The language model is not called when retrieval finds
nothing relevant enough.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from assistant import remedies
from assistant.answer.asked import Asked, asked_for, unstated_in_hits
from assistant.answer.claims import (
    check_claims,
    claims_schema,
    completed_statements,
    extractive_sentences,
    parse_claims,
)
from assistant.answer.context import Context, KeyedText, Shown
from assistant.answer.councils import (
    NamedCouncil,
    councils_named,
    hit_is_about,
    unmatched_councils,
)
from assistant.answer.events import AnswerEvent, AskEvent, EvidenceEvent, TokenEvent, Turn
from assistant.answer.focus import Focus
from assistant.answer.relevance import is_relevant
from assistant.answer.topics import quoted_names, unmentioned_topics
from assistant.errors import InputError, LLMError
from assistant.index import Index
from assistant.injection import flags, neutralise
from assistant.llm import ChatBackend, make_chat_backend, token_usage
from assistant.parsing.common import council_place, find_refs, without_refs
from assistant.parsing.limits import printable
from assistant.privacy import keep_local
from assistant.prompts import DECLINE_PHRASE, DECLINED, Prompt, load_prompt
from assistant.retrieval import HybridRetriever
from assistant.retrieval.parts import search_in_parts
from assistant.settings import LLMBackend, Settings
from assistant.types import (
    FIGURE_KEY_PREFIX,
    Answer,
    Citation,
    RetrievedParagraph,
    SearchFilters,
    Verification,
    decisions_of,
    merge_citations,
)

MAX_QUESTION_CHARS = 2000
# The most words of the model's search sentence read (its examples run to about 15).
SENTENCE_WORDS = 40
# How a verification note on a retrieved paragraph never shown to the model begins.
SET_ASIDE = "set aside"
QUOTED = "In the decisions' own words (quoted: no model-written sentence passed verification):"
QUOTED_FOR_KIND = "In the decisions' own words (quoted: no model-written sentence stated {kind}):"
# Either label: the assistant's words before quoted sentences, never a claim.
QUOTED_LABEL = re.compile(r"In the decisions' own words \(quoted: [^)]*\):")
# When no sentence the model wrote survives verification, shown sentences holding more than
# a share of the question's content words are quoted instead. A model that cited no paragraph
# (it declined) is overruled only when retrieval is confident: a sentence holds half the
# question's words. A model that cited paragraphs judged that they answer, and only its
# wording failed, so any sentence holding a word of the question is quoted: with the 0.5
# floor there too, paraphrased answerable questions were refused while no unanswerable one
# the gate had passed was caught (evals/README.md, "Refusals are earned").
CONFIDENT_SHARE = 0.5
CITED_SHARE = 0.0
NOT_ANSWERED = (
    f"The decisions in the index {DECLINE_PHRASE}. No paragraph was relevant enough to rely "
    "on, so nothing is cited."
)


@dataclass(frozen=True)
class AnswerFigures:
    """Computed remedy figures for an answer, and the remedy paragraphs they cite."""

    text: str
    citations: tuple[Citation, ...]


@dataclass
class _Run:
    """What one question has gathered so far on its way to an `Answer`."""

    question: str
    filters: SearchFilters
    started: float = field(default_factory=time.perf_counter)
    standalone: str = ""
    hits: tuple[RetrievedParagraph, ...] = ()
    set_aside: tuple[str, ...] = ()  # notes on retrieved paragraphs never shown to the model
    sentence: str = ""  # the model's sentence in a decision's wording, searched with
    timings: dict[str, float] = field(default_factory=dict)

    def mark(self, stage: str) -> None:
        """Record the time from the start to now as `stage`."""
        self.timings[stage] = time.perf_counter() - self.started

    @cached_property
    def asked(self) -> Asked | None:
        """The kind of fact the question asks for; read once `standalone` is set."""
        return kind_asked(self.question, self.standalone)


class Assistant:
    def __init__(
        self,
        settings: Settings,
        *,
        llm: LLMBackend | None = None,
        backend: ChatBackend | None = None,
        index: Index | None = None,
    ) -> None:
        keep_local(settings.tracing)
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

    @cached_property
    def focus(self) -> Focus:
        return Focus(self.index.embedder.encode, self.settings.llm.focus_words)

    @cached_property
    def fault_retriever(self) -> HybridRetriever:
        """For text describing a fault (a complaint's issue), not a question: no section
        priors, whose cues ("failed", "apologise") read a complaint as a question about
        remedies and pull the remedy paragraphs of unrelated decisions in."""
        plain = self.settings.retrieval.model_copy(update={"section_prior": 0.0})
        return HybridRetriever(index=self.index, settings=plain)

    @cached_property
    def remedy_view(self) -> remedies.RemedyView:
        """Typical-remedy figures over this index."""
        return remedies.RemedyView(self.index, self.settings.retrieval)

    @property
    def backend(self) -> ChatBackend:
        if self._backend is None:
            self._backend = make_chat_backend(self.settings.llm, self._llm_choice)
        return self._backend

    @property
    def model_name(self) -> str:
        """The model's name, without starting it when it is not running yet."""
        return (
            self._backend.name if self._backend else (self._llm_choice or self.settings.llm.backend)
        )

    def prompt(self, name: str) -> Prompt:
        return load_prompt(name, directory=self.settings.prompts_dir)

    @property
    def answer_prompt(self) -> Prompt:
        return self.prompt("answer")

    # public API ------------------------------------------------------------------
    def retrieve(
        self, question: str, filters: SearchFilters | None = None, k: int | None = None
    ) -> list[RetrievedParagraph]:
        """The paragraphs for a question."""
        return self._search(check_question(question), filters, k or self.settings.retrieval.k)

    def _search(
        self, question: str, filters: SearchFilters | None, k: int, *, fault: bool = False
    ) -> list[RetrievedParagraph]:
        """With `fault`, `question` describes a fault (see `fault_retriever`)."""
        if fault:
            return self.fault_retriever.search(question, filters, k)
        if self.settings.retrieval.split_questions:
            return search_in_parts(self.retriever.search, question, filters, k)
        return self.retriever.search(question, filters, k)

    def evidence(
        self,
        question: str,
        filters: SearchFilters | None = None,
        k: int | None = None,
        *,
        fault: bool = False,
    ) -> tuple[list[RetrievedParagraph], list[str]]:
        """The retrieved paragraphs a model may be shown, cited from or quoted, and a note
        for each one set aside because it holds text addressed to a model (`injection`), or
        because its decision does elsewhere: a real decision never speaks to a model, so
        nothing of one that does is trusted. With `fault`, `question` describes a fault
        (see `fault_retriever`)."""
        usable, set_aside = [], []
        found_hits = self._search(question, filters, k or self.settings.retrieval.k, fault=fault)
        distrusted = self.index.store.flagged_refs(r for hit in found_hits for r in hit.refs)
        for hit in found_hits:
            found = hit_flags(hit)
            if found:
                set_aside.append(
                    f"{SET_ASIDE} {hit.label}: it holds text addressed to a language model "
                    f"({', '.join(found)}), so it is never shown to the model nor cited"
                )
            elif distrusted.intersection(hit.refs):
                set_aside.append(
                    f"{SET_ASIDE} {hit.label}: its decision holds text addressed to a language "
                    "model elsewhere, so none of it is shown to the model nor cited"
                )
            else:
                usable.append(hit)
        return usable, set_aside

    def answerable(
        self, question: str, hits: Sequence[RetrievedParagraph], asked_in: str | None = None
    ) -> bool:
        """The relevance gate: is anything retrieved relevant enough to answer from, and
        about the council the question names, if it names one?"""
        return self.declined_because(question, hits, asked_in) is None

    def declined_because(
        self, question: str, hits: Sequence[RetrievedParagraph], asked_in: str | None = None
    ) -> str | None:
        """What the user is told when the gate declines the question (the decision, council
        or topic it names that no decision found is, is about or mentions, or the kind of
        fact it asks for that no hit states, when that is why); None when it passes.
        `question` is what was searched; `asked_in` the question as the user put it (a
        follow-up's own words), from which the kind of fact asked is read."""
        named = find_refs(question)
        found = decisions_of(hits)
        if named and not found & set(named):
            return (
                f"The decisions in the index {DECLINE_PHRASE}: decision "
                f"{' or '.join(named)} is not in the index (or the filters leave it out), so "
                "nothing is cited."
            )
        if not hits:
            return NOT_ANSWERED
        texts = self.index.store.decision_texts(found)
        councils = unmatched_councils(question, texts)
        if councils:
            names = " or ".join(c.name for c in councils)
            return (
                f"The decisions in the index {DECLINE_PHRASE}: none of the decisions found is "
                f"about {names}, so nothing is cited."
            )
        topics = unmentioned_topics(question, texts) if self.settings.retrieval.topic_check else ()
        if topics:
            names = quoted_names(topics)
            return (
                f"The decisions in the index {DECLINE_PHRASE}: none of the decisions found "
                f"mentions {names}, so nothing is cited."
            )
        if self.settings.retrieval.kind_check and (
            asked := kind_asked(asked_in or question, question)
        ):
            named_councils = councils_named(question)  # only a question asking a kind needs them
            if unstated_in_hits(asked, named_councils, hits, texts):
                return unstated_decline(asked, named_councils)
        # A question naming the decision it is about needs no words of it in the hits.
        if not named and not is_relevant(
            question, hits, self.settings.retrieval.min_keyword_overlap
        ):
            return NOT_ANSWERED
        return None

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
        run = _Run(check_question(question), filters or SearchFilters())
        run.standalone = self.condense(run.question, history, run.timings)
        usable, set_aside = self.evidence(run.standalone, run.filters, self.settings.retrieval.k)
        run.hits, run.set_aside = tuple(usable), tuple(set_aside)
        run.timings["retrieval_s"] = (
            time.perf_counter() - run.started - run.timings.get("condense_s", 0)
        )
        declined = self.declined_because(run.standalone, run.hits, run.question)
        if declined is None and self.settings.llm.search_sentence:
            self.search_again(run)
        run.mark("evidence_s")
        yield EvidenceEvent(run.standalone, run.hits, declined is None)
        if declined is not None:
            run.mark("total_s")
            yield AnswerEvent(self._answer(run, text=declined, answered=False))
            return

        bodies = self.focus.bodies(run.standalone, [hit.text for hit in run.hits], run.asked)
        context = Context.of(run.hits, bodies=bodies)
        messages = self.answer_prompt.messages(
            context=context.text, question=neutralise(run.standalone)
        )
        raw, usage, streamed = "", {}, 0
        for chunk in self.backend.stream(messages, claims_schema(list(context.shown))):
            if "first_token_s" not in run.timings:
                run.mark("first_token_s")
            piece = chunk.content if isinstance(chunk.content, str) else ""
            raw += piece
            if raw.lstrip().startswith("{"):  # structured: show each claim once complete
                statements = completed_statements(raw)
                for statement in statements[streamed:]:
                    yield TokenEvent(statement.strip() + " ")
                streamed = len(statements)
            elif piece:
                yield TokenEvent(piece)
            usage = token_usage(chunk.usage_metadata) or usage
        run.timings["generation_s"] = time.perf_counter() - run.started - run.timings["evidence_s"]
        yield AnswerEvent(self._verified(run, context, raw, usage))

    # steps -----------------------------------------------------------------------
    @cached_property
    def council_names(self) -> tuple[str, ...]:
        """Place names of the index's councils: names an answer must not bring in unless
        the paragraph it cites is theirs."""
        places = (council_place(c) for c in self.index.store.distinct("council"))
        return tuple(sorted({p for p in places if p}))

    def _verified(self, run: _Run, context: Context, raw: str, usage: dict[str, int]) -> Answer:
        """The model's claims checked against what it was shown, then cited. When no claim
        survives, the shown sentences holding most of the question's words are quoted
        instead (`CITED_SHARE`, or `CONFIDENT_SHARE` when the model cited nothing); when
        none qualifies, the question is declined."""
        shown = context.texts()
        claims = parse_claims(raw)
        check = check_claims(claims, shown, self.council_names)
        # A "typical remedy" question's amounts come from the computed figures below.
        is_remedies = remedies.is_remedies_question(run.standalone)
        asked = run.asked
        # The fact asked about a named council is stated by that council's decisions: "How
        # much did Dudley pay?" is not answered by Tower Hamlets' £50 a month.
        named = councils_named(run.standalone) if asked else ()
        sources = self._about(context, named)
        unstated = (
            bool(check.sentences)
            and asked is not None
            and not any(
                asked.stated_in(s.text) and any(key in sources for key in s.keys)
                for s in check.sentences
            )
        )
        fell_back = not check.sentences or unstated
        if fell_back:
            chosen = {key for claim in claims for key in claim.keys if key in shown}
            floor = CITED_SHARE if chosen else CONFIDENT_SHARE
            quoted = extractive_sentences(
                run.standalone,
                {key: shown[key] for key in sources},
                min_share=floor,
                holding=asked.stated_in if asked else None,
                chosen=chosen,
            )
            if not quoted:
                run.mark("total_s")
                declined = DECLINED
                if asked and not any(asked.stated_in(s.body) for s in sources.values()):
                    declined = unstated_decline(asked, named)
                return self._answer(
                    run,
                    text=declined,
                    answered=False,
                    verification=check.verification(fell_back=False),
                    usage=usage,
                    model_output=raw,
                )
            label = QUOTED
            if unstated and asked:
                label = QUOTED_FOR_KIND.format(kind=asked.name)
                check.notes.append(
                    f"no sentence the model wrote states {asked.name}, which the question "
                    "asks for: the shown sentences that state one are quoted instead"
                )
            check.sentences = quoted
            reply = KeyedText(f"{label} {check.text()}", tuple(check.cited_keys))
        else:
            reply = check.keyed()
        text = context.render(reply.text)
        citations = context.citations(reply.keys)
        figures = None
        if is_remedies:
            figures = self.remedy_figures(run.standalone, run.hits, run.filters)
            text = f"{text}\n\n{figures.text}"
            citations = merge_citations(citations, figures.citations)
        run.mark("total_s")
        return self._answer(
            run,
            text=text,
            answered=True,
            citations=citations,
            verification=check.verification(fell_back=fell_back),
            usage=usage,
            model_output=raw,
            figures=figures.text if figures else None,
        )

    def _about(self, context: Context, named: Sequence[NamedCouncil]) -> dict[str, Shown]:
        """The shown paragraphs of decisions about the councils named (every one when none
        is named). A decision whose council the index does not record (older records) is
        about a council its text names."""
        if not named:
            return dict(context.shown)
        unrecorded = {s.hit.ref for s in context.shown.values() if not s.hit.council}
        texts = self.index.store.decision_texts(unrecorded) if unrecorded else {}
        return {key: s for key, s in context.shown.items() if hit_is_about(s.hit, named, texts)}

    def remedy_figures(
        self, question: str, hits: Sequence[RetrievedParagraph], filters: SearchFilters
    ) -> AnswerFigures:
        """Computed remedy figures for a 'what is typical' question: over the decisions whose
        findings match the question's fault when it names one, else over the decisions the
        evidence comes from. (The evidence of a remedies question is remedy paragraphs, of
        any fault: counting their decisions would blur the figures for this fault.)"""
        view = self.remedy_view
        fault = remedies.fault_in(question)
        refs = view.fault_refs(fault, filters) if fault else set()
        if not refs:
            refs = decisions_of(hits)
        found = view.figures(filters, refs=refs)
        cited = merge_citations(c for r in found.records if (c := r.citation()) is not None)
        keyed = tuple(
            c.model_copy(update={"key": f"{FIGURE_KEY_PREFIX}{i}"}) for i, c in enumerate(cited, 1)
        )
        return AnswerFigures(found.summary_text(), keyed)

    def condense(self, question: str, history: Sequence[Turn], timings: dict[str, float]) -> str:
        """A follow-up question made standalone, so retrieval sees what it refers to."""
        if not history:
            return question
        started = time.perf_counter()
        previous = history[-1].question
        transcript = "\n".join(
            f"User: {t.question}\nAssistant: {t.answer[:400]}" for t in history[-3:]
        )
        messages = self.prompt("condense").messages(
            history=neutralise(transcript), question=neutralise(question)
        )
        reply = self.backend.invoke(messages)
        condensed = reply.strip().split("\n")[0].strip() or question
        if condensed != question:
            # Retrieval also sees the earlier question: small models drop referents.
            condensed = f"{condensed} ({previous})"
        else:
            condensed = join_follow_up(previous, question)
        timings["condense_s"] = time.perf_counter() - started
        return condensed

    def search_again(self, run: _Run) -> None:
        """Search with the question and the sentence the model writes in a decision's
        wording that would answer it (`search_sentence`): "my nan looks after the kids"
        meets "a family and friends foster carer". The question's own hits stay when the
        model writes nothing usable, or when the new hits would fail the gate that the
        question's own passed (a named decision or council no longer among them)."""
        started = time.perf_counter()
        sentence = self.search_sentence(run.standalone)
        run.timings["search_sentence_s"] = time.perf_counter() - started
        if not sentence:
            return
        run.sentence = sentence
        k = self.settings.retrieval.k
        found = self.search_with_sentence(run.standalone, run.question, run.filters, sentence, k)
        if found is not None:
            usable, set_aside = found
            run.hits, run.set_aside = tuple(usable), tuple(set_aside)

    def search_with_sentence(
        self, standalone: str, asked_in: str, filters: SearchFilters, sentence: str, k: int
    ) -> tuple[list[RetrievedParagraph], list[str]] | None:
        """The evidence (as `evidence` gives it) for the question and `sentence` searched
        together; None when nothing is found or those hits would fail the gate the
        question's own passed, whose hits then stand."""
        usable, set_aside = self.evidence(f"{standalone} {sentence}", filters, k)
        if usable and self.declined_because(standalone, usable, asked_in) is None:
            return usable, set_aside
        return None

    def search_sentence(self, question: str) -> str:
        """One sentence, in a decision's wording, that would answer `question`, without any
        decision reference; empty when the model declines or writes none. Only its first
        line is read, and the reply is cut off there: a small model may go on to write more."""
        messages = self.prompt("search_sentence").messages(question=neutralise(question))
        written = ""
        for chunk in self.backend.stream(messages):
            written += chunk.content if isinstance(chunk.content, str) else ""
            if "\n" in written.strip() or len(written.split()) > SENTENCE_WORDS:
                break
        # A reference would keep the search to that decision, as one in the question does.
        first_line = without_refs(written.strip().split("\n", 1)[0])
        sentence = " ".join(first_line.split()[:SENTENCE_WORDS])
        return "" if DECLINE_PHRASE in sentence else sentence

    def _answer(
        self,
        run: _Run,
        *,
        text: str,
        answered: bool,
        citations: tuple[Citation, ...] = (),
        verification: Verification | None = None,
        usage: dict[str, int] | None = None,
        model_output: str = "",
        figures: str | None = None,
    ) -> Answer:
        verification = verification or Verification()
        if run.set_aside:
            notes = (*run.set_aside, *verification.notes)
            verification = verification.model_copy(update={"notes": notes})
        return Answer(
            question=run.question,
            standalone_question=run.standalone,
            text=text,
            citations=citations,
            hits=run.hits,
            answered=answered,
            verification=verification,
            timings={k: round(v, 3) for k, v in run.timings.items()},
            model=self.model_name,
            prompt_version=self.answer_prompt.version,
            usage=usage or {},
            filters=run.filters,
            model_output=model_output,
            search_sentence=run.sentence,
            figures=figures,
        )


def kind_asked(asked_in: str, question: str) -> Asked | None:
    """The kind of fact asked for, read from the user's own words `asked_in`; none for a
    "typical remedy" question (`question` as searched), whose amounts are computed."""
    return None if remedies.is_remedies_question(question) else asked_for(asked_in)


def unstated_decline(asked: Asked, named: Sequence[NamedCouncil] = ()) -> str:
    """The decline when no shown paragraph (of the councils the question names, when it
    names any) states the kind of fact the question asks for."""
    found = "no paragraph found"
    if named:
        found += f" about {' or '.join(c.name for c in named)}"
    return (
        f"The decisions in the index {DECLINE_PHRASE}: {found} states {asked.name} for it, "
        "so nothing is cited." + (f" {asked.why}" if asked.why else "")
    )


def hit_flags(hit: RetrievedParagraph) -> tuple[str, ...]:
    """What a retrieved paragraph holds that is addressed to a model, in its text or in
    what the prompt shows beside it (section, council, outcome)."""
    return flags(hit.section, hit.subsection, hit.council, hit.outcome, hit.text)


def join_follow_up(previous: str, question: str) -> str:
    """A follow-up made standalone without a model: the earlier question, then this one."""
    return f"{previous} {question}"


def check_question(question: str) -> str:
    cleaned = printable(question or "").strip()
    if not cleaned:
        raise InputError("The question is empty: ask about past Ombudsman decisions.")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise InputError(
            f"The question is {len(cleaned):,} characters; the limit is {MAX_QUESTION_CHARS:,}. "
            "For a whole complaint, use 'assistant draft'."
        )
    return cleaned
