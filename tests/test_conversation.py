"""Follow-ups without a model: filters read from the question, narrowing to the previous answer's papers."""

from __future__ import annotations

import pytest

from rag.answering.conversation import (
    accept_condensed,
    extract_filters,
    history_text,
    is_followup,
    merge_filters,
    resolve,
    stated_month,
)
from rag.models import Answer, Citation, SearchFilters, Turn


def turn(
    question: str, cited: list[str], text: str = "An answer [1].", standalone: str | None = None
) -> Turn:
    citations = [Citation(n=i, paper_id=p, title=p.title()) for i, p in enumerate(cited, start=1)]
    return Turn(
        question=question,
        answer=Answer(
            question=question,
            text=text,
            citations=citations,
            backend="extractive",
            standalone_question=standalone,
        ),
    )


@pytest.mark.parametrize(
    ("question", "expected", "rest"),
    [
        (
            "Which papers prove regret lower bounds since 2024?",
            {"year_from": 2024},
            "Which papers prove regret lower bounds ?",
        ),
        ("Papers on bandits after 2023", {"year_from": 2024}, "Papers on bandits"),
        ("Papers on bandits from 2023 onwards", {"year_from": 2023}, "Papers on bandits"),
        (
            "papers on diffusion published in 2025",
            {"year_from": 2025, "year_to": 2025},
            "papers on diffusion",
        ),
        ("of those, which are from 2025?", {"year_from": 2025, "year_to": 2025}, "of those, which are ?"),
        (
            "Which 2025 papers study diffusion?",
            {"year_from": 2025, "year_to": 2025},
            "Which papers study diffusion?",
        ),
        ("Papers before 2023 on bandits", {"year_to": 2022}, "Papers on bandits"),
        ("papers until 2023 on bandits", {"year_to": 2023}, "papers on bandits"),
        (
            "papers between 2021 and 2023 about diffusion",
            {"year_from": 2021, "year_to": 2023},
            "papers about diffusion",
        ),
        ("bandit papers from 2022-2024", {"year_from": 2022, "year_to": 2024}, "bandit papers"),
        ("Which CV papers use transformers?", {"category": "CV"}, "Which papers use transformers?"),
        (
            "Which computer vision papers use transformers?",
            {"category": "CV"},
            "Which papers use transformers?",
        ),
        (
            "Which machine learning papers are from 2024?",
            {"category": "LG", "year_from": 2024, "year_to": 2024},
            "Which papers are ?",
        ),
        (
            "Which papers are listed under the CV (computer vision) arXiv group?",
            {"category": "CV"},
            "Which papers are listed under the arXiv group?",
        ),
        ("Anything in cs.LG on optimizers?", {"category": "LG"}, "Anything in on optimizers?"),
        ("Which papers did Taiji Suzuki co-author?", {"author": "Taiji Suzuki"}, "Which papers ?"),
        ("Which papers list Eshaan Nichani as an author?", {"author": "Eshaan Nichani"}, "Which papers ?"),
        (
            "Which of Juno Kim's papers are listed in the ML group?",
            {"author": "Juno Kim", "category": "ML"},
            "Which of are listed group?",
        ),
    ],
)
def test_filters_stated_in_the_question(question: str, expected: dict, rest: str) -> None:
    filters, remainder = extract_filters(question)
    assert filters.model_dump(exclude_none=True) == expected
    assert remainder == rest


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2018 FIFA World Cup?",  # a year that names an event, not a publication date
        "What did Wies et al. (2023) show about parity?",  # a citation
        "By how much does speculative decoding speed up generation?",  # 'by' + lowercase is no author
        "What AI methods analyse gait?",  # 'AI' as an ordinary word is no category
        "How is machine learning used for crop yields?",  # a topic, not the LG group
        "What is the capital of Australia?",
    ],
)
def test_no_filter_where_none_was_stated(question: str) -> None:
    filters, remainder = extract_filters(question)
    assert filters.is_empty()
    assert remainder == question


