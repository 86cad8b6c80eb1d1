"""Embedding throughput of EmbedderPool next to bare onnxruntime, side by side in one run.

Bare: one InferenceSession with onnxruntime's default threads (one per core), the tokenizer, the same
length-sorted batches (rag.indexing.embedder.length_batches), mean pooling and normalisation, nothing
else. The pool runs the same texts as processes x intra-op threads. Rounds are interleaved and each
configuration keeps its best round, since the machine is shared; the load average is recorded around
every measurement.

Run: python -m bench.embed_bench [--rounds 3] [--repeat 1]   (writes bench/results/embed-throughput.md)
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
import onnxruntime as ort

from bench.common import table, write_result
from rag.answering.evidence import paper_sentences
from rag.indexing.chunking import chunk_papers, embedding_text
from rag.indexing.embedder import length_batches, load_tokenizer, model_files
from rag.indexing.passes import embed_papers
from rag.indexing.pool import EmbedderPool, usable_cores
from rag.models import Paper
from rag.parsing import discover_files, merge_papers, parse_path
from rag.settings import BUNDLED_CORPUS, EmbeddingSettings, Settings


def corpus() -> list[Paper]:
    return merge_papers([parse_path(f) for f in discover_files([BUNDLED_CORPUS])])


def one_pass_texts(papers: list[Paper], repeat: int) -> list[str]:
    """What the pooled pass embeds: every evidence sentence and every title."""
    return [t for p in papers for t in [*paper_sentences(p), p.title]] * repeat


def pass_rows(
    papers: list[Paper], bare: Bare, today: EmbedderPool, pool: EmbedderPool, rounds: int
) -> list[list[object]]:
    """Whole passes over the papers, best of `rounds`, each next to bare onnxruntime on its own texts:
    today's two (chunks, then evidence sentences, one embedder on every core) and each one-pass method."""
    chunks = chunk_papers(papers, Settings().chunking)
    by_id = {p.id: p for p in papers}
    chunk_texts = [embedding_text(by_id[c.paper_id], c.text) for c in chunks]
    sentences = one_pass_texts(papers, 1)
    both = chunk_texts + sentences

    def tokens(texts: list[str]) -> int:
        return sum(len(e.ids) for e in today.tokenizer.encode_batch(texts))

    shape = f"{pool.processes} x {pool.threads}"
    jobs: list[tuple[str, list[str], Callable[[], object]]] = [
        (
            f"today: chunks, then sentences (1 x {today.threads})",
            both,
            lambda: (today.embed(chunk_texts), today.embed(sentences)),
        ),
        (
            f"one pass, pooled ({shape})",
            sentences,
            lambda: embed_papers(papers, chunks, pool, method="pooled"),
        ),
        (
            f"one pass, token states ({shape})",
            chunk_texts,
            lambda: embed_papers(papers, chunks, pool, method="token-states"),
        ),
    ]
    runs: dict[str, list[tuple[float, float]]] = {}
    for round_ in range(rounds):
        for name, texts, job in jobs if round_ % 2 == 0 else jobs[::-1]:
            started = time.perf_counter()
            bare.embed(texts) if texts is not both else (bare.embed(chunk_texts), bare.embed(sentences))
            floor = time.perf_counter() - started
            started = time.perf_counter()
            job()
            took = time.perf_counter() - started
            runs.setdefault(name, []).append((floor, took))
            print(f"{name}: {took:.2f} s, bare {floor:.2f} s", flush=True)
    rows: list[list[object]] = []
    for name, texts, _ in jobs:
        floor, took = min(f for f, _ in runs[name]), min(t for _, t in runs[name])
        paired = float(np.median([f / t for f, t in runs[name]]))
        rows.append(
            [
                name,
                len(papers),
                len(texts),
                tokens(texts),
                round(floor, 2),
                round(took, 2),
                round(len(papers) / took, 1),
                round(floor / took, 2),
                round(paired, 2),
            ]
        )
    return rows


