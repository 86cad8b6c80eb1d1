"""Shared fixtures: every test gets its own data directory; the model and the bundled index load once."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.index import PaperIndex
from rag.settings import PROJECT_ROOT, Settings, load_settings

if TYPE_CHECKING:
    from tests.support.fake_ollama import FakeOllama

GGUF_DEFAULT = PROJECT_ROOT / ".models" / "gemma3-270m-q4_k_m.gguf"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the user's configuration or writes outside its own temporary directory."""
    for name in list(os.environ):
        if name.startswith("RAG_") and name != "RAG_TEST_GGUF":
            monkeypatch.delenv(name)
    data = tmp_path / "rag-data"
    monkeypatch.setenv("RAG_DATA_DIR", str(data))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    # an Ollama that is certainly not there, unless a test starts one
    monkeypatch.setenv("RAG_OLLAMA_HOST", f"http://127.0.0.1:{free_port()}")
    return data


@pytest.fixture
def settings(isolated_env: Path) -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def embedder() -> OnnxEmbedder:
    return OnnxEmbedder()


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("corpus-index"))


@pytest.fixture(scope="session")
def corpus_index(corpus_settings: Settings, embedder: OnnxEmbedder) -> PaperIndex:
    """The bundled corpus, indexed once for the whole session. Read-only: tests must not ingest into it."""
    index = PaperIndex(corpus_settings, embedder=embedder)
    index.ensure_ingested(progress=False)
    return index


@pytest.fixture
def on_corpus(
    monkeypatch: pytest.MonkeyPatch, corpus_settings: Settings, corpus_index: PaperIndex
) -> PaperIndex:
    """Point the CLI (which reads RAG_DATA_DIR) at the session's bundled-corpus index."""
    monkeypatch.setenv("RAG_DATA_DIR", str(corpus_settings.data_dir))
    return corpus_index


@pytest.fixture(scope="session")
def gguf_path() -> Path:
    """The small real GGUF model (Gemma 3 270M) that `make models` puts in .models/."""
    path = Path(os.environ.get("RAG_TEST_GGUF", GGUF_DEFAULT))
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make models` (make test does it)")
    return path


@pytest.fixture(scope="session")
def fake_ollama(gguf_path: Path) -> FakeOllama:
    """The model loads once per session; each test gets its own server on a fresh port."""
    from tests.support.fake_ollama import DEFAULT_TAG, FakeOllama  # loads llama.cpp: only when used

    return FakeOllama(gguf_path, DEFAULT_TAG, n_ctx=2048, n_threads=2)


@pytest.fixture
def ollama_url(fake_ollama: FakeOllama) -> Iterator[str]:
    from tests.support.fake_ollama import serving

    with serving(fake_ollama) as url:
        yield url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def port() -> Iterator[int]:
    yield free_port()
