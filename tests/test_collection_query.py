"""Metadata questions over the real parsed bundled corpus: parsing, exact execution, answers, `rag papers`."""

from __future__ import annotations

import calendar
import json
import re
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from eval.metadata_gold import OUT, QUESTIONS, build_cases, load_corpus, stated_authors, topic_ids
from eval.schema import QACase, load_cases
from rag.cli import EXIT_ERROR, app
from rag.collection import CollectionQuery, parse_collection_query, run_query
from rag.collection.names import name_key, same_person
from rag.collection.render import compose_collection_answer
from rag.indexing.index import PaperIndex
from rag.models import Paper
from rag.parsing import normalize_title
from rag.parsing.common import MONTH_NAMES

runner = CliRunner()
CASES = load_cases(OUT)
TOPIC_OF = {q.id: q.topic for q in QUESTIONS}


@pytest.fixture(scope="module")
def corpus() -> list[Paper]:
    return load_corpus()


@pytest.fixture(scope="module")
def by_title(corpus: list[Paper]) -> dict[str, Paper]:
    return {normalize_title(p.title): p for p in corpus}


def ids(by_title: dict[str, Paper], titles: list[str]) -> set[str]:
    return {by_title[normalize_title(t)].id for t in titles}


# --- the gold file ----------------------------------------------------------------------------------------


def test_gold_file_is_what_the_script_writes(corpus: list[Paper]) -> None:
    written = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in build_cases(corpus))
    assert OUT.read_text(encoding="utf-8") == written
    assert len(CASES) >= 20 and all(c.type == "metadata" for c in CASES)
    assert sum(1 for q in QUESTIONS if q.topic) >= 3


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_metadata_question_runs_to_its_gold_set(
    case: QACase, corpus: list[Paper], by_title: dict[str, Paper]
) -> None:
    """Exact-set F1 = 1: the parsed query, run over the whole corpus, returns exactly the gold papers."""
    categories = {p.category for p in corpus if p.category}
    query = parse_collection_query(case.question, categories=categories, papers=corpus)
    assert query is not None, case.question
    assert query.unused == [], query.unused  # every word of these questions is read
    topic_key = TOPIC_OF[case.id]
    assert (query.topic is not None) == (topic_key is not None), query.topic
    screened = topic_ids(topic_key, corpus) if topic_key else None
    result = run_query(query, corpus, screened)
    assert set(result.paper_ids) == ids(by_title, case.gold_titles)
    answer = compose_collection_answer(query, result, corpus)
    for fact in case.key_facts:
        assert fact in answer.text, (fact, answer.text[:300])
    assert {s.paper_id for s in answer.sources} == set(result.paper_ids)


