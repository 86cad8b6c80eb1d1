"""Judging papers against every facet of a question, on the real bundled corpus and embedding model."""

from __future__ import annotations

import pytest

from rag.answering import Assistant
from rag.answering.facets import abbreviations, facet_terms, question_facets, required_terms
from rag.indexing.index import PaperIndex


@pytest.fixture(scope="module")
def bot(corpus_index: PaperIndex) -> Assistant:
    return Assistant(corpus_index.settings, index=corpus_index)


def test_facets_are_the_conditions_of_the_question() -> None:
    facets = question_facets(
        "Which papers use reinforcement learning for robot control with safety guarantees?"
    )
    assert [f.text for f in facets] == ["reinforcement learning", "robot control", "safety guarantees"]
    # the direction of a bound and what it bounds stay in the facet
    (facet,) = question_facets("Which papers prove regret lower bounds?")
    assert {"regret", "lower", "bound"} <= set(facet.terms[0])
    # examples after "including" add no condition; "A or B" is one facet with two alternatives
    assert len(question_facets("Which papers prove lower bounds on regret, including minimax ones?")) == 1
    (either,) = question_facets("Which papers forecast stock prices or other financial time series?")
    assert len(either.alternatives) == 2
    # a one-word alternative shares the words of a short one: not any benchmark, a question-answering one
    (qa,) = question_facets("Which papers introduce question-answering datasets or benchmarks?")
    assert qa.alternatives == ["question-answering datasets", "question-answering benchmarks"]
    (bandits,) = question_facets("Which papers address multi-armed or linear bandit problems?")
    assert bandits.alternatives == ["multi-armed bandit problems", "linear bandit problems"]
    (both,) = question_facets("Which papers study MDPs or POMDPs?")
    assert both.alternatives == ["MDPs", "POMDPs"]
    # a one-word fragment is no condition of its own
    assert all(
        len(f.terms[0]) >= 2
        for f in question_facets("Which papers rebuild 3D shapes from slices, as needed?")
    )
    assert question_facets("Which papers?") == []
    # a purpose is a condition of its own; a clause that only says what is needed is none
    purpose = question_facets(
        "Which papers implement custom GPU kernels to speed up neural network computation?"
    )
    assert [f.text for f in purpose] == [
        "implement custom GPU kernels",
        "speed up neural network computation",
    ]
    # a one-word setting or modality after a preposition is a condition: MoE for language models is no match
    moe = question_facets("Which papers propose mixture-of-experts architectures for vision models?")
    assert [f.text for f in moe] == ["mixture-of-experts architectures", "vision models"]
    (linear,) = question_facets("Which papers reduce the cost of attention to linear time?")
    assert linear.text == "reduce the cost of attention to linear time"
    needs = question_facets(
        "Which papers prove sample lower bounds that any algorithm needs for multi-armed bandits?"
    )
    assert len(needs) == 2 and "any algorithm needs" in needs[0].text


def test_a_paper_must_meet_every_facet(bot: Assistant) -> None:
    answer = bot.ask(
        "Which papers work on randomized smoothing for certified robustness?", backend="extractive"
    )
    assert answer.facets == ["randomized smoothing", "certified robustness"]
    cited = {c.title for c in answer.citations}
    assert "The Lipschitz-Variance-Margin Tradeoff for Enhanced Randomized Smoothing" in cited
    # certified training by interval bound propagation is certified robustness without randomized smoothing
    assert "Understanding Certified Training with Interval Bound Propagation" not in cited
    qualifying = [v for v in answer.verdicts if v.qualifies]
    assert {v.title for v in qualifying} == cited
    for verdict in qualifying:  # the judgment shows which sentence meets which facet
        assert [s.facet for s in verdict.support] == answer.facets
        assert all(s.sentence and s.score >= bot.judge.threshold for s in verdict.support)


REGRET_LOWER_BOUNDS = {
    "Tight Regret Bounds for Single-pass Streaming Multi-armed Bandits",
    "Lower Bounds for Learning in Revealing POMDPs",
    "Weighted Tallying Bandits: Overcoming Intractability via Repeated Exposure Optimality",
    "Horizon-Free and Variance-Dependent Reinforcement Learning for Latent Markov Decision Processes",
    "Understanding the Role of Feedback in Online Learning with Switching Costs",
    "Dynamical Linear Bandits",
}
# both an upper and a lower bound on worst-case regret: not required, not wrong
REGRET_BOUNDS_BOTH_WAYS = {"STARC: A General Framework For Quantifying Differences Between Reward Functions"}


def test_regret_lower_bounds_are_all_listed_and_the_traps_are_not(bot: Assistant) -> None:
    answer = bot.ask("Which papers prove regret lower bounds?", backend="extractive")
    cited = {c.title for c in answer.citations}
    assert cited >= REGRET_LOWER_BOUNDS
    # an upper bound only, or a lower bound on error probabilities, is not a regret lower bound
    assert cited - REGRET_LOWER_BOUNDS <= REGRET_BOUNDS_BOTH_WAYS


@pytest.mark.parametrize(
    ("terms", "required"),
    [
        ("regret lower bounds", {"regret", "lower", "bound"}),
        ("an upper bound", {"upper", "bound"}),
        ("lower bounds on the samples any algorithm needs in MDPs", {"lower"}),
        ("regret bounds", set()),
        ("lower layers of the network", set()),
    ],
)
def test_a_bound_facet_requires_its_direction(terms: str, required: set[str]) -> None:
    assert required_terms(facet_terms(terms)) == set(facet_terms(" ".join(sorted(required))))


def test_abbreviations_defined_in_an_abstract_are_expanded() -> None:
    text = "We minimize the complete policy regret (CPR) of Kolmogorov-Arnold Networks (KANs); see (Fig 2)."
    assert abbreviations(text) == {"CPR": "complete policy regret", "KANs": "Kolmogorov Arnold Networks"}


def test_a_near_miss_is_declined_with_what_the_nearest_papers_lack(bot: Assistant) -> None:
    answer = bot.ask(
        "Which papers detect Alzheimer's disease from videos of people walking?", backend="extractive"
    )
    assert answer.abstained and answer.citations == []
    assert answer.verdicts and not any(v.qualifies for v in answer.verdicts)
    assert "nearest papers" in answer.text.lower() or "no paper covers" in answer.text.lower()
