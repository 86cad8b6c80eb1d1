"""The LLM backends end to end: the real Ollama code path (LlamaIndex integration + `ollama` client) against a
loopback Ollama whose replies the real Gemma 3 270M GGUF generates, and llama.cpp on the same file.

Tests that load the GGUF are marked slow; the failure-path tests need no model and run in the fast suite.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from llama_index.core.llms import ChatMessage

from rag.answering.llm import (
    BackendUnavailable,
    ChatLLM,
    LlamaCppLLM,
    OllamaLLM,
    choose,
    make_llm,
    normalize_tag,
    probe_ollama,
)
from rag.settings import Settings, load_settings
from tests.support.fake_ollama import DEFAULT_TAG as TAG
from tests.support.fake_ollama import FakeOllama, serving

MAX_TOKENS = 24
MESSAGES = [
    ChatMessage(role="system", content="You answer questions about research papers."),
    ChatMessage(role="user", content="What is the transformer architecture in machine learning?"),
]


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    env = {"RAG_OLLAMA_TEMPERATURE": "0", "RAG_LLAMACPP_TEMPERATURE": "0", **env}  # greedy: repeatable text
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings()


# --- Ollama through the fake server -------------------------------------------------------------------


@pytest.mark.slow
def test_probe_sees_the_model_with_or_without_its_tag(
    ollama_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("gemma3-test", TAG):
        probe = probe_ollama(_settings(monkeypatch, RAG_OLLAMA_HOST=ollama_url, RAG_OLLAMA_MODEL=name).ollama)
        assert probe.reachable and probe.model_present, probe
        assert probe.models == [TAG]


@pytest.mark.slow
def test_ollama_streams_generated_text_and_reports_prompt_tokens(
    ollama_url: str, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(monkeypatch, RAG_OLLAMA_HOST=ollama_url, RAG_OLLAMA_MODEL="gemma3-test")
    llm = make_llm(settings, "ollama")
    assert isinstance(llm, ChatLLM) and isinstance(llm, OllamaLLM)
    assert (llm.backend, llm.model) == ("ollama", "gemma3-test")
    assert llm.count_tokens(MESSAGES) is None

    started = time.perf_counter()
    deltas = list(llm.stream_chat(MESSAGES, max_tokens=MAX_TOKENS))
    elapsed = time.perf_counter() - started

    assert len(deltas) >= 3, deltas
    assert all(isinstance(d, str) and d for d in deltas)
    assert "".join(deltas).strip()
    assert llm.last_prompt_tokens is not None and llm.last_prompt_tokens > 0
    # what went over the wire: the chat request carries the options the settings ask for
    chat = [body for method, path, body in fake_ollama.requests if path == "/api/chat"][-1]
    assert chat["model"] == "gemma3-test" and chat["stream"] is True
    assert chat["messages"][0] == {"role": "system", "content": MESSAGES[0].content}
    assert chat["options"]["num_predict"] == MAX_TOKENS
    assert chat["options"]["temperature"] == settings.ollama.temperature
    assert chat["options"]["num_ctx"] == settings.ollama.num_ctx == 4096  # the model's 32768, capped
    tokens = llm.last_prompt_tokens
    print(f"ollama(fake): {len(deltas)} deltas in {elapsed:.2f}s, prompt {tokens} tokens: {deltas}")


@pytest.mark.slow
def test_ollama_model_missing_names_the_pull_command(
    ollama_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(monkeypatch, RAG_OLLAMA_HOST=ollama_url, RAG_OLLAMA_MODEL="llama3.2:3b")
    probe = probe_ollama(settings.ollama)
    assert probe.reachable and not probe.model_present
    with pytest.raises(BackendUnavailable) as caught:
        make_llm(settings, "ollama")
    assert "ollama pull llama3.2:3b" in str(caught.value)
    # the same message when the model disappears after the check (the server's 404 on /api/chat)
    with pytest.raises(BackendUnavailable) as caught:
        list(OllamaLLM(settings.ollama).stream_chat(MESSAGES, max_tokens=MAX_TOKENS))
    assert "ollama pull llama3.2:3b" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.slow
def test_ollama_server_gone_after_the_check(fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(fake_ollama) as url:
        llm = make_llm(_settings(monkeypatch, RAG_OLLAMA_HOST=url, RAG_OLLAMA_MODEL=TAG), "ollama")
    with pytest.raises(BackendUnavailable, match="ollama serve"):
        list(llm.stream_chat(MESSAGES, max_tokens=MAX_TOKENS))


def test_ollama_server_down_names_the_serve_command(settings: Settings) -> None:
    # conftest points RAG_OLLAMA_HOST at a closed port
    probe = probe_ollama(settings.ollama)
    assert not probe.reachable and not probe.model_present and probe.models == []
    with pytest.raises(BackendUnavailable) as caught:
        make_llm(settings, "ollama")
    message = str(caught.value)
    assert "ollama serve" in message and settings.ollama.host in message and "\n" not in message


def test_ollama_timeout_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        host = f"http://127.0.0.1:{silent.getsockname()[1]}"
        settings = _settings(monkeypatch, RAG_OLLAMA_HOST=host, RAG_OLLAMA_TIMEOUT_S="0.3")
        probe = probe_ollama(settings.ollama, timeout_s=0.3)
        assert not probe.reachable and "did not answer" in probe.message
        with pytest.raises(BackendUnavailable, match="did not answer within 0.3 s") as caught:
            list(OllamaLLM(settings.ollama).stream_chat(MESSAGES, max_tokens=MAX_TOKENS))
        assert "\n" not in str(caught.value)


def test_normalize_tag() -> None:
    assert normalize_tag("llama3.2") == "llama3.2:latest"
    assert normalize_tag("llama3.2:3b") == "llama3.2:3b"
    assert normalize_tag("localhost:5000/team/model") == "localhost:5000/team/model:latest"


# --- choosing a backend --------------------------------------------------------------------------------


@pytest.mark.slow
def test_auto_prefers_ollama_with_the_model(
    ollama_url: str, gguf_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(
        monkeypatch, RAG_OLLAMA_HOST=ollama_url, RAG_OLLAMA_MODEL=TAG, RAG_LLAMACPP_MODEL=str(gguf_path)
    )
    llm, notice = choose(settings, "auto")
    assert llm is not None and llm.backend == "ollama" and notice is None
    # the server without the configured model does not count
    missing = _settings(monkeypatch, RAG_OLLAMA_MODEL="other:1b", RAG_LLAMACPP_MODEL=str(gguf_path))
    llm, notice = choose(missing, "auto")
    assert llm is not None and llm.backend == "llamacpp" and notice is None


@pytest.mark.slow
def test_auto_llamacpp_when_only_the_gguf_is_there(gguf_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch, RAG_LLAMACPP_MODEL=str(gguf_path))
    reuse: dict[str, ChatLLM] = {}
    first = choose(settings, "auto", reuse).llm
    assert first is not None and first.backend == "llamacpp"
    assert choose(settings, "llamacpp", reuse).llm is first  # a loaded GGUF is kept, not loaded again


def test_auto_extractive_when_neither(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm, reason = choose(settings, "auto")
    assert llm is None and reason is not None
    assert "ollama serve" in reason and "RAG_LLAMACPP_MODEL" in reason
    missing = _settings(monkeypatch, RAG_LLAMACPP_MODEL=str(tmp_path / "nowhere.gguf"))
    llm, reason = choose(missing, "auto")
    assert llm is None and reason is not None and "nowhere.gguf" in reason
    assert choose(settings, "extractive") == (None, None)
    with pytest.raises(ValueError, match="gpt"):
        choose(settings, "gpt")
    with pytest.raises(BackendUnavailable, match="ollama serve"):
        choose(settings, "ollama")


# --- llama.cpp -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_llamacpp_streams_from_the_packaged_gguf(gguf_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(
        monkeypatch, RAG_LLAMACPP_MODEL=str(gguf_path), RAG_LLAMACPP_N_CTX="1024", RAG_LLAMACPP_THREADS="2"
    )
    llm = make_llm(settings, "llamacpp")
    assert isinstance(llm, ChatLLM) and isinstance(llm, LlamaCppLLM)
    assert (llm.backend, llm.model) == ("llamacpp", gguf_path.name)
    assert llm.chat_template is None  # Gemma 3 270M is a base model: plain completion prompt

    prompt_tokens = llm.count_tokens(MESSAGES)
    assert prompt_tokens is not None and prompt_tokens > 10

    started = time.perf_counter()
    deltas = list(llm.stream_chat(MESSAGES, max_tokens=MAX_TOKENS))
    elapsed = time.perf_counter() - started
    assert len(deltas) >= 3, deltas
    assert all(isinstance(d, str) and d for d in deltas)
    assert "".join(deltas).strip()
    assert llm.last_prompt_tokens == prompt_tokens
    # the model stays loaded in the object: a second answer does not load it again
    assert len(llm._loaded) == 1
    assert list(llm.stream_chat(MESSAGES, max_tokens=4))
    assert len(llm._loaded) == 1
    print(f"llamacpp: {len(deltas)} deltas in {elapsed:.2f}s, prompt tokens {prompt_tokens}: {deltas}")


def test_llamacpp_missing_file_names_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "absent.gguf"
    settings = _settings(monkeypatch, RAG_LLAMACPP_MODEL=str(path))
    with pytest.raises(BackendUnavailable) as caught:
        make_llm(settings, "llamacpp")
    assert str(path) in str(caught.value)


def test_llamacpp_unconfigured_names_the_variable(settings: Settings) -> None:
    with pytest.raises(BackendUnavailable, match="RAG_LLAMACPP_MODEL"):
        make_llm(settings, "llamacpp")