# --- the parser ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "which papers were posted in November 2025?",
            {"date_from": date(2025, 11, 1), "date_to": date(2025, 11, 30)},
        ),
        ("Papers dated Nov 2025", {"date_from": date(2025, 11, 1), "date_to": date(2025, 11, 30)}),
        ("papers posted November 2025", {"date_from": date(2025, 11, 1), "date_to": date(2025, 11, 30)}),
        (
            "how many papers from 2024?",
            {"date_from": date(2024, 1, 1), "date_to": date(2024, 12, 31), "aggregate": "count"},
        ),
        (
            "Which papers appeared between 2021 and 2023?",
            {"date_from": date(2021, 1, 1), "date_to": date(2023, 12, 31)},
        ),
        (
            "papers from March 2024 to June 2025",
            {"date_from": date(2024, 3, 1), "date_to": date(2025, 6, 30)},
        ),
        ("papers posted after October 2025", {"date_from": date(2025, 11, 1)}),
        ("papers posted before June 2022", {"date_to": date(2022, 5, 31)}),
        ("papers up to 2022", {"date_to": date(2022, 12, 31)}),
        ("Which papers are from 2023 onwards?", {"date_from": date(2023, 1, 1)}),
        ("papers posted on Nov 8, 2025", {"date_from": date(2025, 11, 8), "date_to": date(2025, 11, 8)}),
        ("Which papers were posted in March?", {"month": 3}),
        (
            "Which papers appeared in 2021 and 2025?",
            {"years": [2021, 2025], "aggregate": "group", "group_by": "year"},
        ),
        ("which papers carry the CV category?", {"category": "CV"}),
        ("Which computer vision papers are there?", {"category": "CV"}),
        ("Which papers are in the cs.LG group?", {"category": "LG"}),
        ("Which papers did Taiji Suzuki co-author?", {"author": "Taiji Suzuki"}),
        ("Which papers list Eshaan Nichani as an author?", {"author": "Eshaan Nichani"}),
        ("papers by J. Kim", {"author": "J. Kim"}),
        (
            "which of Juno Kim's papers are single-authored, and when were they posted?",
            {"author": "Juno Kim", "min_authors": 1, "max_authors": 1},
        ),
        ("Which papers have a single author?", {"min_authors": 1, "max_authors": 1}),
        (
            "Which papers did Juno Kim write alone?",
            {"author": "Juno Kim", "min_authors": 1, "max_authors": 1},
        ),
        ("Which papers have nine authors?", {"min_authors": 9, "max_authors": 9}),
        ("papers with at least 8 authors", {"min_authors": 8}),
        ("papers with more than 8 authors", {"min_authors": 9}),
        ("papers with fewer than 3 authors", {"max_authors": 2}),
        ("papers with 3 or fewer authors", {"max_authors": 3}),
        ("Which papers have between 5 and 7 authors?", {"min_authors": 5, "max_authors": 7}),
        ("Which papers have code?", {"has_code": True}),
        ("papers with code available", {"has_code": True}),
        ("papers with at least 2 upvotes", {"min_upvotes": 2}),
        ("papers with more than 2 upvotes", {"min_upvotes": 3}),
        ("Which papers got upvotes?", {"min_upvotes": 1}),
        ("What are the 3 most upvoted papers?", {"sort": "upvotes", "descending": True, "limit": 3}),
        ("top 5 papers by upvotes", {"sort": "upvotes", "descending": True, "limit": 5}),
        ("the five most recent papers", {"sort": "date", "descending": True, "limit": 5}),
        ("the 2 oldest papers", {"sort": "date", "limit": 2}),
        ("Which paper is the most upvoted?", {"aggregate": "max", "measure": "upvotes"}),
        ("which paper has the largest author team?", {"aggregate": "max", "measure": "author_count"}),
        (
            "Which paper in the collection has the largest stated number of authors, and how many are there?",
            {"aggregate": "max", "measure": "author_count"},
        ),
        ("Which paper has the fewest authors?", {"aggregate": "min", "measure": "author_count"}),
        ("What is the earliest-dated paper in the collection?", {"aggregate": "min", "measure": "date"}),
        ("Which paper was posted most recently?", {"aggregate": "max", "measure": "date"}),
        ("How many papers were posted each year?", {"aggregate": "group", "group_by": "year"}),
        ("papers per month", {"aggregate": "group", "group_by": "month"}),
        ("How many papers are there per category?", {"aggregate": "group", "group_by": "category"}),
        ("How many papers are in the ML group?", {"category": "ML", "aggregate": "count"}),
        (
            "Juno Kim's papers sorted by date, newest first",
            {"author": "Juno Kim", "sort": "date", "descending": True},
        ),
        (
            "KAN papers from 2024 and 2025",
            {
                "date_from": date(2024, 1, 1),
                "date_to": date(2025, 12, 31),
                "topic": "KAN",
                "aggregate": "group",
                "group_by": "year",
            },
        ),
        (
            "Which diffusion model papers were posted in 2024?",
            {"date_from": date(2024, 1, 1), "date_to": date(2024, 12, 31), "topic": "diffusion model"},
        ),
        ("How many papers study bandits?", {"aggregate": "count", "topic": "bandits"}),
    ],
)
def test_parser_reads_the_metadata(question: str, expected: dict[str, object]) -> None:
    query = parse_collection_query(question)
    assert query is not None, question
    assert query.model_dump(exclude_defaults=True) == expected


@pytest.mark.parametrize(
    "question",
    [
        "which papers prove regret lower bounds?",
        "Which papers study the latest advances in diffusion?",  # 'latest' qualifies no paper
        "Which papers generate code?",  # code as a topic
        "How many authors does the FireQ paper have?",  # one paper's metadata: retrieval finds the paper
        "When was the OReX paper on object reconstruction from planar cross-sections listed?",
        "Who are the authors of Mirror Mean-Field Langevin Dynamics?",
        "How many sequences does the gait dataset contain?",
        "Who won the 2018 FIFA World Cup?",
        "What AI methods analyse gait?",
        "Which KAN papers are there?",  # a topic only: the pipeline's retrieval answers it
        "Is there work showing that models trained on their own generated outputs stop degrading?",
        "Which methods work alone, without supervision?",
    ],
)
def test_topic_and_fact_questions_are_no_collection_query(question: str) -> None:
    assert parse_collection_query(question) is None


