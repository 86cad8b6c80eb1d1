"""eval.metrics on hand-computed cases: retrieval, citations, key facts, abstention and aggregation."""

from __future__ import annotations

import math

import pytest

from eval.metrics import (
    abstention_scores,
    aggregate_metrics,
    citation_prf,
    dedupe_ranked,
    fact_present,
    key_fact_recall,
    mean_ignoring_none,
    mrr,
    ndcg_at_k,
    normalize_text,
    recall_at_k,
)
from eval.results import QuestionResult, summarize

LOG2_3 = math.log2(3)

# ------------------------------------------------------------------------------------------- retrieval


def test_dedupe_keeps_first_occurrence() -> None:
    assert dedupe_ranked(["a", "b", "a", "c", "b"]) == ["a", "b", "c"]
    assert dedupe_ranked([]) == []


def test_recall_at_k_counts_distinct_papers() -> None:
    ranked = ["x", "x", "g1", "x", "y", "g2"]  # distinct: x, g1, y, g2
    gold = {"g1", "g2"}
    assert recall_at_k(ranked, gold, 1) == 0.0
    assert recall_at_k(ranked, gold, 2) == 0.5  # without de-duplication the top 2 would be x, x
    assert recall_at_k(ranked, gold, 3) == 0.5
    assert recall_at_k(ranked, gold, 4) == 1.0
    assert recall_at_k(ranked, gold, 100) == 1.0


def test_recall_at_k_with_more_gold_than_k_and_empty_gold() -> None:
    assert recall_at_k(["a", "b"], {"a", "b", "c", "d"}, 2) == 0.5
    assert recall_at_k(["a", "b"], set(), 5) is None
    assert recall_at_k([], {"a"}, 5) == 0.0
    with pytest.raises(ValueError):
        recall_at_k(["a"], {"a"}, 0)


def test_ndcg_hand_computed() -> None:
    # relevant at ranks 2 and 3: DCG = 1/log2(3) + 1/log2(4); ideal = 1 + 1/log2(3)
    expected = (1 / LOG2_3 + 0.5) / (1 + 1 / LOG2_3)
    assert ndcg_at_k(["x", "g1", "g2"], {"g1", "g2"}, 3) == pytest.approx(expected)
    assert expected == pytest.approx(0.693426, abs=1e-6)
    # duplicates are removed before ranks are assigned
    assert ndcg_at_k(["x", "x", "g1", "g1", "g2"], {"g1", "g2"}, 3) == pytest.approx(expected)
    # k cuts the list: only g1 at rank 2 counts, ideal over min(2, 2) positions
    assert ndcg_at_k(["x", "g1", "g2"], {"g1", "g2"}, 2) == pytest.approx((1 / LOG2_3) / (1 + 1 / LOG2_3))


def test_ndcg_perfect_empty_and_more_gold_than_k() -> None:
    assert ndcg_at_k(["g1", "g2", "x"], {"g1", "g2"}, 5) == pytest.approx(1.0)
    # ideal DCG uses min(|gold|, k) = 2 positions, so a perfect top-2 scores 1 with 4 gold papers
    assert ndcg_at_k(["a", "b"], {"a", "b", "c", "d"}, 2) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], {"g"}, 2) == 0.0
    assert ndcg_at_k(["x"], set(), 3) is None
    # single gold at rank 3
    assert ndcg_at_k(["x", "y", "g"], {"g"}, 3) == pytest.approx(0.5)


def test_mrr() -> None:
    assert mrr(["g", "x"], {"g"}) == 1.0
    assert mrr(["x", "x", "y", "g"], {"g", "h"}) == pytest.approx(1 / 3)  # distinct ranks: x=1, y=2, g=3
    assert mrr(["x", "y"], {"g"}) == 0.0
    assert mrr([], {"g"}) == 0.0
    assert mrr(["x"], set()) is None


# ------------------------------------------------------------------------------------------- citations


def test_citation_prf_regular_case() -> None:
    p, r, f = citation_prf(["g1", "x"], {"g1", "g2"})
    assert (p, r, f) == (0.5, 0.5, 0.5)
    p, r, f = citation_prf(["g1", "g2"], {"g1", "g2", "g3"})
    assert p == 1.0 and r == pytest.approx(2 / 3) and f == pytest.approx(0.8)


