"""The composition root, checked prompts, the eval's split and typed summary, math as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.results import Summary, is_known_metric
from eval.split import split_of
from rag.answering.prompts import PromptError, render
from rag.assemble import open_assistant
from rag.indexing.embedder import OnnxEmbedder
from rag.settings import Settings
from ui.mathtext import math_to_text


def test_prompt_placeholders_are_checked(tmp_path: Path) -> None:
    (tmp_path / "p.md").write_text("Papers: {papers}\nQuestion: {question}")
    assert render("p", tmp_path, papers="A {x}", question="Q") == "Papers: A {x}\nQuestion: Q"
    (tmp_path / "typo.md").write_text("Papers: {paper}\nQuestion: {question}")
    with pytest.raises(PromptError) as caught:
        render("typo", tmp_path, papers="A", question="Q")
    message = str(caught.value)
    assert "typo.md" in message and "{paper}" in message and "{papers}" in message and "\n" not in message


def test_the_split_is_seeded_stable_and_about_half() -> None:
    ids = [f"case-{i}" for i in range(400)]
    first = [split_of(i) for i in ids]
    assert first == [split_of(i) for i in ids]  # a pure function of the id
    assert 150 < first.count("test") < 250
    assert split_of("topic-01", seed=1) in ("test", "tuning")


def test_summary_metric_names_are_typed() -> None:
    assert is_known_metric("retrieval.hybrid.recall@10") and is_known_metric("answer.list_precision")
    assert is_known_metric("by_type.topic.citation_f1") and is_known_metric("latency.total.p95")
    assert not is_known_metric("answer.citation_f2") and not is_known_metric("retrieval.recall@10")
    summary = Summary.model_validate({"retrieval": {"bm25": {"recall@10": 0.5}}})
    assert summary.metric("retrieval.bm25.recall@10") == 0.5 and summary.metric("answer.citation_f1") is None
    with pytest.raises(KeyError):
        summary.metric("retrieval.dense.recall@10")


def test_math_in_abstracts_reads_as_text() -> None:
    assert math_to_text("regret Omega(T^{2/3}) and mathcal O(K^{2/3})") == "regret Ω(T²ᐟ³) and 𝒪(K²ᐟ³)"
    assert math_to_text("an O(varepsilon)-optimal policy, x_1") == "an O(ε)-optimal policy, x₁"
    assert math_to_text("a beta version of the alphabet") == "a beta version of the alphabet"
    assert math_to_text("<script>alert(1)</script>") == "<script>alert(1)</script>"  # escaping stays the UI's


def test_open_assistant_builds_the_index_on_first_use(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Daily Papers\n\nOtter Tool Use in Kelp Forests\n\n"
        "We observe otters using stones as tools.\n\nMar 3, 2025\n"
    )
    said: list[str] = []
    settings = Settings(data_dir=tmp_path / "data", corpus=[folder])
    assistant = open_assistant(settings, say=said.append, embedder=embedder)
    assert len(assistant.index.papers) == 1 and any("first use" in m for m in said)
    assert not assistant.needs_evidence() and not assistant.evidence_file.exists()  # stored by the ingest
    said.clear()
    again = open_assistant(settings, say=said.append, embedder=embedder)  # nothing to build or embed again
    assert len(again.index.papers) == 1 and said == []
