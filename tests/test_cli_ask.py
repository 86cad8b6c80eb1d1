"""`rag ask`, run in-process with typer's CliRunner against the bundled corpus index."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.indexing.index import PaperIndex
from rag.models import Answer

runner = CliRunner()


@pytest.fixture(autouse=True)
def corpus_env(corpus_index: PaperIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command opens the session's corpus index (read-only) instead of building its own."""
    monkeypatch.setenv("RAG_DATA_DIR", str(corpus_index.settings.data_dir))


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_json_answer_has_the_documented_shape() -> None:
    result = runner.invoke(
        app, ["ask", "Which papers prove regret lower bounds?", "--json", "--backend", "extractive"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    answer = Answer.model_validate(data)  # every field, nothing extra
    documented = "question text citations sources abstained backend model timings prompt_tokens"
    assert set(data) >= {*documented.split(), "invalid_citations", "unsupported_citations", "flagged"}
    assert set(data["timings"]) == {"retrieval", "first_token", "total"}
    assert answer.backend == "extractive" and not answer.abstained and answer.citations
    numbers = {s.n for s in answer.sources}
    assert all(c.n in numbers for c in answer.citations)
    assert all({"n", "paper_id", "title", "evidence", "tier", "lacks"} == set(s) for s in data["sources"])
    assert all({"n", "paper_id", "title"} == set(c) for c in data["citations"])


def test_text_answer_streams_then_lists_sources() -> None:
    result = runner.invoke(app, ["ask", "What explains the grokking phenomenon?", "--backend", "extractive"])
    assert result.exit_code == 0, result.output
    text, _, sources = result.stdout.partition("\nSources:\n")
    assert "Grokking" in text and "[1]" in text
    assert sources.startswith("[1] Grokking as the Transition from Lazy to Rich Training Dynamics")
    assert "answered by extractive" in result.stderr


def test_auto_without_ollama_notes_why() -> None:
    result = runner.invoke(app, ["ask", "What explains the grokking phenomenon?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["backend"] == "extractive" and "ollama serve" in data["notice"]


def test_abstention_lists_the_nearest_papers() -> None:
    result = runner.invoke(
        app, ["ask", "What is the boiling point of water on Mars?", "--backend", "extractive"]
    )
    assert result.exit_code == 0
    assert "does not seem to cover" in result.stdout and "\nNearest papers:\n- " in result.stdout


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_a_one_line_error(question: str) -> None:
    result = runner.invoke(app, ["ask", question])
    assert result.exit_code == 2
    assert "empty" in one_line_error(result.stderr)


def test_ten_thousand_characters_are_cut_with_a_notice() -> None:
    question = "Which papers study speculative decoding? " + "x" * 10_000
    result = runner.invoke(app, ["ask", question, "--json", "--backend", "extractive"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["question"]) <= 2000 and "cut" in data["notice"]


@pytest.mark.parametrize("question", ["Quels articles étudient le grokking ?", "グロッキングとは何ですか？"])
def test_non_english_question_does_not_crash(question: str) -> None:
    result = runner.invoke(app, ["ask", question, "--json", "--backend", "extractive"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["text"]


def test_unknown_backend_is_a_one_line_error() -> None:
    result = runner.invoke(app, ["ask", "What is grokking?", "--backend", "gpt"])
    assert result.exit_code == 2
    assert "unknown backend" in one_line_error(result.stderr)


def test_unavailable_explicit_backend_is_a_one_line_error() -> None:
    result = runner.invoke(app, ["ask", "What is grokking?", "--backend", "ollama"])
    assert result.exit_code == 2
    assert "ollama serve" in one_line_error(result.stderr)
    result = runner.invoke(app, ["ask", "What is grokking?", "--backend", "llamacpp"])
    assert result.exit_code == 2
    assert "RAG_LLAMACPP_MODEL" in one_line_error(result.stderr)
