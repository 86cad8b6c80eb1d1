"""Questions about one paper's listing (authors, count, date, group, upvotes), on the real bundled index."""

from __future__ import annotations

import random

import pytest

from rag.answering.pipeline import Assistant
from rag.collection.execute import exact_author_count
from rag.collection.fields import parse_field_question
from rag.indexing.index import PaperIndex
from rag.models import Answer, Paper, SearchFilters
from rag.retrieval.filters import matches


@pytest.fixture(scope="module")
def assistant(corpus_index: PaperIndex) -> Assistant:
    return Assistant(corpus_index.settings, index=corpus_index)


def ask(assistant: Assistant, question: str) -> Answer:
    answers = [a for a in assistant.stream(question, backend="extractive") if isinstance(a, Answer)]
    assert len(answers) == 1
    return answers[0]


@pytest.mark.parametrize(
    ("question", "fields", "reference"),
    [
        ("How many authors does the FireQ paper have?", ["author_count"], "FireQ"),
        (
            "How many upvotes does the Kolmogorov-Arnold Attention listing show?",
            ["upvotes"],
            "Kolmogorov-Arnold Attention",
        ),
        (
            "Who are the authors of Mirror Mean-Field Langevin Dynamics?",
            ["authors"],
            "Mirror Mean-Field Langevin Dynamics",
        ),
        ("Who wrote the OReX paper?", ["authors"], "OReX"),
        (
            "When was the OReX paper on planar cross-sections posted?",
            ["date"],
            "OReX paper on planar cross-sections",
        ),
        (
            "How many authors does the grokking paper have, and in which year was it listed?",
            ["author_count", "date"],
            "grokking",
        ),
        ("Which group is the gait dataset paper listed under?", ["category"], "gait dataset"),
    ],
)
def test_field_questions_name_the_field_and_the_paper(
    question: str, fields: list[str], reference: str
) -> None:
    asked = parse_field_question(question)
    assert asked is not None
    assert asked.fields == fields
    assert asked.reference == reference


@pytest.mark.parametrize(
    "question",
    [
        "What accuracy did the gait-video paper report?",
        "Which papers prove regret lower bounds?",
        "How many papers are dated 2025?",
        "When does grokking happen?",
        "How many layers does the model use?",
    ],
)
def test_other_questions_are_no_field_question(question: str) -> None:
    assert parse_field_question(question) is None


def _sample(papers: list[Paper], n: int) -> list[Paper]:
    return random.Random(7).sample(papers, min(n, len(papers)))


def test_author_counts_come_from_the_catalog_and_cite_that_paper(
    assistant: Assistant, corpus_index: PaperIndex
) -> None:
    counted = [p for p in corpus_index.papers.values() if exact_author_count(p)]
    for paper in _sample(counted, 8):
        answer = ask(assistant, f"How many authors does {paper.title} have?")
        assert not answer.abstained
        assert [c.paper_id for c in answer.citations] == [paper.id]
        count = exact_author_count(paper)
        assert f"{count} author" in answer.text


def test_dates_and_upvotes_come_from_the_catalog(assistant: Assistant, corpus_index: PaperIndex) -> None:
    dated = [p for p in corpus_index.papers.values() if p.date_text]
    for paper in _sample(dated, 5):
        answer = ask(assistant, f"When was {paper.title} posted?")
        assert [c.paper_id for c in answer.citations] == [paper.id]
        assert paper.date_text and paper.date_text in answer.text
    unvoted = [p for p in corpus_index.papers.values() if p.upvotes is None]
    paper = _sample(unvoted, 1)[0]
    answer = ask(assistant, f"How many upvotes does {paper.title} show?")
    assert "no upvote count" in answer.text
    assert [c.paper_id for c in answer.citations] == [paper.id]


def test_a_paper_the_collection_lacks_is_declined(assistant: Assistant) -> None:
    answer = ask(assistant, "Who wrote the paper on lattice simulations of quantum chromodynamics?")
    assert answer.abstained
    assert not answer.citations and answer.nearest
    # declined for want of the named paper, not answered from whatever abstract is nearest
    assert "No paper in the collection matches “paper on lattice simulations" in answer.text


def test_author_filters_match_initials_and_substrings(corpus_index: PaperIndex) -> None:
    papers = list(corpus_index.papers.values())
    full = {p.id for p in papers if matches(p, SearchFilters(author="Juno Kim"))}
    assert full
    assert {p.id for p in papers if matches(p, SearchFilters(author="J. Kim"))} >= full
    assert {p.id for p in papers if matches(p, SearchFilters(author="kim"))} >= full
    assert not any(matches(p, SearchFilters(author="Q. Kim")) and p.id in full for p in papers)