def test_citation_prf_acceptable_is_neither_hit_nor_false_positive() -> None:
    # a1 is removed from the cited set: C = {g1, x}
    assert citation_prf(["g1", "a1", "x"], {"g1", "g2"}, {"a1"}) == (0.5, 0.5, 0.5)
    # without the acceptable list a1 would be a false positive
    p, _, _ = citation_prf(["g1", "a1", "x"], {"g1", "g2"})
    assert p == pytest.approx(1 / 3)
    # only acceptable papers cited: nothing left to judge
    assert citation_prf(["a1"], {"g1"}, {"a1"}) == (None, 0.0, 0.0)


def test_citation_prf_title_both_gold_and_acceptable_counts_as_gold() -> None:
    assert citation_prf(["g1"], {"g1"}, {"g1"}) == (1.0, 1.0, 1.0)


def test_citation_prf_repeated_citations_count_once() -> None:
    p, r, f = citation_prf(["g1", "g1", "x", "x"], {"g1"})
    assert (p, r) == (0.5, 1.0) and f == pytest.approx(2 / 3)


def test_citation_prf_edge_cases() -> None:
    assert citation_prf([], set()) == (1.0, 1.0, 1.0)  # unanswerable, nothing cited
    assert citation_prf(["a1"], set(), {"a1"}) == (1.0, 1.0, 1.0)  # only an acceptable paper
    assert citation_prf(["x"], set()) == (0.0, 1.0, 0.0)  # unanswerable, wrong citation
    assert citation_prf([], {"g1"}) == (None, 0.0, 0.0)  # answerable, nothing cited
    assert citation_prf(["x", "y"], {"g1"}) == (0.0, 0.0, 0.0)  # all wrong


# ------------------------------------------------------------------------------------------- key facts


def test_normalize_text_rules() -> None:
    assert normalize_text("  GAVD   has\n1,874 Sequences ") == "gavd has 1874 sequences"
    assert normalize_text("1,234,567 and 94 % and 34.0\\%") == "1234567 and 94% and 34.0%"
    assert (
        normalize_text("25\u201335% \u2014 Simon\u2019s \u201cproblem\u201d 2\u00d7")
        == '25-35% - simon\'s "problem" 2x'
    )
    assert normalize_text("1, 2, 3 and 12,34") == "1, 2, 3 and 12,34"  # not thousands separators


def test_numbers_with_thousands_separators_match_both_ways() -> None:
    assert fact_present("The benchmark has 334000 pairs.", "334,000")
    assert fact_present("It contains 1,874 sequences.", "1874")
    assert fact_present("We generated 100,000 spectrograms.", "100000")
    assert not fact_present("It contains 1,875 sequences.", "1874")


def test_percent_spacing_latex_and_unicode_dashes() -> None:
    assert fact_present("detection of 94 % with TSN", "94%")
    assert fact_present("an accuracy of 34.0\\% on MATH500", "34.0%")
    assert fact_present("a 25\u201335% reduction", "25-35%")
    assert fact_present("1.68\u00d7 faster", "1.68x")


def test_partial_numbers_do_not_match() -> None:
    assert not fact_present("detection of 94%", "9")
    assert not fact_present("detection of 94%", "4%")  # '4%' inside '94%'
    assert not fact_present("a 1.55 dB gain", "1.5")
    assert not fact_present("a 1.55 dB gain", "55")  # decimal part of 1.55
    assert not fact_present("only 0.5% of tokens", "5%")
    assert not fact_present("trained on 128 GPUs", "12")
    assert fact_present("trained on 12 datasets", "12")
    assert fact_present("reached 94%, while SlowFast reached 92%.", "94%")
    assert fact_present("a 2.33x speed-up", "2.33")
    assert fact_present("ends with 1.5.", "1.5")  # a full stop is not a decimal point


def test_non_numeric_facts_are_normalized_substrings() -> None:
    assert fact_present("It uses Low-Rank Adaptation (LoRA).", "lora")
    assert fact_present("the  Tail-Average\nMargin", "tail-average margin")
    assert fact_present("Simon\u2019s problem", "Simon's problem")
    assert not fact_present("a transformer", "transformers")


def test_key_fact_recall_share_and_none() -> None:
    answer = "GAVD has 1,874 sequences; TSN reaches 94 % and SlowFast 9 out of 10."
    assert key_fact_recall(answer, ["1874", "94%", "92%"]) == pytest.approx(2 / 3)
    assert key_fact_recall(answer, ["1874"]) == 1.0
    assert key_fact_recall(answer, []) is None
    assert key_fact_recall("", ["94%"]) == 0.0


# ------------------------------------------------------------------------------------------- abstention


