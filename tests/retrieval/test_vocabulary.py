"""The glossary, question-type priors and sentence vectors: the vocabulary-gap components."""

from __future__ import annotations

import re

from assistant.index import Index
from assistant.retrieval import HybridRetriever
from assistant.retrieval.glossary import Glossary, default_glossary, words
from assistant.retrieval.priors import question_types, section_matches
from assistant.retrieval.sentences import SentenceIndex, sentences

_SOURCE = re.compile(r"\d{2} \d{3} \d{3}|lgo\.org\.uk|LGSCO guidance")


def test_every_glossary_entry_says_where_its_terms_come_from() -> None:
    glossary = Glossary.load()
    assert len(glossary.entries) >= 30
    for entry in glossary.entries:
        assert entry.plain and entry.terms
        assert _SOURCE.search(entry.source), entry


def test_plain_phrases_match_loosely_and_expand_to_terms_of_art() -> None:
    glossary = default_glossary()
    assert words("Won't ring-backs") == ["wont", "ring", "back"]
    assert "re-investigate" in glossary.expansion("Why won't they look into it again?")
    assert "delay in contact" in glossary.expansion("the worker never rang me back")
    assert glossary.expansion("the weather in Leeds") == ""


def test_expansion_reaches_the_decision_wording(built_index: Index) -> None:
    settings = built_index.settings.retrieval
    query = "the ombudsman won't look at it again after the council's own review"
    plain = HybridRetriever(index=built_index, settings=settings).search(query, k=5)
    expanded = HybridRetriever(
        index=built_index, settings=settings.model_copy(update={"expansion_weight": 0.6})
    ).search(query, k=5)

    def reinvestigate(hits) -> bool:
        return any("re-investigate" in h.text for h in hits)

    assert reinvestigate(expanded)
    assert sum(map(reinvestigate, [expanded])) >= sum(map(reinvestigate, [plain]))


def test_question_types_point_at_sections() -> None:
    assert question_types("How much did they have to pay her?") >= {"remedy"}
    assert "investigation" in question_types("Why would the Ombudsman not investigate?")
    assert section_matches(frozenset({"remedy"}), "Agreed action")
    assert not section_matches(frozenset({"remedy"}), "The complaint")


def test_sentences_split_bullets_and_keep_short_pieces() -> None:
    text = "The Council agreed to:\n• apologise to Ms X.\n• pay Ms X £100 for her time and trouble."
    found = sentences(text)
    assert found[-1] == "pay Ms X £100 for her time and trouble."
    assert all(len(s.split()) >= 4 for s in found)


def test_sentence_vectors_rank_paragraphs_one_hit_each(built_index: Index) -> None:
    index = SentenceIndex.for_index(built_index)
    assert len(index.vectors) > built_index.store.stats()["paragraphs"]  # type: ignore[operator]
    found = index.query(built_index.embedder.encode_query("train staff on escalation"), 5)
    assert len({pid for pid, _ in found}) == len(found) == 5
    settings = built_index.settings.retrieval.model_copy(update={"sentence_weight": 1.0})
    hits = HybridRetriever(index=built_index, settings=settings).search("train staff", k=5)
    assert len({(h.ref, h.number) for h in hits}) == len(hits) == 5