def test_month_is_read_with_its_year() -> None:
    assert stated_month("Which papers in the collection are dated November 2025?") == 11
    assert stated_month("Which papers are from 2025?") is None


def test_merge_filters_intersects() -> None:
    explicit = SearchFilters(year_from=2022, category="LG", paper_ids=["a", "b", "c"])
    stated = SearchFilters(year_from=2024, year_to=2025, category="CV", paper_ids=["b", "c", "d"])
    merged = merge_filters(explicit, stated)
    assert merged == SearchFilters(year_from=2024, year_to=2025, category="LG", paper_ids=["b", "c"])
    assert merge_filters(None, SearchFilters()) is None
    assert merge_filters(SearchFilters(paper_ids=["a"]), SearchFilters(paper_ids=["b"])) == SearchFilters(
        paper_ids=[]
    )


def test_of_those_narrows_to_the_previous_citations_with_the_year() -> None:
    history = [turn("Which papers prove regret lower bounds?", ["tight-regret", "pomdp", "lmdp"])]
    resolved = resolve("Of those, which are from 2025?", history)
    assert resolved.followup and resolved.narrowed and resolved.listing
    assert resolved.filters == SearchFilters(
        year_from=2025, year_to=2025, paper_ids=["tight-regret", "pomdp", "lmdp"]
    )
    assert resolved.search_query == "Which papers prove regret lower bounds?"


def test_narrowing_keeps_a_new_topic_and_the_explicit_filters() -> None:
    history = [turn("Which papers study bandits?", ["a", "b"])]
    resolved = resolve(
        "Which of them use linear function approximation?", history, SearchFilters(category="LG")
    )
    assert resolved.narrowed and not resolved.listing
    assert resolved.filters == SearchFilters(category="LG", paper_ids=["a", "b"])
    assert "linear function approximation" in resolved.search_query


def test_what_about_a_year_reruns_the_previous_question_without_narrowing() -> None:
    history = [turn("Which papers study grokking?", ["g"], standalone="Which papers study grokking?")]
    resolved = resolve("What about 2023?", history)
    assert resolved.followup and not resolved.narrowed and not resolved.listing
    assert resolved.search_query == "Which papers study grokking?"
    assert resolved.filters == SearchFilters(year_from=2023, year_to=2023)


def test_a_new_question_is_no_followup() -> None:
    history = [turn("Which papers study grokking?", ["g"])]
    assert not is_followup("Which papers study speculative decoding?", history)
    assert not is_followup("Of those, which are from 2025?", [])
    resolved = resolve("Which papers study speculative decoding?", history)
    assert resolved.search_query == "Which papers study speculative decoding?" and resolved.filters is None


def test_previous_answer_without_citations_does_not_narrow() -> None:
    history = [turn("What is the boiling point of water on Mars?", [])]
    resolved = resolve("And of those, which are from 2024?", history)
    assert resolved.followup and not resolved.narrowed
    assert resolved.filters == SearchFilters(year_from=2024, year_to=2024)


def test_a_metadata_only_question_is_a_listing() -> None:
    resolved = resolve("Which papers by Juno Kim appeared in 2025?")
    assert resolved.listing and resolved.filters == SearchFilters(
        year_from=2025, year_to=2025, author="Juno Kim"
    )
    assert not resolve("Which papers by Juno Kim study transformers?").listing


def test_condensed_question_is_checked() -> None:
    assert (
        accept_condensed("Standalone question: Which regret papers are from 2025?", "of those, 2025?")
        == "Which regret papers are from 2025?"
    )
    assert accept_condensed("   ", "q") is None
    assert accept_condensed("x" * 5000, "short question") is None
    assert accept_condensed("?? !!", "question") is None


def test_history_text_is_short() -> None:
    history = [turn(f"question {i}", ["p"], text="word " * 500) for i in range(5)]
    text = history_text(history)
    assert "question 0" not in text and "question 4" in text
    assert len(text) < 3 * 450