def test_every_month_and_year_phrasing_gives_that_month() -> None:
    for year in (2019, 2024, 2025):
        for number, name in enumerate(MONTH_NAMES, start=1):
            for template in (
                "Which papers were posted in {m} {y}?",
                "papers dated {m} {y}",
                "{m} {y} papers?",
            ):
                question = template.format(m=name.capitalize(), y=year)
                query = parse_collection_query(question)
                if template.startswith(
                    "{m}"
                ):  # "November 2025 papers" is read as the year by conversation.py
                    assert query is not None and query.date_from is not None and query.date_from.year == year
                    continue
                assert query is not None, question
                last = calendar.monthrange(year, number)[1]
                assert (query.date_from, query.date_to) == (date(year, number, 1), date(year, number, last))
                assert query.topic is None, question


def test_author_counts_in_words_and_digits() -> None:
    words = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
    ]
    for n, word in enumerate(words, start=1):
        for said in (word, str(n)):
            query = parse_collection_query(f"Which papers have exactly {said} authors?")
            assert query is not None and (query.min_authors, query.max_authors) == (n, n)
            query = parse_collection_query(f"How many papers have at least {said} authors?")
            assert query is not None and (query.min_authors, query.aggregate) == (n, "count")


def test_describe_says_the_query_in_words() -> None:
    assert parse_collection_query("which papers were posted in November 2025?").describe() == (  # type: ignore[union-attr]
        "papers dated November 2025"
    )
    query = parse_collection_query("How many of Juno Kim's papers are in the LG group?")
    assert query is not None and query.describe() == "number of papers in the LG group by Juno Kim"
    assert CollectionQuery(date_from=date(2024, 3, 7)).describe() == "papers dated Mar 7, 2024 or later"


def test_inconsistent_queries_are_refused() -> None:
    with pytest.raises(ValueError, match="min_authors"):
        CollectionQuery(min_authors=5, max_authors=2)
    with pytest.raises(ValueError, match="measure"):
        CollectionQuery(aggregate="max")
    with pytest.raises(ValueError):
        CollectionQuery(month=13)
    with pytest.raises(ValueError):
        CollectionQuery(colour="red")  # type: ignore[call-arg]


# --- execution ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "listed", "same"),
    [
        ("J. Kim", "Juno Kim", True),
        ("juno kim", "Juno Kim", True),
        ("Kim", "Juno Kim", True),
        ("Kim, Juno", "Juno Kim", True),
        ("Juno Kim", "J. Kim", True),
        ("Jason Lee", "Jason D. Lee", True),
        ("Jason D. Lee", "Jason Lee", True),
        ("Frechet", "Maurice Fréchet", True),
        ("Ahmedt-Aristizabal", "David Ahmedt-Aristizabal", True),
        ("Jo Kim", "Juno Kim", False),
        ("J. Park", "Juno Kim", False),
        ("Juno Kimura", "Juno Kim", False),
        ("Jason E. Lee", "Jason D. Lee", False),
        ("Kim Juno", "Juno Kim", False),
    ],
)
def test_tolerant_author_names(asked: str, listed: str, same: bool) -> None:
    assert same_person(name_key(asked), name_key(listed)) is same


def test_author_spellings_find_the_same_papers(corpus: list[Paper]) -> None:
    plain = {p.id for p in corpus if "Juno Kim" in p.authors}
    assert len(plain) >= 10
    for spelling in ("Juno Kim", "J. Kim", "JUNO KIM", "Júno Kim"):
        assert set(run_query(CollectionQuery(author=spelling), corpus).paper_ids) == plain, spelling
    lee = set(run_query(CollectionQuery(author="Jason Lee"), corpus).paper_ids)
    assert {p.id for p in corpus if {"Jason Lee", "Jason D. Lee"} & set(p.authors)} == lee and len(lee) == 2


def test_unknown_counts_papers_without_the_needed_field(corpus: list[Paper]) -> None:
    no_count = sum(1 for p in corpus if stated_authors(p) is None)
    result = run_query(CollectionQuery(aggregate="max", measure="author_count"), corpus)
    assert result.unknown == no_count == result.missing["author_count"] and no_count > 0
    no_year = sum(1 for p in corpus if p.published is None and not re.search(r"\d{4}", p.date_text or ""))
    result = run_query(CollectionQuery(date_from=date(2025, 11, 1), date_to=date(2025, 11, 30)), corpus)
    assert result.unknown == no_year and result.matched == 2
    text = compose_collection_answer(result.query, result, corpus).text
    assert text.startswith("Papers dated November 2025: 2.")
    assert f"{no_year} papers could not be judged" in text and "no date with a year" in text
    assert run_query(CollectionQuery(), corpus).unknown == 0


