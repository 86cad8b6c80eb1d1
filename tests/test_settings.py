"""Configuration sources and precedence: defaults < TOML < environment < arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.settings import Settings, load_settings


def test_every_field_is_described() -> None:
    def undescribed(model: type) -> list[str]:
        missing = []
        for name, field in model.model_fields.items():  # type: ignore[attr-defined]
            if not field.description:
                missing.append(f"{model.__name__}.{name}")
            annotation = field.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                missing += undescribed(annotation)
        return missing

    assert undescribed(Settings) == []


def test_flat_environment_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_CHROMA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("RAG_OLLAMA_MODEL", "qwen2.5:7b")
    monkeypatch.setenv("RAG_LLAMACPP_MODEL", str(tmp_path / "m.gguf"))
    monkeypatch.setenv("RAG_UI_AUTH", "ann:secret")
    settings = load_settings()
    assert settings.chroma_url == "http://127.0.0.1:9" and settings.ollama.model == "qwen2.5:7b"
    assert settings.llamacpp.model == tmp_path / "m.gguf" and settings.ui.auth == "ann:secret"
    assert settings.data_dir.name == "rag-data"


def test_toml_file_below_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "rag.toml"
    config.write_text(
        'chroma_url = "http://127.0.0.1:1"\n[retrieval]\ntop_k = 7\nrrf_k = 30\n'
        '[ollama]\nmodel = "from-file"\n'
    )
    monkeypatch.setenv("RAG_CONFIG", str(config))
    monkeypatch.setenv("RAG_RETRIEVAL_TOP_K", "3")
    settings = load_settings()
    assert settings.retrieval.top_k == 3 and settings.retrieval.rrf_k == 30
    assert settings.ollama.model == "from-file" and settings.chroma_url == "http://127.0.0.1:1"


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "rag.toml"
    config.write_text("[retrieval]\ntop_kk = 7\n")
    with pytest.raises(ValueError, match="top_kk"):
        load_settings(config)
    with pytest.raises(ValueError, match="user:password"):
        load_settings(ui={"auth": "nocolon"})
