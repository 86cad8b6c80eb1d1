"""The one embedding pass and the embedder pool, with the real ONNX model on real papers of the corpus."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bench.one_pass_bench import token_state_pass
from eval.schema import index_papers_by_title, load_cases, resolve_titles
from rag.answering.evidence import EvidenceSelector, paper_sentences
from rag.indexing.chunking import chunk_papers, embedding_text
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.passes import (
    chunk_sentence_weights,
    embed_papers,
    iter_paper_vectors,
    pool_chunks,
)
from rag.indexing.pool import SMALL_PASS_PAPERS, EmbedderPool, processes_for, usable_cores
from rag.models import Chunk, Paper
from rag.parsing import discover_files, merge_papers, parse_path
from rag.settings import BUNDLED_CORPUS, PROJECT_ROOT, EmbeddingSettings, Settings


@pytest.fixture(scope="module")
def corpus() -> list[Paper]:
    return merge_papers([parse_path(f) for f in discover_files([BUNDLED_CORPUS])])


@pytest.fixture(scope="module")
def few(corpus: list[Paper]) -> tuple[list[Paper], list[Chunk]]:
    """The gold papers of three eval questions plus six others, the longest of them with several chunks."""
    cases = resolve_titles(load_cases(PROJECT_ROOT / "eval" / "qa.jsonl"), index_papers_by_title(corpus))
    gold = {g for c in cases if c.type == "fact" for g in c.gold_ids[:1]}
    chosen = sorted(gold)[:3]
    others = sorted((p for p in corpus if p.id not in chosen), key=lambda p: -len(p.abstract))[:6]
    papers = [p for p in corpus if p.id in chosen] + others
    return papers, chunk_papers(papers, Settings().chunking)


@pytest.fixture(scope="module")
def pool() -> Iterator[EmbedderPool]:
    with EmbedderPool(processes=2) as started:
        yield started


@pytest.fixture(scope="module")
def in_process() -> EmbedderPool:
    return EmbedderPool(processes=1)


def test_every_sentence_is_shared_out_among_the_chunks(few: tuple[list[Paper], list[Chunk]]) -> None:
    papers, chunks = few
    for paper in papers:
        own = [c.text for c in chunks if c.paper_id == paper.id]
        weights = chunk_sentence_weights(paper, paper_sentences(paper), own)
        assert weights.shape == (len(own), len(paper_sentences(paper)))
        assert np.allclose(weights.sum(axis=0), 1.0), paper.title  # each sentence, whole, once
        assert (weights.sum(axis=1) > 0).all()  # no chunk without a sentence
    assert any(len([c for c in chunks if c.paper_id == p.id]) > 2 for p in papers)


def test_a_chunk_not_found_verbatim_falls_back_to_its_words() -> None:
    paper = Paper(
        id="p",
        title="Kelp Mapping",
        abstract="Kelp forests are mapped from drones.   Cover fell by 30% in a decade. We release the maps.",
    )
    sentences = paper_sentences(paper)
    assert len(sentences) == 3
    exact = chunk_sentence_weights(paper, sentences, ["Kelp forests are mapped\nfrom drones.", "Cover fell"])
    assert exact[0].tolist() == [1.0, 0.0, 0.0]
    assert 0 < exact[1, 1] < 1 and exact[1, 0] == exact[1, 2] == 0  # part of a sentence counts in part
    altered = chunk_sentence_weights(paper, sentences, ["We release the maps today, and cover fell by 30%"])
    assert altered[0, 2] == 1.0 and altered[0, 0] == 0.0


def test_a_chunk_with_no_sentence_is_its_title() -> None:
    rows = np.eye(3, dtype=np.float32)  # two sentences, then the title
    weights = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.0]])
    pooled = pool_chunks(rows, np.array([5, 10, 4]), weights)
    assert np.allclose(pooled[0], [0, 0, 1])
    assert np.allclose(pooled[1], np.ones(3) / np.sqrt(3))
    assert np.allclose(pooled[2], np.array([0.5, 0, 1]) / np.linalg.norm([0.5, 0, 1]))
    by_tokens = pool_chunks(rows, np.array([5, 10, 4]), weights, by_tokens=True)
    assert np.allclose(by_tokens[1], np.array([5, 10, 4]) / np.linalg.norm([5, 10, 4]))


def test_sentence_rows_are_the_evidence_selectors(
    few: tuple[list[Paper], list[Chunk]], embedder: OnnxEmbedder
) -> None:
    papers, chunks = few
    passed = embed_papers(papers, chunks, embedder, method="pooled")  # type: ignore[arg-type]
    today = EvidenceSelector(embedder).sentences(papers)
    for paper, vectors, (sentences, expected) in zip(papers, passed, today, strict=True):
        assert vectors.paper_id == paper.id and vectors.sentences == sentences
        assert np.allclose(vectors.vectors, expected, atol=1e-5)
        rows = vectors.sentence_rows()
        assert [r[0] for r in rows] == list(range(len(sentences) + 1)) and rows[-1][1] == paper.title
        assert np.array_equal(np.frombuffer(rows[-1][2], dtype=np.float32), vectors.vectors[-1])
        assert vectors.chunk_ids == [c.id for c in chunks if c.paper_id == paper.id]


def test_pooled_chunks_are_close_to_and_rank_like_direct_ones(
    few: tuple[list[Paper], list[Chunk]], embedder: OnnxEmbedder, corpus: list[Paper]
) -> None:
    papers, chunks = few
    by_id = {p.id: p for p in papers}
    direct = embedder.embed([embedding_text(by_id[c.paper_id], c.text) for c in chunks])
    passed = embed_papers(papers, chunks, embedder, method="pooled")  # type: ignore[arg-type]
    pooled = np.vstack([v.chunk_vectors for v in passed])
    assert [c.id for c in chunks] == [i for v in passed for i in v.chunk_ids]
    assert np.allclose(np.linalg.norm(pooled, axis=1), 1.0, atol=1e-5)
    cosine = (pooled * direct).sum(axis=1)
    assert cosine.min() > 0.7 and cosine.mean() > 0.85  # bundled corpus: 0.675 min, 0.892 mean
    # every pooled chunk is nearest to its own direct vector among all the chunks
    assert ((pooled @ direct.T).argmax(axis=1) == np.arange(len(chunks))).all()
    # and the eval's fact questions about these papers find the same paper first either way
    cases = resolve_titles(load_cases(PROJECT_ROOT / "eval" / "qa.jsonl"), index_papers_by_title(corpus))
    questions = [c.case.question for c in cases if c.type == "fact" and c.gold_ids[0] in by_id]
    assert questions
    for question in questions:
        q = embedder.embed_one(question)
        assert chunks[int(np.argmax(pooled @ q))].paper_id == chunks[int(np.argmax(direct @ q))].paper_id


def test_the_pool_gives_one_process_vectors(
    few: tuple[list[Paper], list[Chunk]], embedder: OnnxEmbedder, pool: EmbedderPool, in_process: EmbedderPool
) -> None:
    papers, chunks = few
    texts = [t for p in papers for t in [*paper_sentences(p), p.title]] + ["", "word " * 400]
    assert pool.processes == 2 and pool.threads >= 1
    assert np.allclose(pool.embed(texts), embedder.embed(texts), atol=1e-6)
    assert pool.embed([]).shape == (0, 384)
    reused = EmbedderPool(processes=1, local=embedder)  # no second model in this process
    assert reused._local is embedder and np.array_equal(reused.embed(texts[:5]), embedder.embed(texts[:5]))
    for method in ("pooled", "token-states"):
        one = embed_papers(papers, chunks, in_process, method=method)  # type: ignore[arg-type]
        two = embed_papers(papers, chunks, pool, method=method)  # type: ignore[arg-type]
        for a, b in zip(one, two, strict=True):
            assert np.allclose(a.vectors, b.vectors, atol=1e-6)
            assert np.allclose(a.chunk_vectors, b.chunk_vectors, atol=1e-6)


def test_token_states_keep_todays_chunk_vectors_and_give_every_token_a_sentence(
    few: tuple[list[Paper], list[Chunk]], embedder: OnnxEmbedder, in_process: EmbedderPool
) -> None:
    papers, chunks = few
    by_id = {p.id: p for p in papers}
    texts = [embedding_text(by_id[c.paper_id], c.text) for c in chunks]
    passed = embed_papers(papers, chunks, in_process, method="token-states")
    assert np.allclose(np.vstack([v.chunk_vectors for v in passed]), embedder.embed(texts), atol=1e-5)
    # every token but [CLS] and [SEP] went to the title or to the sentence it is part of
    tokens = sum(len(e.ids) - 2 for e in embedder.tokenizer.encode_batch(texts))
    assert sum(int(v.tokens.sum()) for v in passed) == tokens
    # the benchmark's separate implementation (offsets into whitespace-normalised chunks) agrees
    pooled = embed_papers(papers, chunks, embedder, method="pooled")  # type: ignore[arg-type]
    _, rows, _ = token_state_pass(papers, chunks, {v.paper_id: v for v in pooled}, embedder)
    today = EvidenceSelector(embedder).sentences(papers)
    for vectors, (sentences, alone) in zip(passed, today, strict=True):
        assert vectors.sentences == sentences and len(vectors.vectors) == len(sentences) + 1
        assert np.allclose(np.linalg.norm(vectors.vectors, axis=1), 1.0, atol=1e-5)
        assert np.allclose(vectors.vectors, rows[vectors.paper_id], atol=1e-4)
        # in context, yet about the same thing (bundled corpus: cosine 0.77 on average)
        assert float((vectors.vectors * alone).sum(axis=1).mean()) > 0.5


def test_rows_without_tokens_in_any_chunk_are_embedded_alone(
    embedder: OnnxEmbedder, in_process: EmbedderPool
) -> None:
    # a title long enough to fill the 256 tokens leaves the abstract's sentences truncated away; an empty
    # abstract has one row, the title itself, that no chunk holds
    long_title = Paper(id="long", title="kelp " * 300, abstract="Kelp cover fell. Urchins grew.")
    empty = Paper(id="empty", title="Lichen Growth Models", abstract="")
    papers = [long_title, empty]
    passed = embed_papers(papers, chunk_papers(papers, Settings().chunking), in_process)
    assert passed[0].sentences == ["Kelp cover fell.", "Urchins grew."] and passed[0].tokens[:2].tolist() == [
        0,
        0,
    ]
    assert np.allclose(passed[0].vectors[:2], embedder.embed(passed[0].sentences), atol=1e-5)
    assert passed[1].sentences == ["Lichen Growth Models"] and passed[1].tokens[0] == 0 < passed[1].tokens[1]
    assert np.allclose(passed[1].vectors[0], embedder.embed_one("Lichen Growth Models"), atol=1e-5)
    assert len(passed[1].chunk_vectors) == len(passed[1].chunk_ids) == 1


def test_the_progress_bar_counts_papers(
    few: tuple[list[Paper], list[Chunk]], pool: EmbedderPool, capsys: pytest.CaptureFixture[str]
) -> None:
    papers, chunks = few
    groups = list(iter_paper_vectors(papers, chunks, pool, group=4, progress=True))
    assert [len(g) for g in groups] == [4, 4, 1]
    err = capsys.readouterr().err
    assert f"{len(papers)}/{len(papers)}" in err and "papers/s" in err
    assert embed_papers([], [], pool) == []


def test_small_passes_embed_in_process_and_large_ones_on_every_core() -> None:
    settings = EmbeddingSettings()
    assert processes_for(SMALL_PASS_PAPERS - 1, settings) == 1
    assert processes_for(SMALL_PASS_PAPERS, settings) == usable_cores()
    assert processes_for(3, EmbeddingSettings(processes=3)) == 3


ORPHAN = """
import sys, time
from rag.indexing.pool import SMALL_PASS_PAPERS, EmbedderPool, processes_for, usable_cores
if __name__ == "__main__":
    pool = EmbedderPool(processes=2)
    pool.warm()
    print("ready", flush=True)
    time.sleep(600)
"""


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_workers_exit_when_the_ingest_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN, encoding="utf-8")
    parent = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT
    )
    assert parent.stdout is not None and parent.stdout.readline().strip() == "ready"
    workers = _children(parent.pid)
    assert len(workers) >= 2
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, f"workers {left} outlived their killed parent"
