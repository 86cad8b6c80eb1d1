"""Answer quality of a real small instruct model against evidence-only answers, side by side (test split).

    python -m bench.llm_quality [GGUF]     # make bench-llm; writes bench/results/llm-quality.md

Both rows come from one process on the same questions (the test split of eval/split.py, which no threshold
was fitted on), with the same index and the same screening; only the writer of the answer differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.common import write_result
from eval.results import Summary
from eval.runner import EvalOptions, run_eval
from rag.settings import PROJECT_ROOT, load_settings

DEFAULT_GGUF = PROJECT_ROOT / ".models" / "qwen2.5-coder-1.5b-instruct.gguf"
COLUMNS = (
    ("citation_f1", "citation F1"),
    ("list_precision", "list P"),
    ("list_recall", "list R"),
    ("key_fact_recall", "key facts"),
    ("abstention_accuracy", "abstention acc."),
    ("false_abstention_rate", "false abst."),
    ("invalid_citations_total", "invalid citations"),
    ("fallbacks", "fell back"),
)
TIMING = ("written by the model", "first token p50 / p95 (s)", "total p50 / p95 (s)")


def _fmt(value: object) -> str:
    return "–" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def row(label: str, summary: Summary) -> str:
    a, lat = summary.answer, summary.latency
    facts = summary.by_type.get("fact")
    cells = [_fmt(getattr(a, key)) for key, _ in COLUMNS]
    cells.insert(4, _fmt(facts.key_fact_recall if facts else None))
    first, total = lat.written_first_token, lat.written_total
    timing = f"{lat.written} | {_fmt(first.p50)} / {_fmt(first.p95)} | {_fmt(total.p50)} / {_fmt(total.p95)}"
    return f"| {label} | {summary.n_questions} | " + " | ".join(cells) + f" | {timing} |"


def main() -> int:
    gguf = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_GGUF
    settings = load_settings()
    settings = settings.model_copy(update={"llamacpp": settings.llamacpp.model_copy(update={"model": gguf})})
    out = PROJECT_ROOT / "eval" / "out"
    rows = []
    for backend in ("extractive", "llamacpp"):
        options = EvalOptions(backend=backend, retrieval="hybrid", split="test", out=out / f"llm-{backend}")
        summary = run_eval(settings, options, say=lambda m: print(m, file=sys.stderr)).summary
        label = "evidence only (extractive)" if backend == "extractive" else f"llama.cpp, {gguf.name}"
        rows.append(row(label, summary))
        print(rows[-1], flush=True)
    header = ["backend", "questions", *(name for _, name in COLUMNS)]
    header.insert(6, "key facts (fact q.)")
    lines = [
        "# Written answers from a small local model vs evidence-only answers (test split)",
        "",
        f"Model: {gguf.name} through llama.cpp on this machine's CPU. Same questions, index and screening.",
        "Rates in [0, 1]; invalid citations is the number shown to the user over all answers.",
        "Times are over the answers the model wrote: lists and declines are composed from the judged papers",
        "without a model, so the model writes fact and synthesis answers only.",
        "",
        "| " + " | ".join([*header, *TIMING]) + " |",
        "|" + "---|" * (len(header) + len(TIMING)),
        *rows,
    ]
    print(write_result("llm-quality", "\n".join(lines)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
