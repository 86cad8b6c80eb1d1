"""Embedding on every core: worker processes, each with its own onnxruntime session, fed the very batches one
OnnxEmbedder would run (tokenized here, sorted by token length, `batch_size` texts each).

One session with N intra-op threads meets at a barrier after every operator, and waits there whenever a
thread is descheduled (often, on a shared machine) or an operator is too small to split; N processes of
one thread each never wait for each other. Measured here: 1.36x bare onnxruntime on 2 cores
(bench/results/embed-throughput.md). The vectors are the same as one process's, batch for batch
(tests/test_passes.py). Workers are spawned, not forked (onnxruntime's threads do not survive a fork), so
a script that starts a pool needs the `if __name__ == "__main__":` guard; the `rag` command has it.
Workers exit on `close` and when the process that started them dies (kill -9 included), so an
interrupted ingest leaves none behind.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, NamedTuple

import numpy as np

from rag.indexing.embedder import OnnxEmbedder, length_batches, load_tokenizer
from rag.settings import EmbeddingSettings

_WORKER: OnnxEmbedder | None = None


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# below this many papers, starting workers (spawn, imports, model load: seconds) costs more than it saves
SMALL_PASS_PAPERS = 128


def processes_for(papers: int, settings: EmbeddingSettings) -> int:
    """Embedding processes for a pass over `papers` papers: the setting when given, else one for a small
    pass (a re-ingest of a few changed papers stays fast) and one per core for a large one."""
    if settings.processes:
        return settings.processes
    return 1 if papers < SMALL_PASS_PAPERS else usable_cores()


def _orphan_watch(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)  # the parent died without closing the pool


def _start_worker(settings: EmbeddingSettings, parent: int) -> None:
    global _WORKER
    _WORKER = OnnxEmbedder(settings)
    threading.Thread(target=_orphan_watch, args=(parent,), daemon=True).start()


class Segments(NamedTuple):
    """One text's forward pass: its own vector, and the sums of its token states by segment label."""

    vector: np.ndarray  # unit mean of every token, as OnnxEmbedder.embed gives for the text
    labels: np.ndarray  # (k,) the distinct labels >= 0 of its tokens
    sums: np.ndarray  # (k, d) float32 sums of the token states of each label
    counts: np.ndarray  # (k,) tokens of each label


def segment_sums(
    embedder: OnnxEmbedder, token_ids: list[list[int]], labels: list[np.ndarray]
) -> list[Segments]:
    """One batch: each text's vector, and its token states summed by label (-1: left out)."""
    hidden, mask = embedder.hidden_states(token_ids)
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    out = []
    for row, own in enumerate(labels):
        kept = np.unique(own[own >= 0])
        one_hot = (own[None, :] == kept[:, None]).astype(np.float32)  # (k, tokens)
        states = hidden[row, : len(own)]
        out.append(Segments(pooled[row].astype(np.float32), kept, one_hot @ states, one_hot.sum(axis=1)))
    return out


# what a batch can be asked for, by name (only the name and the batch cross to a worker)
_TASKS: dict[str, Callable[[OnnxEmbedder, Any], Any]] = {
    "embed": lambda embedder, ids: embedder.embed_ids(ids),
    "segments": lambda embedder, batch: segment_sums(embedder, *batch),
}


def _in_worker(task: str, batch: Any) -> Any:
    assert _WORKER is not None, "worker not started"
    return _TASKS[task](_WORKER, batch)


class EmbedderPool:
    """`embed(texts)` like OnnxEmbedder's, on `processes` workers of `threads` intra-op threads each.

    processes=1 embeds in this process (no workers), with `local` when given (a model already loaded,
    as an ingest has). Use it as a context manager, or call `close`.
    """

    def __init__(
        self,
        settings: EmbeddingSettings | None = None,
        processes: int = 0,
        threads: int = 0,
        local: OnnxEmbedder | None = None,
    ) -> None:
        self.settings = settings or EmbeddingSettings()
        cores = usable_cores()
        self.processes = processes or self.settings.processes or cores
        self.threads = threads or self.settings.threads or max(1, cores // self.processes)
        worker_settings = self.settings.model_copy(update={"threads": self.threads})
        self.tokenizer = load_tokenizer(self.settings)
        self._dimension: int | None = None
        self._local: OnnxEmbedder | None = None
        self._executor: ProcessPoolExecutor | None = None
        if self.processes == 1:
            self._local = local or OnnxEmbedder(worker_settings)
            self._dimension = self._local.dimension
        else:
            self._executor = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),  # no fork of a threaded onnxruntime
                initializer=_start_worker,
                initargs=(worker_settings, os.getpid()),
            )

    @property
    def model_name(self) -> str:
        return self.settings.model_name

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self.warm()
        assert self._dimension is not None
        return self._dimension

    def warm(self) -> None:
        """Start every worker and load its model now, not inside the first timed call."""
        if self._executor is not None:
            # submitted together, so that each starts a worker (the executor starts them on demand)
            futures = [
                self._executor.submit(_in_worker, "embed", [[101, 102]]) for _ in range(self.processes)
            ]
            self._dimension = int(futures[0].result().shape[1])
            for future in futures:
                future.result()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text, float32; equal to OnnxEmbedder(settings).embed(texts)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for rows, vectors in self._run("embed", ids, lambda rows: [ids[i] for i in rows]):
            out[rows] = vectors
        return out

    def embed_segments(self, token_ids: list[list[int]], labels: list[np.ndarray]) -> list[Segments]:
        """For each tokenized text: its vector and its token states summed by label (one label per token,
        -1 for none), from the one forward pass; batched by token length like `embed`."""
        out: list[Segments | None] = [None] * len(token_ids)
        payload = lambda rows: ([token_ids[i] for i in rows], [labels[i] for i in rows])  # noqa: E731
        for rows, segments in self._run("segments", token_ids, payload):
            for i, one in zip(rows, segments, strict=True):
                out[i] = one
        return [one for one in out if one is not None]

    def _run(
        self, task: str, ids: list[list[int]], payload: Callable[[list[int]], Any]
    ) -> Iterator[tuple[list[int], Any]]:
        """(rows, result) of every length-sorted batch, in this process or on the workers."""
        batches = length_batches([len(i) for i in ids], self.settings.batch_size)
        if self._local is not None:
            for rows in batches:
                yield rows, _TASKS[task](self._local, payload(rows))
            return
        assert self._executor is not None
        # a bounded window keeps every worker fed without queuing a whole collection's token ids
        window = self.processes * 4
        pending: deque[tuple[list[int], Future[Any]]] = deque()
        for rows in batches:
            pending.append((rows, self._executor.submit(_in_worker, task, payload(rows))))
            if len(pending) >= window:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> EmbedderPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
