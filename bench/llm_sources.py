"""How many papers go into a small model's prompt: quality against time to the first token (tuning split).

    python -m bench.llm_sources [GGUF]     # writes bench/results/llm-sources.md (about 12 minutes here)

The setting `answer.llm_sources` was chosen from this table. Only the tuning split is read: the figures to
report come from `make bench-llm` on the test split.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.common import table, write_result
from bench.llm_quality import DEFAULT_GGUF
from eval.results import Summary
from eval.runner import EvalOptions, run_eval
from rag.settings import PROJECT_ROOT, Settings, load_settings

CHOICES = (3, 5)


def row(sources: int, summary: Summary) -> list[object]:
    a, lat, fact = summary.answer, summary.latency, summary.by_type.get("fact")
    return [
        sources,
        round(a.citation_f1 or 0.0, 3),
        round(fact.key_fact_recall or 0.0, 3) if fact else "–",
        round(fact.citation_f1 or 0.0, 3) if fact else "–",
        a.invalid_citations_total,
        round(a.fallbacks or 0.0, 3),
        lat.written,
        f"{lat.written_first_token.p50 or 0:.2f} / {lat.written_first_token.p95 or 0:.2f}",
        f"{lat.written_total.p50 or 0:.2f} / {lat.written_total.p95 or 0:.2f}",
    ]


def report(rows: list[list[object]], model: str) -> str:
    headers = [
        "papers in the prompt",
        "citation F1",
        "key facts (fact q.)",
        "citation F1 (fact q.)",
        "invalid citations",
        "fell back",
        "written answers",
        "first token p50 / p95 (s)",
        "total p50 / p95 (s)",
    ]
    return "\n".join(
        [
            f"# Papers in a small model's prompt (tuning split, {model} through llama.cpp)",
            "",
            "One eval run per row, with the same index and screening; only `answer.llm_sources` differs.",
            "Times are over the answers the model wrote (lists and declines are composed without it).",
            "",
            table(headers, rows),
        ]
    )


def with_sources(settings: Settings, gguf: Path, sources: int) -> Settings:
    return settings.model_copy(
        update={
            "llamacpp": settings.llamacpp.model_copy(update={"model": gguf}),
            "answer": settings.answer.model_copy(update={"llm_sources": sources}),
        }
    )


def main() -> int:
    gguf = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_GGUF
    settings = load_settings()
    rows = []
    for sources in CHOICES:
        out = PROJECT_ROOT / "eval" / "out" / f"llm-sources-{sources}"
        options = EvalOptions(backend="llamacpp", retrieval="hybrid", split="tuning", out=out, progress=False)
        summary = run_eval(with_sources(settings, gguf, sources), options, say=lambda m: None).summary
        rows.append(row(sources, summary))
        print(rows[-1], flush=True)
    print(write_result("llm-sources", report(rows, gguf.name)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
