"""The retrieval systems an eval compares: our pipeline and three baselines.

- `pipeline`: what `ask` uses (hybrid RRF with glossary expansion, section priors,
  boilerplate scored down, joint decisions merged, hits spread across decisions).
- `bm25`, `dense`: each retriever alone over the same paragraphs, without our extras (no
  glossary expansion, no section priors, no per-decision cap).
- `naive`: what people start from: each decision's text cut into 1,000-character chunks
  with langchain's `RecursiveCharacterTextSplitter` (200 overlap, no paragraph structure),
  embedded with the same model into an in-memory Chroma collection.

Every system takes the same filters, resolved in the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Protocol

from assistant.evaluation.metrics import RetrievedItem
from assistant.index import Index
from assistant.retrieval import DenseRetriever, HybridRetriever, KeywordRetriever
from assistant.retrieval.hybrid import ParagraphRetriever
from assistant.settings import RetrievalSettings
from assistant.types import Decision, RetrievedParagraph, SearchFilters

NAIVE_CHUNK_SIZE = 1000
NAIVE_CHUNK_OVERLAP = 200
SYSTEMS = ("pipeline", "bm25", "dense", "naive")


class RetrievalSystem(Protocol):
    name: str

    def search(self, query: str, filters: SearchFilters, k: int) -> list[RetrievedItem]: ...


def as_item(hit: RetrievedParagraph) -> RetrievedItem:
    return RetrievedItem(refs=hit.refs, text=hit.text, paragraph=hit.number, section=hit.section)


class ParagraphSystem:
    def __init__(self, name: str, retriever: ParagraphRetriever) -> None:
        self.name = name
        self.retriever = retriever

    def search(self, query: str, filters: SearchFilters, k: int) -> list[RetrievedItem]:
        return [as_item(h) for h in self.retriever.search(query, filters, k)]


class NaiveChunkSystem:
    """Character chunks of whole decisions: the pipeline most tutorials build."""

    name = "naive"

    def __init__(self, index: Index) -> None:
        self.index = index

    @cached_property
    def collection(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=NAIVE_CHUNK_SIZE, chunk_overlap=NAIVE_CHUNK_OVERLAP
        )
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        collection = client.get_or_create_collection(
            "naive-chunks", embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        ids, texts, metadatas = [], [], []
        for decision in self.index.store.decisions():
            for n, chunk in enumerate(splitter.split_text(page_text(decision))):
                ids.append(f"{decision.ref}#{n}")
                texts.append(chunk)
                metadatas.append({"ref": decision.ref})
        for start in range(0, len(ids), 4096):
            stop = start + 4096
            collection.add(
                ids=ids[start:stop],
                documents=texts[start:stop],
                metadatas=metadatas[start:stop],
                embeddings=self.index.embedder.encode(texts[start:stop]),
            )
        return collection

    def search(self, query: str, filters: SearchFilters, k: int) -> list[RetrievedItem]:
        allowed = self.index.store.refs_matching(filters)
        if allowed is not None and not allowed:
            return []
        where = {"ref": {"$in": sorted(allowed)}} if allowed is not None else None
        found = self.collection.query(
            query_embeddings=[self.index.embedder.encode_query(query)],
            n_results=k,
            where=where,
            include=["documents", "metadatas"],
        )
        members = self.index.store.group_members({m["ref"] for m in found["metadatas"][0]})
        return [
            RetrievedItem(refs=members.get(meta["ref"], (meta["ref"],)), text=text)
            for text, meta in zip(found["documents"][0], found["metadatas"][0], strict=True)
        ]


def page_text(decision: Decision) -> str:
    """A decision as its page reads: summary, headings and paragraphs, no structure kept."""
    lines = [decision.summary or ""]
    section = None
    for paragraph in decision.paragraphs:
        if paragraph.section != section:
            section = paragraph.section
            lines.append(section)
        lines.append(paragraph.text)
    return "\n\n".join(line for line in lines if line)


def make_systems(
    index: Index, settings: RetrievalSettings, names: Sequence[str] = SYSTEMS
) -> list[RetrievalSystem]:
    plain = settings.model_copy(
        update={
            "max_per_decision": 10_000,
            "expansion_weight": 0.0,
            "dense_expansion": False,
            "section_prior": 0.0,
        }
    )
    made: dict[str, RetrievalSystem] = {
        "pipeline": ParagraphSystem("pipeline", HybridRetriever(index=index, settings=settings)),
        "bm25": ParagraphSystem(
            "bm25", KeywordRetriever(index=index, settings=plain, penalise_boilerplate=False)
        ),
        "dense": ParagraphSystem(
            "dense", DenseRetriever(index=index, settings=plain, penalise_boilerplate=False)
        ),
    }
    systems: list[RetrievalSystem] = []
    for name in names:
        systems.append(NaiveChunkSystem(index) if name == "naive" else made[name])
    return systems
