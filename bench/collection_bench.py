"""Metadata-answer latency: parse + run_query + compose for every question of eval/qa_metadata.jsonl.

    python -m bench.collection_bench            # the bundled corpus and a 100k-paper collection

The large collection repeats the corpus' papers with new ids, shifted dates and renamed authors, so the
field coverage (many papers without date or author count) stays that of the real listings. Writes
bench/results/collection.md. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from bench.common import percentile, table, write_result
from eval.metadata_gold import OUT, QUESTIONS, load_corpus, topic_ids
from eval.schema import load_cases
from rag.collection import parse_collection_query, run_query
from rag.collection.render import compose_collection_answer
from rag.models import Paper


def scaled(papers: list[Paper], size: int) -> list[Paper]:
    """size papers made from the corpus: copy i shifts dates by i days and renames its authors' surnames."""
    out: list[Paper] = []
    copy = 0
    while len(out) < size:
        for p in papers:
            if len(out) == size:
                break
            update: dict[str, object] = {"id": f"{p.id}-{copy}"}
            if copy:
                update["authors"] = [f"{a}{copy}" for a in p.authors]
                if p.published:
                    update["published"] = p.published - timedelta(days=copy % 3000)
            out.append(p.model_copy(update=update))
        copy += 1
    return out


def measure(papers: list[Paper], rounds: int) -> list[float]:
    by_id = {p.id: p for p in papers}
    categories = {p.category for p in papers if p.category}
    topics = {q.id: q.topic for q in QUESTIONS}
    screens = {k: topic_ids(k, papers) for k in {t for t in topics.values() if t}}
    timings = []
    for _ in range(rounds):
        for case in load_cases(OUT):
            start = time.perf_counter()
            query = parse_collection_query(case.question, categories=categories)
            assert query is not None
            topic = topics[case.id]
            result = run_query(query, papers, screens[topic] if topic else None)
            compose_collection_answer(query, result, by_id)
            timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="Papers of the large collection.")
    args = parser.parse_args()
    corpus = load_corpus()
    rows = []
    for papers, rounds in ((corpus, 20), (scaled(corpus, args.size), 2)):
        ms = [t * 1000 for t in measure(papers, rounds)]
        rows.append([len(papers), len(ms), percentile(ms, 50), percentile(ms, 95), max(ms)])
    text = "# Metadata answers: parse + run_query + compose, per question\n\n"
    text += table(["papers", "answers", "p50 ms", "p95 ms", "max ms"], rows) + "\n"
    print(text)
    write_result("collection", text)


if __name__ == "__main__":
    main()
