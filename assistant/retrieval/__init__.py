"""Hybrid retrieval over the index: dense (Chroma) + keyword (BM25), fused, filtered, grouped.

The retrievers are langchain `BaseRetriever`s (so they compose with chains) whose typed
`search` returns `RetrievedParagraph`s; the answer layer and evals use `search`.
"""

from assistant.retrieval.hybrid import (
    BOILERPLATE_SECTIONS,
    DenseRetriever,
    HybridRetriever,
    KeywordRetriever,
    ParagraphRetriever,
)

__all__ = [
    "BOILERPLATE_SECTIONS",
    "DenseRetriever",
    "HybridRetriever",
    "KeywordRetriever",
    "ParagraphRetriever",
]
