"""The retrievers' langchain interface (for use in other chains) returns the same paragraphs
as the typed `search` the answer pipeline calls."""

from __future__ import annotations

from assistant.retrieval import HybridRetriever
from assistant.types import SearchFilters

QUERY = "council refused to escalate the complaint to stage two"


def test_invoke_returns_the_typed_hits_as_documents(built_index) -> None:
    filters = SearchFilters(category="Children's care services")
    retriever = HybridRetriever(
        index=built_index, settings=built_index.settings.retrieval, filters=filters, k=4
    )
    hits = retriever.search(QUERY, filters, 4)
    assert len(hits) == 4
    documents = retriever.invoke(QUERY)
    assert [(d.metadata["ref"], d.metadata["paragraph"]) for d in documents] == [
        h.place for h in hits
    ]
    assert [d.page_content for d in documents] == [h.text for h in hits]
    assert all(d.metadata["url"].startswith("https://www.lgo.org.uk/") for d in documents)
