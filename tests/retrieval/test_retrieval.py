"""Hybrid retrieval on the sample corpus: relevance, filters, joint decisions, boilerplate."""

from __future__ import annotations

import datetime as dt

from assistant.index import Index
from assistant.retrieval import DenseRetriever, HybridRetriever, KeywordRetriever
from assistant.types import SearchFilters
from tests.conftest import WIRRAL


def hybrid(index: Index) -> HybridRetriever:
    return HybridRetriever(index=index, settings=index.settings.retrieval)


def test_finds_the_paragraph_that_answers(built_index: Index) -> None:
    hits = hybrid(built_index).search("payment of £50 for each month of delay at stage two")
    assert (hits[0].ref, hits[0].number) == ("24 017 708", 8)
    assert hits[0].section == "My assessment" and "A total of £300" in hits[0].text


def test_hits_are_typed_and_link_to_the_decision(built_index: Index) -> None:
    hit = hybrid(built_index).search("train staff on escalating complaints")[0]
    assert hit.ref == "20 008 394" and hit.number == 30
    assert hit.council == "London Borough of Redbridge" and hit.outcome == "Upheld"
    assert hit.date == dt.date(2021, 7, 14)
    assert hit.url == "https://www.lgo.org.uk/decisions?q=20-008-394"  # a copy: no page address
    assert hit.score > 0 and (hit.dense_rank or hit.keyword_rank)


def test_joint_decisions_are_one_hit_listing_every_reference(built_index: Index) -> None:
    hits = hybrid(built_index).search("school transport appeal panel families SEN")
    wirral = [h for h in hits if "15 018 169" in h.refs]
    assert wirral, hits
    assert wirral[0].refs == WIRRAL
    keys = [(h.refs, h.number) for h in hits]
    assert len(keys) == len(set(keys))  # no paragraph repeated under another reference


def test_filters(built_index: Index) -> None:
    r = hybrid(built_index)
    upheld = r.search("apology and payment", SearchFilters(outcome="Upheld", category="Education"))
    assert upheld and {h.category for h in upheld} == {"Education"}
    recent = r.search("investigation", SearchFilters(date_from=dt.date(2024, 1, 1)))
    assert recent and all(h.date and h.date >= dt.date(2024, 1, 1) for h in recent)
    old = r.search("investigation", SearchFilters(date_to=dt.date(2017, 1, 1)))
    assert old and all(h.date and h.date <= dt.date(2017, 1, 1) for h in old)
    hackney = r.search("payment", SearchFilters(council="London Borough of Hackney"))
    assert hackney and {h.ref for h in hackney} == {"23 016 199"}
    one = r.search("stage two", SearchFilters(ref="24 017 708"))
    assert one and {h.ref for h in one} == {"24 017 708"}
    assert r.search("payment", SearchFilters(category="Planning")) == []


def test_boilerplate_does_not_crowd_out_the_answer(built_index: Index) -> None:
    # A question in the words every decision's "role and powers" paragraphs use.
    query = "does the Ombudsman investigate complaints about councils"
    # The scoring-down alone: no expansion or priors that also move other sections up.
    settings = built_index.settings.retrieval.model_copy(
        update={"section_prior": 0.0, "expansion_weight": 0.0}
    )
    plain = HybridRetriever(
        index=built_index, settings=settings, penalise_boilerplate=False
    ).search(query)
    tuned = HybridRetriever(index=built_index, settings=settings).search(query)
    boiler = "The Ombudsman’s role and powers"
    assert sum(h.section == boiler for h in tuned) < sum(h.section == boiler for h in plain)


def test_dense_and_keyword_alone_also_work(built_index: Index) -> None:
    settings = built_index.settings.retrieval
    dense = DenseRetriever(index=built_index, settings=settings).search("foster carer support")
    keyword = KeywordRetriever(index=built_index, settings=settings).search("foster carer")
    assert dense and keyword
    assert all(h.keyword_rank is None for h in dense)
    assert all(h.dense_rank is None for h in keyword)


def test_is_a_langchain_retriever(built_index: Index) -> None:
    docs = hybrid(built_index).invoke("stage two delay payment")
    assert docs and docs[0].metadata["ref"] and docs[0].metadata["paragraph"]
    assert docs[0].metadata["url"].startswith("https://www.lgo.org.uk/decisions")
