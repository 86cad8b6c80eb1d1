"""The LLM judge with a real small model against the facet check alone, side by side (blind split).

    python -m bench.llm_judge_bench [GGUF]     # writes bench/results/llm-judge.md

Only the list and unanswerable questions of eval/qa_blind.jsonl are asked (the judge decides which papers a
list names; fact answers do not use it). Both rows come from one process with the same index; the second
turns `answer.llm_judge` on with Qwen2.5-Coder-1.5B-Instruct through llama.cpp.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.common import write_result
from eval.results import Summary
from eval.runner import EvalOptions, run_eval
from eval.schema import load_cases
from rag.settings import PROJECT_ROOT, load_settings

DEFAULT_GGUF = PROJECT_ROOT / ".models" / "qwen2.5-coder-1.5b-instruct.gguf"
BLIND = PROJECT_ROOT / "eval" / "qa_blind.jsonl"
JUDGED_TYPES = ("topic", "paraphrase", "unanswerable")


def row(label: str, summary: Summary) -> str:
    a, lat = summary.answer, summary.latency
    cells = [a.list_precision, a.list_recall, a.abstention_accuracy, a.false_abstention_rate]
    shown = " | ".join("–" if v is None else f"{v:.3f}" for v in cells)
    seconds = " / ".join("–" if v is None else f"{v:.1f}" for v in (lat.total.p50, lat.total.p95))
    return f"| {label} | {summary.n_questions} | {shown} | {seconds} |"


def main() -> int:
    gguf = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_GGUF
    settings = load_settings()
    settings = settings.model_copy(update={"llamacpp": settings.llamacpp.model_copy(update={"model": gguf})})
    cases = [c for c in load_cases(BLIND) if c.type in JUDGED_TYPES]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        qa = Path(tmp) / "blind-lists.jsonl"
        qa.write_text("".join(c.model_dump_json() + "\n" for c in cases))
        for backend, judge in (("extractive", False), ("llamacpp", True)):
            answer = settings.answer.model_copy(update={"llm_judge": judge})
            run = settings.model_copy(update={"answer": answer})
            options = EvalOptions(
                qa=[qa], backend=backend, retrieval="hybrid", split="blind", out=Path(tmp) / backend
            )
            summary = run_eval(run, options, say=lambda m: print(m, file=sys.stderr)).summary
            label = "facet check only" if not judge else f"facet check + LLM judge ({gguf.name})"
            rows.append(row(label, summary))
            print(rows[-1], flush=True)
    header = (
        "| judging | questions | list P | list R | abstention acc. | false abst. "
        "| seconds per question p50 / p95 |"
    )
    lines = [
        "# The LLM judge on the blind list and unanswerable questions",
        "",
        header,
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"llm_judge_batch={settings.answer.llm_judge_batch}, "
        f"llm_judge_max_papers={settings.answer.llm_judge_max_papers}; 2 cores.",
    ]
    write_result("llm-judge", "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