class Bare:
    """The floor: one session using every core, the same batches, nothing else."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self.tokenizer = load_tokenizer(settings)
        self.session = ort.InferenceSession(str(model_files(settings)[0]), providers=["CPUExecutionProvider"])

    def embed(self, texts: list[str]) -> np.ndarray:
        ids = [e.ids for e in self.tokenizer.encode_batch(texts)]
        out = np.empty((len(texts), 384), dtype=np.float32)
        for rows in length_batches([len(i) for i in ids], self.settings.batch_size):
            width = max(len(ids[i]) for i in rows)
            batch = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(batch)
            for r, i in enumerate(rows):
                batch[r, : len(ids[i])] = ids[i]
                mask[r, : len(ids[i])] = 1
            feeds = {"input_ids": batch, "attention_mask": mask, "token_type_ids": np.zeros_like(batch)}
            hidden = self.session.run(None, feeds)[0]
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            out[rows] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out


def timed(embed: Callable[[list[str]], np.ndarray], texts: list[str]) -> tuple[float, float, np.ndarray]:
    """(seconds, 1-minute load average just before, vectors)."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    vectors = embed(texts)
    return time.perf_counter() - started, load, vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds; best round kept")
    parser.add_argument("--stride", type=int, default=1, help="every STRIDE-th text only (a shorter run)")
    parser.add_argument("--repeat", type=int, default=1, help="repeat the corpus's texts this many times")
    args = parser.parse_args()
    settings = EmbeddingSettings()
    cores = usable_cores()
    papers = corpus()
    texts = one_pass_texts(papers, args.repeat)[:: args.stride]
    bare = Bare(settings)
    tokens = sum(len(e.ids) for e in bare.tokenizer.encode_batch(texts))
    # one process on every core (today's embedder), one per core (threads = cores / processes = 1), half
    # as many with two threads each, and one per core with two threads (oversubscribed)
    shapes = [(1, cores), (cores, 1), (max(cores // 2, 1), 2), (cores, 2)]
    shapes = list(dict.fromkeys(s for s in shapes if s[0] > 1 or s[1] == cores))
    pools: dict[str, EmbedderPool] = {}
    start_up: dict[str, float] = {}
    for processes, threads in shapes:
        name = f"EmbedderPool {processes} x {threads}"
        started = time.perf_counter()
        pools[name] = EmbedderPool(settings, processes=processes, threads=threads)
        pools[name].warm()
        start_up[name] = time.perf_counter() - started
    bare.embed(texts[:64])
    seconds: dict[str, list[float]] = {}
    loads: list[float] = []
    reference: np.ndarray | None = None
    deviation = 0.0
    order = [("bare onnxruntime", bare.embed), *((n, p.embed) for n, p in pools.items())]
    for round_ in range(args.rounds):
        for name, embed in order if round_ % 2 == 0 else order[::-1]:  # drift cancels out
            took, load, vectors = timed(embed, texts)
            seconds.setdefault(name, []).append(took)
            print(f"{name}: {took:.2f} s (load {load:.2f})", flush=True)
            loads.append(load)
            if reference is None:
                reference = vectors
            deviation = max(deviation, float(np.abs(vectors - reference).max()))
    passes = pass_rows(
        papers[:: args.stride],
        bare,
        pools[f"EmbedderPool 1 x {cores}"],
        pools[f"EmbedderPool {cores} x 1"],
        args.rounds,
    )
    for pool in pools.values():
        pool.close()
    best_bare = min(seconds["bare onnxruntime"])
    rows: list[list[object]] = []
    for name, runs in seconds.items():
        best = min(runs)
        rows.append(
            [
                name,
                len(texts),
                tokens,
                round(best, 2),
                round(float(np.median(runs)), 2),
                round(len(texts) / best, 1),
                round(best_bare / best, 2),
                round(
                    float(np.median([b / r for b, r in zip(seconds["bare onnxruntime"], runs, strict=True)])),
                    2,
                ),
                round(start_up[name], 1) if name in start_up else "",
            ]
        )
    after = os.getloadavg()
    text = "# Embedding throughput: EmbedderPool vs bare onnxruntime\n\n"
    text += (
        f"Texts: the one pass's texts for the bundled corpus (every evidence sentence and every title)"
        f"{f', {args.repeat} times' if args.repeat > 1 else ''}"
        f"{f', every {args.stride}th' if args.stride > 1 else ''}. {cores} usable cores; "
        f"'P x T' is processes x onnxruntime intra-op threads each (1 x T embeds in the calling process). "
        f"Batches of {settings.batch_size} by token length for every row; bare onnxruntime is one session "
        f"with its default threads. Best of {args.rounds} interleaved rounds (median beside it); ratio = "
        "bare seconds / row seconds, best against best; "
        "paired ratio: bare / row within each round (measured seconds apart), median over rounds. "
        "Start-up: creating the pool and loading the model in every worker, not in the timed runs.\n\n"
    )
    text += table(
        [
            "embedder",
            "texts",
            "tokens",
            "seconds",
            "median s",
            "texts/s",
            "ratio vs bare",
            "median paired ratio",
            "start-up s",
        ],
        rows,
    )
    text += "\n\n## Whole passes: papers/s\n\n"
    text += (
        "Each pass next to bare onnxruntime on the same texts (the chunks for today's first pass and for "
        "token states, the sentences and titles for pooled and today's second), measured back to back in "
        "each round. The pass's seconds include splitting, locating sentences in chunks and pooling.\n\n"
    )
    text += table(
        [
            "pass",
            "papers",
            "texts",
            "tokens",
            "bare s",
            "pass s",
            "papers/s",
            "ratio vs bare",
            "median paired ratio",
        ],
        passes,
    )
    text += (
        f"\n\nEvery configuration gave the same vectors as bare onnxruntime to within {deviation:.2g} "
        f"(largest component difference).\n\n"
        f"How busy the machine was (shared): 1-minute load average before each measurement "
        f"min {min(loads):.2f}, median {float(np.median(loads)):.2f}, max {max(loads):.2f}; at the end "
        f"{after[0]:.2f} / {after[1]:.2f} / {after[2]:.2f} (1 / 5 / 15 min) on {os.cpu_count()} cores. "
        "A load above the core count means other people's processes took CPU time during the runs.\n\n"
        f"Run: `.venv/bin/python -m bench.embed_bench --rounds {args.rounds} --repeat {args.repeat} "
        f"--stride {args.stride}`\n"
    )
    print(text)
    print(f"written to {write_result('embed-throughput', text)}")


if __name__ == "__main__":
    main()
