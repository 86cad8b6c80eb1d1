"""The answer eval with the evidence vectors of each one-pass method, end to end.

`rag eval --backend extractive --retrieval hybrid` on the questions whose answers come from evidence
(eval/qa.jsonl, qa_blind.jsonl, qa_tuning_r2.jsonl), over the bundled corpus, twice: with the evidence
sentence vectors embedded alone (today, and the "pooled" pass), then with those pooled from the chunks'
token states (the "token-states" pass), written where the app keeps its evidence cache. The index and its
chunk vectors are the same in both runs, so only the evidence vectors differ.

Run: python -m bench.one_pass_eval   (writes bench/results/one-pass-eval.md; a few minutes on 2 cores)
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import table, write_result
from eval.results import Summary
from eval.runner import EvalOptions, run_eval
from rag.answering.evidence import _paper_key
from rag.indexing.index import PaperIndex
from rag.indexing.passes import PaperVectors, embed_papers
from rag.indexing.pool import EmbedderPool
from rag.settings import BUNDLED_CORPUS, PROJECT_ROOT, Settings

QUESTIONS = [PROJECT_ROOT / "eval" / name for name in ("qa.jsonl", "qa_blind.jsonl", "qa_tuning_r2.jsonl")]
METRICS = [
    "retrieval.hybrid.recall@10",
    "answer.citation_precision",
    "answer.citation_recall",
    "answer.key_fact_recall",
    "answer.abstention_accuracy",
    "answer.false_abstention_rate",
    "answer.list_precision",
    "answer.list_recall",
    "answer.unsupported_citations",
]


def write_cache(path: Path, rows: list[PaperVectors], index: PaperIndex) -> None:
    """The vectors in EvidenceSelector.save's layout (sentences, then the title, per paper)."""
    papers = index.papers
    meta = json.dumps([[_paper_key(papers[v.paper_id]), v.sentences] for v in rows])
    with path.open("wb") as handle:
        np.savez(handle, meta=np.array(meta), vectors=np.vstack([v.vectors for v in rows]))


def evaluate(settings: Settings, out: Path) -> Summary:
    options = EvalOptions(qa=QUESTIONS, backend="extractive", retrieval="hybrid", out=out, progress=False)
    return run_eval(settings, options, say=lambda _line: None).summary


def main() -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        index = PaperIndex(settings)
        index.ingest([BUNDLED_CORPUS], progress=False)
        today = evaluate(settings, Path(tmp) / "today")
        cache = settings.index_dir / "evidence-vectors.npz"
        papers = list(index.papers.values())
        chunks = sorted(index.chunks.values(), key=lambda c: (c.paper_id, c.position))
        with EmbedderPool(settings.embedding) as pool:
            rows = embed_papers(papers, chunks, pool, method="token-states")
        write_cache(cache, rows, index)
        states = evaluate(settings, Path(tmp) / "states")
    lines = []
    for metric in METRICS:
        a, b = today.metric(metric), states.metric(metric)
        delta = "" if a is None or b is None else f"{b - a:+.3f}"
        lines.append([metric, a if a is None else round(a, 3), b if b is None else round(b, 3), delta])
    load = os.getloadavg()
    text = "# End to end: the answer eval with each one-pass method's evidence vectors\n\n"
    text += (
        f"`rag eval --backend extractive --retrieval hybrid` on {today.n_questions} questions "
        "(qa.jsonl, qa_blind.jsonl, qa_tuning_r2.jsonl), same index and chunk vectors; only the evidence "
        "sentence vectors differ. The evidence thresholds (min_relevance, support and facet thresholds) "
        "were fitted on sentences embedded alone.\n\n"
    )
    text += table(["metric", "sentences embedded alone (today, pooled)", "token states", "change"], lines)
    text += (
        f"\n\nRun: `.venv/bin/python -m bench.one_pass_eval` ({time.perf_counter() - started:.0f} s, load "
        f"average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end).\n"
    )
    print(text)
    print(f"written to {write_result('one-pass-eval', text)}")


if __name__ == "__main__":
    main()
