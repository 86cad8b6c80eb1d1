"""Fit the facet threshold on the tuning split only, and write the curve to bench/results/.

    python -m eval.fit            # prints the table, writes bench/results/facet-threshold.md

Each threshold is scored on the tuning questions by one number, the mean of citation F1, abstention accuracy
and (1 - 2 x false-abstention rate): declining an answerable question costs twice what answering an
unanswerable one does. The test split is never read here.
"""

from __future__ import annotations

import sys

from eval.results import answer_metrics
from eval.runner import DEFAULT_QA_FILES, load_questions, run_cases
from eval.schema import index_papers_by_title, resolve_titles
from rag.assemble import open_assistant
from rag.io import atomic_write_text
from rag.settings import PROJECT_ROOT, load_settings

GRID = [round(0.40 + 0.025 * i, 3) for i in range(17)]


def objective(f1: float | None, accuracy: float | None, false_rate: float | None) -> float:
    return ((f1 or 0.0) + (accuracy or 0.0) + (1 - 2 * (false_rate or 0.0))) / 3


def main() -> int:
    settings = load_settings()
    assistant = open_assistant(settings, say=lambda m: print(m, file=sys.stderr))
    cases = resolve_titles(
        load_questions(DEFAULT_QA_FILES, "tuning"), index_papers_by_title(assistant.index.papers.values())
    )
    rows = []
    for threshold in GRID:
        assistant.judge.threshold = threshold
        results = run_cases(cases, assistant, modes=[], backend="extractive", progress=False)
        m = answer_metrics(results)
        score = objective(m.citation_f1, m.abstention_accuracy, m.false_abstention_rate)
        rows.append((threshold, m, score))
        print(
            f"{threshold:.3f}  F1 {m.citation_f1:.3f}  listP {m.list_precision:.3f}  "
            f"listR {m.list_recall:.3f}  abst {m.abstention_accuracy:.3f}  "
            f"false {m.false_abstention_rate:.3f}  -> {score:.3f}",
            flush=True,
        )
    best = max(rows, key=lambda r: r[2])
    lines = [
        f"# Facet threshold, fitted on the tuning split ({len(cases)} questions)",
        "",
        "Objective: mean of citation F1, abstention accuracy and 1 - 2 x false-abstention rate.",
        "",
        "| threshold | citation F1 | list P | list R | abstention acc. | false abst. | objective |",
        "|---|---|---|---|---|---|---|",
    ]
    for t, m, score in rows:
        mark = " **(chosen)**" if t == best[0] else ""
        lines.append(
            f"| {t:.3f}{mark} | {m.citation_f1:.3f} | {m.list_precision:.3f} | {m.list_recall:.3f} | "
            f"{m.abstention_accuracy:.3f} | {m.false_abstention_rate:.3f} | {score:.3f} |"
        )
    atomic_write_text(PROJECT_ROOT / "bench" / "results" / "facet-threshold.md", "\n".join(lines) + "\n")
    print(f"best threshold {best[0]:.3f} (objective {best[2]:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