def _paper(title: str, **fields: object) -> Paper:
    return Paper(id=title.lower(), title=title, abstract="An abstract.", **fields)  # type: ignore[arg-type]


def test_et_al_lists_bound_the_author_count() -> None:
    papers = [
        _paper("Two", author_count=2),
        _paper("Unstated"),
        _paper("Cut", authors=["A B", "C D", "E F"], authors_truncated=True),
        _paper("Full", authors=["A B", "C D", "E F"]),
    ]
    at_least_4 = run_query(CollectionQuery(min_authors=4), papers)
    assert at_least_4.paper_ids == ["cut"] and at_least_4.unknown == 1
    at_most_3 = run_query(CollectionQuery(max_authors=3), papers)
    assert set(at_most_3.paper_ids) == {"two", "full"} and at_most_3.missing == {"author_count": 1}
    exactly_4 = run_query(CollectionQuery(min_authors=4, max_authors=4), papers)
    assert exactly_4.paper_ids == [] and exactly_4.unknown == 2  # 'Cut' may have 4 authors or more


def test_partial_dates_are_used_when_they_decide() -> None:
    papers = [
        _paper("Year only", date_text="2020"),
        _paper("Month only", date_text="Mar 27"),
        _paper("Month and year", date_text="Mar 2020"),
        _paper("Full", published=date(2020, 3, 5), date_text="Mar 5, 2020"),
    ]
    in_2020 = run_query(CollectionQuery(date_from=date(2020, 1, 1), date_to=date(2020, 12, 31)), papers)
    assert set(in_2020.paper_ids) == {"year only", "month and year", "full"} and in_2020.unknown == 1
    march_2020 = run_query(CollectionQuery(date_from=date(2020, 3, 1), date_to=date(2020, 3, 31)), papers)
    assert set(march_2020.paper_ids) == {"month and year", "full"} and march_2020.unknown == 2
    any_march = run_query(CollectionQuery(month=3), papers)
    assert set(any_march.paper_ids) == {"month only", "month and year", "full"}


def test_superlatives_keep_ties_and_counts_are_computed(corpus: list[Paper]) -> None:
    latest = run_query(CollectionQuery(aggregate="max", measure="date"), corpus)
    newest = max(p.published for p in corpus if p.published)
    assert latest.extreme == newest
    assert (
        set(latest.paper_ids) == {p.id for p in corpus if p.published == newest}
        and len(latest.paper_ids) == 2
    )
    text = compose_collection_answer(latest.query, latest, corpus).text
    assert "2 papers tied" in text and "[1]" in text and "[2]" in text
    groups = run_query(CollectionQuery(aggregate="group", group_by="year"), corpus)
    assert list(groups.groups) == sorted(groups.groups)
    assert {k: len(v) for k, v in groups.groups.items()} == {
        str(y): sum(1 for p in corpus if p.published and p.published.year == y)
        for y in {p.published.year for p in corpus if p.published}
    }


def test_topic_filter_restricts_before_counting(corpus: list[Paper]) -> None:
    kan = topic_ids("kan", corpus)
    as_ids = run_query(CollectionQuery(aggregate="count"), corpus, kan)
    as_predicate = run_query(CollectionQuery(aggregate="count"), corpus, lambda p: p.id in kan)
    assert as_ids.matched == as_predicate.matched == as_ids.screened == len(kan) == 4


def test_long_answers_are_a_table_with_one_citation_per_row(corpus: list[Paper]) -> None:
    query = CollectionQuery(min_authors=4, aggregate="count")
    result = run_query(query, corpus)
    answer = compose_collection_answer(query, result, corpus)
    rows = [line for line in answer.text.splitlines() if re.match(r"\| \[\d+\] \|", line)]
    assert len(rows) == len(answer.sources) == result.matched > 13
    assert [s.n for s in answer.sources] == list(range(1, result.matched + 1))
    assert answer.text.startswith(f"Number of papers with at least 4 authors: {result.matched}.")


def test_no_match_says_so(corpus: list[Paper]) -> None:
    query = CollectionQuery(date_from=date(2030, 1, 1))
    answer = compose_collection_answer(query, run_query(query, corpus), corpus)
    assert "0 — no paper in the collection matches" in answer.text and answer.sources == []


# --- rag papers --------------------------------------------------------------------------------------


def _titles(args: list[str]) -> list[str]:
    result = runner.invoke(app, ["papers", *args, "--json"])
    assert result.exit_code == 0, result.output
    return [row["title"] for row in json.loads(result.stdout)]


