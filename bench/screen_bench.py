"""What judging the candidates of a list question costs without an LLM: facets, sentence support, verdicts.

    python -m bench.screen_bench        # every list question of the eval sets; writes bench/results/screen.md

Each question is searched once for its candidate pool (the `screen_pool` setting, 30), then the deterministic
facet judge screens the whole pool; the two are timed apart, warm (the evidence vectors are loaded and one
question ran before timing). Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import sys
import time

from bench.common import percentile, table, write_result
from eval.runner import DEFAULT_QA_FILES, load_questions
from rag.answering.extractive import question_kind
from rag.assemble import open_assistant
from rag.settings import load_settings


def main() -> int:
    settings = load_settings()
    assistant = open_assistant(settings, say=lambda m: print(m, file=sys.stderr))
    assistant.refresh_vocabulary()
    pool = settings.answer.screen_pool
    questions = [
        c.question
        for c in load_questions(DEFAULT_QA_FILES, "all")
        if c.type != "metadata" and question_kind(c.question) == "list"
    ]
    search_s, screen_s, sizes = [], [], []
    for i, question in enumerate([questions[0], *questions]):
        t0 = time.perf_counter()
        hits = assistant.searcher.search(question, k=pool)
        t1 = time.perf_counter()
        assistant.judge.judge(question, [h.paper for h in hits])
        t2 = time.perf_counter()
        if i:  # the first run warms caches and is not counted
            search_s.append(t1 - t0)
            screen_s.append(t2 - t1)
            sizes.append(len(hits))
    rows = [
        (
            "search (hybrid, pool)",
            len(search_s),
            percentile(search_s, 50) * 1e3,
            percentile(search_s, 95) * 1e3,
        ),
        ("screening the pool", len(screen_s), percentile(screen_s, 50) * 1e3, percentile(screen_s, 95) * 1e3),
    ]
    text = "\n".join(
        [
            f"# Screening list questions without an LLM ({len(questions)} questions, pool {pool}, "
            f"mean {sum(sizes) / len(sizes):.1f} candidates)",
            "",
            table(["step", "questions", "p50 ms", "p95 ms"], rows),
        ]
    )
    print(text)
    write_result("screen", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