def test_abstention_scores() -> None:
    items = [(True, True), (True, False), (False, False), (False, True), (False, False)]
    accuracy, false_rate = abstention_scores(items)
    assert accuracy == 0.5
    assert false_rate == pytest.approx(1 / 3)
    assert abstention_scores([(True, True)]) == (1.0, None)
    assert abstention_scores([(False, False)]) == (None, 0.0)
    assert abstention_scores([]) == (None, None)


# ------------------------------------------------------------------------------------------- aggregation


def test_mean_ignoring_none() -> None:
    assert mean_ignoring_none([None, 1.0, 0.0, None]) == 0.5
    assert mean_ignoring_none([0, 1, 1]) == pytest.approx(2 / 3)
    assert mean_ignoring_none([None, None]) is None
    assert mean_ignoring_none([]) is None


def test_aggregate_metrics_per_type_and_overall() -> None:
    rows = [
        {"id": "topic-01", "type": "topic", "recall@5": 0.5, "mrr": 1.0, "note": "x", "abstained": False},
        {"id": "topic-02", "type": "topic", "recall@5": 1.0, "mrr": 0.5, "note": "x", "abstained": False},
        {"id": "fact-01", "type": "fact", "recall@5": 0.0, "mrr": None, "note": "x", "abstained": True},
        {"id": "unanswerable-01", "type": "unanswerable", "recall@5": None, "mrr": None},
    ]
    report = aggregate_metrics(rows)
    overall = report["overall"]
    assert overall["n_questions"] == 4
    assert set(overall["metrics"]) == {"recall@5", "mrr"}  # strings and booleans are not metrics
    assert overall["metrics"]["recall@5"] == {"mean": 0.5, "n": 3}
    assert overall["metrics"]["mrr"] == {"mean": 0.75, "n": 2}
    assert list(report["by_type"]) == ["topic", "fact", "unanswerable"]
    assert report["by_type"]["topic"]["metrics"]["recall@5"] == {"mean": 0.75, "n": 2}
    assert report["by_type"]["fact"]["metrics"]["mrr"] == {"mean": None, "n": 0}
    assert report["by_type"]["unanswerable"] == {
        "n_questions": 1,
        "metrics": {"recall@5": {"mean": None, "n": 0}, "mrr": {"mean": None, "n": 0}},
    }


def test_aggregate_metrics_explicit_names_and_bad_values() -> None:
    rows = [{"type": "fact", "f1": 1.0, "missing": None}, {"type": "fact", "f1": 0.0}]
    report = aggregate_metrics(rows, metric_names=["f1", "missing", "absent"])
    assert report["overall"]["metrics"]["f1"] == {"mean": 0.5, "n": 2}
    assert report["overall"]["metrics"]["missing"] == {"mean": None, "n": 0}
    assert report["overall"]["metrics"]["absent"] == {"mean": None, "n": 0}
    with pytest.raises(TypeError):
        aggregate_metrics([{"type": "fact", "f1": "high"}], metric_names=["f1"])
    assert aggregate_metrics([]) == {"overall": {"n_questions": 0, "metrics": {}}, "by_type": {}}


def _answered(backend: str, first: float, total: float, fell_back: bool = False) -> QuestionResult:
    return QuestionResult(
        id=f"fact-{backend}-{first}",
        type="fact",
        question="What accuracy did the gait-video paper report?",
        answer="94% [1]",
        backend=backend,
        abstained=False,
        fell_back=fell_back,
        gold_ids=["p"],
        gold_titles=["P"],
        acceptable_ids=[],
        key_facts=[],
        citations=[],
        cited_ids=["p"],
        source_ids=["p"],
        retrieved={},
        retrieval={},
        retrieval_seconds={},
        citation_precision=1.0,
        citation_recall=1.0,
        citation_f1=1.0,
        invalid_citations=0,
        key_fact_recall=None,
        missing_facts=[],
        abstention_correct=True,
        time_retrieval=0.01,
        time_first_token=first,
        time_total=total,
    )


def test_model_latency_is_reported_over_the_answers_a_model_wrote() -> None:
    composed = [_answered("extractive", 0.02, 0.05) for _ in range(3)]
    written = [_answered("llamacpp", 8.0, 9.0), _answered("extractive", 6.0, 7.0, fell_back=True)]
    latency = summarize([*composed, *written], [], backend_requested="llamacpp", seconds=1.0).latency
    assert latency.first_token.p50 == 0.02  # over all five answers the model's time is hidden
    assert latency.written == 2
    assert latency.written_first_token.p50 == pytest.approx(7.0)  # the model answered, then was replaced
    assert latency.written_total.p95 is not None and latency.written_total.p95 > 8.5