def test_papers_command_filters_sorts_and_limits(on_corpus: PaperIndex, by_title: dict[str, Paper]) -> None:
    cases = {c.id: c for c in CASES}
    assert set(_titles(["--year", "2025", "--month", "11"])) == set(cases["meta-month"].gold_titles)
    assert set(_titles(["--year", "2025", "--author", "J. Kim"])) == set(
        cases["meta-author-initial"].gold_titles
    )
    assert set(_titles(["--category", "cv"])) == set(cases["meta-category"].gold_titles)
    assert set(_titles(["--min-authors", "5", "--max-authors", "7"])) == set(
        cases["meta-author-range"].gold_titles
    )
    assert set(_titles(["--month", "Mar"])) == set(cases["meta-any-march"].gold_titles)
    assert _titles(["--sort", "upvotes", "--limit", "2"]) == cases["meta-top-upvoted"].gold_titles
    everything = _titles(["--sort", "date"])
    assert len(everything) == len(on_corpus.papers)
    dates = [by_title[normalize_title(t)].published for t in everything]
    known = [d for d in dates if d is not None]
    assert known == sorted(known) and dates[: len(known)] == known  # undated last
    assert _titles([]) == sorted(everything, key=str.casefold)
    plain = runner.invoke(app, ["papers", "--min-authors", "9", "--max-authors", "9"])
    assert plain.exit_code == 0 and len(plain.stdout.splitlines()) == 3
    assert "could not be judged and are left out" in plain.stderr and "no author count" in plain.stderr


@pytest.mark.parametrize(
    ("args", "culprit"),
    [
        (["--sort", "size"], "--sort"),
        (["--month", "13"], "--month"),
        (["--month", "Brumaire"], "--month"),
        (["--min-authors", "5", "--max-authors", "2"], "--min-authors"),
        (["--limit", "0"], "--limit"),
        (["--year", "25"], "--year"),
    ],
)
def test_papers_command_bad_values_are_one_line_errors(args: list[str], culprit: str) -> None:
    result = runner.invoke(app, ["papers", *args])
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.strip().count("\n") == 0 and culprit in result.stderr


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which papers came out in March, regardless of the year?", {"month": 3}),
        ("papers from October in any year", {"month": 10}),
        (
            "How many single-authour papers are there?",
            {"min_authors": 1, "max_authors": 1, "aggregate": "count"},
        ),
        ("any paper with a dozen authors or more?", {"min_authors": 12}),
        ("papers with 3 authors or fewer", {"max_authors": 3}),
        ("how many papers are in each arXiv category?", {"aggregate": "group", "group_by": "category"}),
        (
            "how were the 2023 papers spread across the months?",
            {
                "date_from": date(2023, 1, 1),
                "date_to": date(2023, 12, 31),
                "aggregate": "group",
                "group_by": "month",
            },
        ),
        (
            "papers from 2024 that aren't in cs.LG",
            {
                "date_from": date(2024, 1, 1),
                "date_to": date(2024, 12, 31),
                "category": "LG",
                "not_category": True,
            },
        ),
        (
            "Juno Kim's papers that are NOT in stat.ML",
            {"category": "ML", "not_category": True, "author": "Juno Kim"},
        ),
        ("papers outside the computer vision category", {"category": "CV", "not_category": True}),
    ],
)
def test_parser_reads_any_year_typos_postfix_bounds_groups_and_exclusions(
    question: str, expected: dict[str, object]
) -> None:
    query = parse_collection_query(question)
    assert query is not None, question
    assert query.model_dump(exclude_defaults=True, exclude={"unused"}) == expected


def test_the_past_year_counts_back_twelve_months_from_the_newest_paper(corpus: list[Paper]) -> None:
    newest = max(p.published for p in corpus if p.published)
    query = parse_collection_query("Number of papers from the past year?", papers=corpus)
    assert query is not None and query.aggregate == "count"
    assert query.date_to == newest
    assert query.date_from == date(newest.year - 1, newest.month, newest.day) + timedelta(days=1)


def test_an_excluded_group_keeps_other_groups_and_leaves_unknown_ones_out(corpus: list[Paper]) -> None:
    result = run_query(CollectionQuery(category="LG", not_category=True), corpus)
    chosen = {p.id: p for p in corpus if p.id in set(result.paper_ids)}
    assert chosen and all(p.category not in (None, "LG") for p in chosen.values())
    assert len(chosen) == sum(1 for p in corpus if p.category not in (None, "LG"))
    assert result.unknown == sum(1 for p in corpus if p.category is None)
    assert "not in the LG group" in CollectionQuery(category="LG", not_category=True).describe()
