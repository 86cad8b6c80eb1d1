"""Metadata questions with gold computed from the parsed bundled corpus: writes eval/qa_metadata.jsonl.

Each question carries its own plain-Python predicate or aggregation over the papers, written here without
rag.collection (neither its parser nor run_query), so the file checks that code instead of echoing it.
Questions that mix a topic with metadata ("Kolmogorov-Arnold network papers from 2024 and 2025") take the
topic from a hand-picked list of titles (TOPICS) and intersect it with the metadata predicate.

Run ``python -m eval.metadata_gold`` to regenerate the file; the output is byte-identical for an unchanged
corpus (stable orders, no timestamps).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rag.models import Paper
from rag.parsing import discover_files, merge_papers, normalize_title, parse_path
from rag.settings import BUNDLED_CORPUS

OUT = Path(__file__).with_name("qa_metadata.jsonl")

Select = Callable[[list[Paper]], list[Paper]]
Facts = Callable[[list[Paper]], list[str]]

# Topic parts of the mixed questions, chosen by reading the titles and abstracts of the corpus.
TOPICS: dict[str, tuple[str, ...]] = {
    "kan": (
        "Activation Space Selectable Kolmogorov-Arnold Networks",
        "Color Matching Using Hypernetwork-Based Kolmogorov-Arnold Networks",
        "Kolmogorov-Arnold Attention: Is Learnable Attention Better For Vision Transformers?",
        "Kolmogorov-Arnold Networks: A Critical Assessment of Claims, Performance, and Practical Viability",
    ),
    "diffusion": (
        "Closing the ODE-SDE gap in score-based diffusion models through the Fokker-Planck equation",
        "DAE-Talker: High Fidelity Speech-Driven Talking Face Generation with Diffusion Autoencoder",
        "InvDiff: Invariant Guidance for Bias Mitigation in Diffusion Models",
        "LinFusion: 1 GPU, 1 Minute, 16K Image",
        "Neural Network-Based Score Estimation in Diffusion Models: Optimization and Generalization",
        "NoiseDiffusion: Correcting Noise for Image Interpolation with Diffusion Models beyond Spherical "
        "Linear Interpolation",
        "PrefPaint: Aligning Image Inpainting Diffusion Model with Human Preference",
        "Revisiting Diffusion Model Predictions Through Dimensionality",
        "Smooth Diffusion: Crafting Smooth Latent Spaces in Diffusion Models",
        "Your Absorbing Discrete Diffusion Secretly Models the Conditional Distributions of Clean Data",
    ),
    "gnn": (
        "A Complete Expressiveness Hierarchy for Subgraph GNNs via Subgraph Weisfeiler-Lehman Tests",
        "Learning to Reweight for Graph Neural Network",
        "Towards Robust Fidelity for Evaluating Explainability of Graph Neural Networks",
    ),
    "icl": (
        "One Step of Gradient Descent is Provably the Optimal In-Context Learner with One Layer of Linear "
        "Self-Attention",
        "The Closeness of In-Context Learning and Weight Shifting for Softmax Regression",
        "Transformers are Minimax Optimal Nonparametric In-Context Learners",
        "What learning algorithm is in-context learning? Investigations with linear models",
        "Transformers Learn Nonlinear Features In Context: Nonconvex Mean-field Dynamics on the Attention "
        "Landscape",
    ),
}


@dataclass(frozen=True)
class MetaQuestion:
    id: str
    question: str
    select: Select
    facts: Facts | None = None
    topic: str | None = None  # a key of TOPICS
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)


# --- plain readings of the listings' fields (independent of rag.collection) ---


def dated(papers: list[Paper]) -> list[Paper]:
    return sorted((p for p in papers if p.published), key=lambda p: (p.published, p.title))


def in_month(p: Paper, year: int, month: int) -> bool:
    return p.published is not None and (p.published.year, p.published.month) == (year, month)


def year_of(p: Paper) -> int | None:
    return p.published.year if p.published else None


def stated_authors(p: Paper) -> int | None:
    """The exact number of authors: a stated count, or a complete (not 'et al.') list."""
    if p.author_count is not None:
        return p.author_count
    return len(p.authors) if p.authors and not p.authors_truncated else None


def at_least_authors(p: Paper, n: int) -> bool:
    """'A, B, C et al.' names three and says there are more: at least four."""
    exact = stated_authors(p)
    if exact is not None:
        return exact >= n
    return p.authors_truncated and len(p.authors) + 1 >= n


def by_author(p: Paper, given: str, surname: str) -> bool:
    """given may be an initial ('J')."""
    for name in p.authors:
        parts = name.replace(".", " ").split()
        if parts and parts[-1] == surname and parts[0].startswith(given):
            return True
    return False


def ordered(papers: list[Paper]) -> list[Paper]:
    return sorted(papers, key=lambda p: (p.published or date.max, p.title))


def where(pred: Callable[[Paper], bool]) -> Select:
    return lambda papers: ordered([p for p in papers if pred(p)])


def extreme(value: Callable[[Paper], object], largest: bool) -> Select:
    def select(papers: list[Paper]) -> list[Paper]:
        known = [(value(p), p) for p in papers if value(p) is not None]
        best = (max if largest else min)(v for v, _ in known)  # type: ignore[type-var]
        return ordered([p for v, p in known if v == best])

    return select


def count_fact(papers: list[Paper]) -> list[str]:
    return [str(len(papers))]


def year_counts(papers: list[Paper]) -> list[str]:
    counts = Counter(year_of(p) for p in papers)
    return [f"{y}: {n}" for y, n in sorted(counts.items())]


def category_counts(papers: list[Paper]) -> list[str]:
    counts = Counter(p.category for p in papers)
    return [f"{c}: {n}" for c, n in sorted(counts.items())]


QUESTIONS: list[MetaQuestion] = [
    MetaQuestion(
        "meta-month", "Which papers were posted in November 2025?", where(lambda p: in_month(p, 2025, 11))
    ),
    MetaQuestion(
        "meta-year", "Which papers in the collection date from 2021?", where(lambda p: year_of(p) == 2021)
    ),
    MetaQuestion(
        "meta-range",
        "Which papers were posted between March 2025 and June 2025?",
        where(lambda p: p.published is not None and date(2025, 3, 1) <= p.published <= date(2025, 6, 30)),
    ),
    MetaQuestion(
        "meta-before", "Which papers were posted before 2021?", where(lambda p: (year_of(p) or 9999) < 2021)
    ),
    MetaQuestion(
        "meta-since",
        "Which papers were posted since October 2025?",
        where(lambda p: p.published is not None and p.published >= date(2025, 10, 1)),
    ),
    MetaQuestion(
        "meta-any-march",
        "Which papers were posted in March?",
        where(
            lambda p: (
                (p.published.month == 3) if p.published else (p.date_text or "").startswith("Mar ")
            )  # "Mar 27": the month is given, the year not
        ),
        note="Papers dated March of any year, including a listing that gives the month but no year.",
    ),
    MetaQuestion(
        "meta-earliest",
        "What is the earliest-dated paper in the collection?",
        extreme(lambda p: p.published, largest=False),
        facts=lambda ps: [str(ps[0].published.year)] if ps[0].published else [],
    ),
    MetaQuestion(
        "meta-latest",
        "Which paper is the most recent in the collection?",
        extreme(lambda p: p.published, largest=True),
        facts=lambda ps: [str(ps[0].published.year)] if ps[0].published else [],
    ),
    MetaQuestion("meta-category", "Which papers carry the CV category?", where(lambda p: p.category == "CV")),
    MetaQuestion(
        "meta-author",
        "Which papers did Taiji Suzuki co-author?",
        where(lambda p: by_author(p, "Taiji", "Suzuki")),
    ),
    MetaQuestion(
        "meta-author-initial",
        "Which papers by J. Kim appeared in 2025?",
        where(lambda p: by_author(p, "J", "Kim") and year_of(p) == 2025),
    ),
    MetaQuestion(
        "meta-single-author",
        "Which of Juno Kim's papers are single-authored, and when were they posted?",
        where(lambda p: by_author(p, "Juno", "Kim") and stated_authors(p) == 1),
    ),
    MetaQuestion(
        "meta-author-range",
        "Which papers have between 5 and 7 authors?",
        where(lambda p: (stated_authors(p) or 0) in range(5, 8)),
    ),
    MetaQuestion(
        "meta-at-most-authors",
        "Which papers have at most 2 authors?",
        where(lambda p: stated_authors(p) is not None and stated_authors(p) <= 2),  # type: ignore[operator]
    ),
    MetaQuestion("meta-code", "Which papers have code?", where(lambda p: p.has_code)),
    MetaQuestion(
        "meta-upvotes", "Which papers have at least 2 upvotes?", where(lambda p: (p.upvotes or 0) >= 2)
    ),
    MetaQuestion(
        "meta-top-upvoted",
        "What are the two most upvoted papers?",
        lambda papers: sorted((p for p in papers if p.upvotes is not None), key=lambda p: -(p.upvotes or 0))[
            :2
        ],
        facts=lambda ps: [str(p.upvotes) for p in ps],
    ),
    MetaQuestion(
        "meta-largest-team",
        "Which paper has the largest author team?",
        extreme(stated_authors, largest=True),
        facts=lambda ps: [str(stated_authors(ps[0]))],
    ),
    MetaQuestion(
        "meta-count-year", "How many papers from 2024?", where(lambda p: year_of(p) == 2024), facts=count_fact
    ),
    MetaQuestion(
        "meta-count-authors",
        "How many papers have at least 4 authors?",
        where(lambda p: at_least_authors(p, 4)),
        facts=count_fact,
        note="A list ending in “et al.” after three names counts as at least four authors.",
    ),
    MetaQuestion(
        "meta-count-category",
        "How many of Juno Kim's papers are in the LG group?",
        where(lambda p: by_author(p, "Juno", "Kim") and p.category == "LG"),
        facts=count_fact,
    ),
    MetaQuestion(
        "meta-group-year",
        "How many papers were posted each year?",
        lambda papers: dated(papers),
        facts=year_counts,
    ),
    MetaQuestion(
        "meta-group-category",
        "How many papers are there per category?",
        lambda papers: sorted(
            (p for p in papers if p.category),
            key=lambda p: (p.category or "", p.published or date.max, p.title),
        ),
        facts=category_counts,
    ),
    MetaQuestion(
        "meta-topic-kan",
        "Kolmogorov-Arnold network papers from 2024 and 2025",
        where(lambda p: year_of(p) in (2024, 2025)),
        facts=year_counts,
        topic="kan",
    ),
    MetaQuestion(
        "meta-topic-diffusion",
        "Which diffusion model papers were posted in 2024?",
        where(lambda p: year_of(p) == 2024),
        topic="diffusion",
    ),
    MetaQuestion(
        "meta-topic-gnn",
        "Which graph neural network papers have at least 8 authors?",
        where(lambda p: at_least_authors(p, 8)),
        topic="gnn",
    ),
    MetaQuestion(
        "meta-topic-icl",
        "Which in-context learning papers have exactly 3 authors?",
        where(lambda p: stated_authors(p) == 3),
        topic="icl",
    ),
]


def load_corpus() -> list[Paper]:
    """The bundled corpus parsed and merged exactly as `rag ingest` does it."""
    return merge_papers([parse_path(f) for f in discover_files([BUNDLED_CORPUS])])


def topic_ids(key: str, papers: list[Paper]) -> set[str]:
    """The ids of a hand-picked topic; a title missing from the corpus is an error, not an empty topic."""
    by_title = {normalize_title(p.title): p.id for p in papers}
    missing = [t for t in TOPICS[key] if normalize_title(t) not in by_title]
    if missing:
        raise ValueError(f"topic {key!r}: titles not in the corpus: {missing}")
    return {by_title[normalize_title(t)] for t in TOPICS[key]}


def gold_papers(q: MetaQuestion, papers: list[Paper]) -> list[Paper]:
    pool = papers
    if q.topic:
        ids = topic_ids(q.topic, papers)
        pool = [p for p in papers if p.id in ids]
    return q.select(pool)


def _reference(q: MetaQuestion, chosen: list[Paper], facts: list[str]) -> str:
    def item(p: Paper) -> str:
        bits = [p.date_text or "no date"]
        n = stated_authors(p)
        if n is not None:
            bits.append(f"{n} author{'s' if n != 1 else ''}")
        if p.upvotes is not None:
            bits.append(f"{p.upvotes} upvotes")
        return f"{p.title} ({', '.join(bits)})"

    lead = f"{len(chosen)} paper{'s' if len(chosen) != 1 else ''}"
    if facts and q.facts is not count_fact:
        lead += f" [{'; '.join(facts)}]"
    text = f"{lead}: " + "; ".join(item(p) for p in chosen) + "."
    return f"{text} {q.note}".strip()


def build_cases(papers: list[Paper]) -> list[dict[str, object]]:
    cases: list[dict[str, object]] = []
    for q in QUESTIONS:
        chosen = gold_papers(q, papers)
        if not chosen:
            raise ValueError(f"{q.id}: no gold paper; a metadata case needs at least one")
        facts = q.facts(chosen) if q.facts else []
        cases.append(
            {
                "id": q.id,
                "type": "metadata",
                "question": q.question,
                "gold_titles": [p.title for p in chosen],
                "acceptable_titles": [],
                "reference_answer": _reference(q, chosen, facts),
                "key_facts": facts,
            }
        )
    return cases


def main() -> None:
    cases = build_cases(load_corpus())
    OUT.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
