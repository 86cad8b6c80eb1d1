"""Fit the two coverage thresholds on the tuning split only, and write the curves to bench/results/.

    python -m eval.fit            # prints the tables, writes bench/results/facet-threshold.md

`min_relevance` (the best paper's dense similarity a fact question needs to be answered at all) is fitted
first, with the facet threshold at its setting; then `facet_threshold` (the support every facet of a list
question needs), with the fitted min_relevance. Each value is scored on the tuning questions by one number,
the mean of citation F1, abstention accuracy and (1 - 2 x false-abstention rate): declining an answerable
question costs twice what answering an unanswerable one does. Ties go to the value nearest the current
setting. The test split is never read here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from eval.results import AnswerMetrics, answer_metrics
from eval.runner import DEFAULT_QA_FILES, load_questions, run_cases
from eval.schema import ResolvedCase, index_papers_by_title, resolve_titles
from rag.answering.pipeline import Assistant
from rag.assemble import open_assistant
from rag.io import atomic_write_text
from rag.settings import PROJECT_ROOT, load_settings

FACET_GRID = [round(0.40 + 0.025 * i, 3) for i in range(17)]
RELEVANCE_GRID = [round(0.30 + 0.025 * i, 3) for i in range(9)]
Row = tuple[float, AnswerMetrics, float]


def objective(f1: float | None, accuracy: float | None, false_rate: float | None) -> float:
    return ((f1 or 0.0) + (accuracy or 0.0) + (1 - 2 * (false_rate or 0.0))) / 3


def sweep(
    name: str,
    grid: Sequence[float],
    current: float,
    apply: Callable[[float], None],
    assistant: Assistant,
    cases: list[ResolvedCase],
) -> tuple[float, list[Row]]:
    rows: list[Row] = []
    for value in grid:
        apply(value)
        m = answer_metrics(run_cases(cases, assistant, modes=[], backend="extractive", progress=False))
        score = objective(m.citation_f1, m.abstention_accuracy, m.false_abstention_rate)
        rows.append((value, m, score))
        print(
            f"{name} {value:.3f}  F1 {m.citation_f1:.3f}  listP {m.list_precision:.3f}  "
            f"listR {m.list_recall:.3f}  abst {m.abstention_accuracy:.3f}  "
            f"false {m.false_abstention_rate:.3f}  -> {score:.3f}",
            flush=True,
        )
    best = max(rows, key=lambda r: (round(r[2], 6), -abs(r[0] - current)))[0]
    apply(best)
    return best, rows


def table(title: str, rows: list[Row], best: float) -> list[str]:
    lines = [
        f"## {title}",
        "",
        "| value | citation F1 | list P | list R | abstention acc. | false abst. | objective |",
        "|---|---|---|---|---|---|---|",
    ]
    for value, m, score in rows:
        mark = " **(chosen)**" if value == best else ""
        lines.append(
            f"| {value:.3f}{mark} | {m.citation_f1:.3f} | {m.list_precision:.3f} | {m.list_recall:.3f} | "
            f"{m.abstention_accuracy:.3f} | {m.false_abstention_rate:.3f} | {score:.3f} |"
        )
    return [*lines, ""]


def main() -> int:
    settings = load_settings()
    assistant = open_assistant(settings, say=lambda m: print(m, file=sys.stderr))
    cases = resolve_titles(
        load_questions(DEFAULT_QA_FILES, "tuning"), index_papers_by_title(assistant.index.papers.values())
    )

    def set_relevance(value: float) -> None:
        answer = assistant.settings.answer.model_copy(update={"min_relevance": value})
        assistant.settings = assistant.settings.model_copy(update={"answer": answer})

    def set_facet(value: float) -> None:
        assistant.judge.threshold = value

    relevance, relevance_rows = sweep(
        "min_relevance",
        RELEVANCE_GRID,
        settings.answer.min_relevance,
        set_relevance,
        assistant,
        cases,
    )
    facet, facet_rows = sweep(
        "facet_threshold", FACET_GRID, settings.answer.facet_threshold, set_facet, assistant, cases
    )
    lines = [
        f"# Coverage thresholds, fitted on the tuning split ({len(cases)} questions)",
        "",
        "Objective: mean of citation F1, abstention accuracy and 1 - 2 x false-abstention rate; ties go",
        "to the value nearest the setting. min_relevance is fitted first (facet threshold at its setting),",
        "then the facet threshold with the chosen min_relevance.",
        "",
        *table("min_relevance (best paper's dense similarity; fact questions)", relevance_rows, relevance),
        *table(f"facet_threshold (min_relevance {relevance:.3f})", facet_rows, facet),
    ]
    atomic_write_text(PROJECT_ROOT / "bench" / "results" / "facet-threshold.md", "\n".join(lines))
    print(f"best min_relevance {relevance:.3f}, facet_threshold {facet:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
