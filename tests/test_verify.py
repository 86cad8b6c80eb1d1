"""Citation checks: markers that name no given paper are removed; claims the cited evidence does not support
are flagged (scored with the real embedding model)."""

from __future__ import annotations

import numpy as np
import pytest

from rag.answering.verify import check_markers, claims, find_markers, verify
from rag.indexing.embedder import OnnxEmbedder
from rag.models import Source
from rag.settings import AnswerSettings

GAIT = Source(
    n=1,
    paper_id="gait",
    title="Computer Vision for Clinical Gait Analysis: A Gait Abnormality Video Dataset",
    evidence=[
        "GAVD stands out as the largest video gait dataset, comprising 1874 sequences of normal, "
        "abnormal and pathological gaits.",
        "We demonstrate the validity of the dataset and utility of action recognition models for CGA "
        "using pretrained models Temporal Segment Networks(TSN) and SlowFast network to achieve video "
        "abnormality detection of 94% and 92% respectively when tested on GAVD dataset.",
    ],
)
BANDIT = Source(
    n=2,
    paper_id="bandit",
    title="Tight Regret Bounds for Single-pass Streaming Multi-armed Bandits",
    evidence=[
        "We first improve the regret lower bound to Omega(K^{1/3}T^{2/3}) for algorithms with o(K) "
        "memory, which matches the uniform exploration regret up to a logarithm factor in T."
    ],
)
GROK = Source(
    n=3,
    paper_id="grok",
    title="Grokking as the Transition from Lazy to Rich Training Dynamics",
    evidence=[
        "We propose that the grokking phenomenon, where the train loss of a neural network decreases "
        "much earlier than its test loss, can arise due to a neural network transitioning from lazy "
        "training dynamics to a rich, feature learning regime."
    ],
)
SOURCES = [GAIT, BANDIT, GROK]


@pytest.fixture(scope="module")
def threshold() -> float:
    return AnswerSettings().support_threshold


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("a [1]", [[1]]),
        ("a [1, 2]", [[1, 2]]),
        ("a [1,2;3]", [[1, 2, 3]]),
        ("a [1][2]", [[1], [2]]),
        ("a [1-3]", [[1, 2, 3]]),
        ("a [1–3]", [[1, 2, 3]]),
        ("a [Source 2] and [papers 1, 3]", [[2], [1, 3]]),
        ("values in [0, 1] are probabilities", []),  # an interval, not a citation
        ("no markers (1) here", []),
    ],
)
def test_markers_are_found_in_every_common_form(text: str, numbers: list[list[int]]) -> None:
    assert [m.numbers for m in find_markers(text)] == numbers


def test_out_of_range_and_invented_markers_are_removed_and_counted() -> None:
    checked = check_markers("Gait [1]. Bandits [2, 9]. Made up [7]. Zero [0]. Range [2-5].", n_sources=3)
    assert checked.text == "Gait [1]. Bandits [2]. Made up. Zero. Range [2, 3]."
    assert checked.used == [1, 2, 3]
    assert checked.invalid == 1 + 1 + 1 + 2  # 9, 7, 0, then 4 and 5


def test_grouped_markers_keep_their_valid_numbers_in_order_of_first_use() -> None:
    checked = check_markers("First [3][1]. Then [1, 2].", n_sources=3)
    assert checked.text == "First [3][1]. Then [1, 2]."
    assert checked.used == [3, 1, 2] and checked.invalid == 0


def test_claims_are_sentences_with_markers_without_markdown() -> None:
    text = "Intro without citation.\n- **Gait paper**: GAVD has 1874 sequences [1]\nSee [2]."
    found = claims(text)
    assert [(plain, numbers) for _, plain, numbers in found] == [("Gait paper: GAVD has 1874 sequences", [1])]
    assert found[0][0] in text  # the sentence as written, so a UI can find it


def test_supported_sentences_are_kept(embedder: OnnxEmbedder, threshold: float) -> None:
    text = (
        "GAVD contains 1874 video sequences of normal and pathological gait [1]. TSN reaches 94% abnormality "
        "detection on GAVD and SlowFast 92% [1]. The streaming bandit paper raises the regret lower bound to "
        "Omega(K^{1/3}T^{2/3}) for o(K) memory [2]."
    )
    result = verify(text, SOURCES, embedder.embed, threshold)
    assert result.flagged == []
    assert [c.n for c in result.citations] == [1, 2] and result.invalid_citations == 0
    assert result.text == text


def test_an_unsupported_sentence_is_flagged(embedder: OnnxEmbedder, threshold: float) -> None:
    text = (
        "GAVD contains 1874 video sequences [1]. The dataset was recorded on the International Space Station "
        "with astronauts playing football [1]."
    )
    result = verify(text, SOURCES, embedder.embed, threshold)
    assert [(f.n, f.paper_id) for f in result.flagged] == [(1, "gait")]
    assert "Space Station" in result.flagged[0].sentence
    assert result.flagged[0].support < threshold


def test_a_true_claim_cited_to_the_wrong_paper_is_flagged(embedder: OnnxEmbedder, threshold: float) -> None:
    text = "Grokking arises when a network moves from lazy training to feature learning [1]."
    result = verify(text, SOURCES, embedder.embed, threshold)
    assert [f.n for f in result.flagged] == [1]
    assert verify(text.replace("[1]", "[3]"), SOURCES, embedder.embed, threshold).flagged == []


def test_grouped_citation_flags_only_the_source_that_does_not_support(
    embedder: OnnxEmbedder, threshold: float
) -> None:
    text = "GAVD is the largest video gait dataset with 1874 sequences [1, 2]."
    result = verify(text, SOURCES, embedder.embed, threshold)
    assert [f.n for f in result.flagged] == [2]


def test_invalid_markers_are_removed_before_support_is_checked(
    embedder: OnnxEmbedder, threshold: float
) -> None:
    result = verify(
        "GAVD has 1874 sequences of gait [1][9]. Also see [12].", SOURCES, embedder.embed, threshold
    )
    assert result.text == "GAVD has 1874 sequences of gait [1]. Also see."
    assert result.invalid_citations == 2 and result.flagged == []


def test_a_quoted_evidence_sentence_is_supported_without_embedding(
    embedder: OnnxEmbedder, threshold: float
) -> None:
    embedded: list[str] = []

    def counting(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return embedder.embed(texts)

    quoted = f"**{GAIT.title}**: {GAIT.evidence[0]} [1]\n**{GROK.title}**: {GROK.evidence[0]} [3]"
    result = verify(quoted, SOURCES, counting, threshold)
    assert result.flagged == [] and [c.n for c in result.citations] == [1, 3] and embedded == []
    # quoting one paper's sentence does not settle a citation of another: that one is still compared
    wrong = f"{GAIT.evidence[0]} [1, 3]"
    result = verify(wrong, SOURCES, counting, threshold)
    assert [f.n for f in result.flagged] == [3] and embedded
