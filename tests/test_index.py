"""The index with real parts: Chroma (embedded and a `chroma run` server), the ONNX model, bm25s."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.index import PaperIndex
from rag.models import SearchFilters
from rag.parsing import normalize_title
from rag.retrieval import Searcher
from rag.settings import BUNDLED_CORPUS, ChunkingSettings, Settings
from tests.conftest import free_port

LISTING = """Daily Papers

{title}

{abstract}

  • 3 authors
·
Mar 3, 2025
"""


def write_listing(path: Path, papers: list[tuple[str, str]]) -> Path:
    path.write_text("\n".join(LISTING.format(title=t, abstract=a) for t, a in papers), encoding="utf-8")
    return path


def small_index(tmp_path: Path, embedder: OnnxEmbedder, **kwargs: object) -> PaperIndex:
    return PaperIndex(Settings(data_dir=tmp_path / "data", **kwargs), embedder=embedder)  # type: ignore[arg-type]


def test_embedder_gives_unit_vectors_and_truncates(embedder: OnnxEmbedder) -> None:
    vectors = embedder.embed(["regret lower bounds for bandits", "word " * 2000, ""])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    near = embedder.embed(["minimax regret lower bound", "a recipe for banana bread"])
    assert float(vectors[0] @ near[0]) > 0.5
    # pooling must ignore padding: unrelated texts are far apart, not pulled together by pad tokens
    assert float(vectors[0] @ near[1]) < 0.25


def test_a_vector_does_not_depend_on_its_batch(embedder: OnnxEmbedder) -> None:
    texts = [
        "short",
        "a much longer sentence about interval bound propagation " * 6,
        "mid-sized text on gait",
    ]
    batched = embedder.embed(texts)
    alone = np.vstack([embedder.embed_one(t) for t in texts])
    assert np.allclose(batched, alone, atol=1e-5)


def test_bundled_corpus_is_indexed_once_per_paper(corpus_index: PaperIndex) -> None:
    titles = [normalize_title(p.title) for p in corpus_index.papers.values()]
    assert len(titles) == len(set(titles)) > 150
    assert corpus_index.store.count() == len(corpus_index.chunks)
    assert {c.paper_id for c in corpus_index.chunks.values()} == set(corpus_index.papers)


def test_index_name_follows_embedding_and_chunking() -> None:
    base = Settings()
    assert base.index_name == Settings().index_name
    assert base.index_name != Settings(chunking=ChunkingSettings(chunk_size=200)).index_name
    assert "minilm" in base.index_name


def test_reingest_unchanged_changed_and_removed(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_listing(
        corpus / "a.txt",
        [
            ("Quantum Widget Calibration", "We calibrate quantum widgets. It works."),
            ("Sparse Gizmo Routing", "Gizmos are routed sparsely. Latency drops."),
        ],
    )
    write_listing(corpus / "b.txt", [("Ocean Wave Forecasting", "We forecast ocean waves with kernels.")])
    index = small_index(tmp_path, embedder)
    first = index.ingest([corpus])
    assert (first.papers, first.problems) == (3, []) and first.embedded == first.chunks > 0
    assert first.written == 3

    again = index.ingest([])
    assert again.embedded == 0 and again.removed == 0 and again.papers == 3
    assert again.written == again.deleted == 0  # nothing changed: no catalog row is written
    assert [h.paper.title for h in Searcher(index).search("it works", mode="bm25")] == [
        "Quantum Widget Calibration"
    ]

    write_listing(
        corpus / "a.txt",
        [
            ("Quantum Widget Calibration", "We calibrate quantum widgets with lasers."),
            ("Sparse Gizmo Routing", "Gizmos are routed sparsely. Latency drops."),
        ],
    )
    changed = index.ingest([])
    assert changed.embedded == 1 and changed.papers == 3 and (changed.written, changed.deleted) == (1, 0)
    hits = Searcher(index).search("lasers", mode="bm25")
    assert [h.paper.title for h in hits] == ["Quantum Widget Calibration"]
    assert Searcher(index).search("it works", mode="bm25") == []  # its old text left the keyword index

    (corpus / "b.txt").unlink()
    removed = index.ingest([])
    assert removed.papers == 2 and removed.removed == 1 and (removed.written, removed.deleted) == (0, 1)
    assert Searcher(index).search("ocean waves kernels", mode="bm25") == []
    assert "Ocean Wave Forecasting" not in {p.title for p in index.papers.values()}
    assert index.store.count() == len(index.chunks)


def test_bad_input_is_skipped_and_named(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    good = write_listing(tmp_path / "good.txt", [("Tidal Energy Estimation", "We estimate tidal energy.")])
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02garbage\xff")
    empty = tmp_path / "empty.bib"
    empty.write_text("")
    index = small_index(tmp_path, embedder)
    report = index.ingest([good, binary, empty])
    assert report.papers == 1
    named = {Path(p.source).name for p in report.problems}
    assert named == {"blob.txt", "empty.bib"}
    assert all("\n" not in str(p) for p in report.problems)


def test_search_modes_and_filters(corpus_index: PaperIndex) -> None:
    searcher = Searcher(corpus_index)
    gold = {p.id for p in corpus_index.papers.values() if re.search("regret lower bound", p.abstract, re.I)}
    assert len(gold) >= 3
    for mode, depth in (("hybrid", len(gold)), ("bm25", len(gold)), ("dense", 10)):
        hits = searcher.search("regret lower bounds", k=depth, mode=mode)  # type: ignore[arg-type]
        assert len({h.paper.id for h in hits}) == len(hits) == depth
        assert gold <= {h.paper.id for h in hits}, mode
    recent = searcher.search("transformers", k=20, filters=SearchFilters(year_from=2025))
    assert recent and all(h.paper.year is not None and h.paper.year >= 2025 for h in recent)
    vision = searcher.search("gait", k=20, filters=SearchFilters(category="cv"))
    assert vision and all(h.paper.category == "CV" for h in vision)
    kim = searcher.search("learning", k=30, filters=SearchFilters(author="JUNO KIM"))
    assert kim and all(any("juno kim" in a.lower() for a in h.paper.authors) for h in kim)
    assert searcher.search("learning", filters=SearchFilters(year_from=2090)) == []
    assert searcher.search("   ") == []


def test_chroma_server_path(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    assert chroma, "the chroma command comes with the chromadb package"
    port = free_port()
    server = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("chroma server did not start")
        listing = write_listing(
            tmp_path / "c.txt",
            [
                ("Glacier Melt Sensing", "Satellites sense glacier melt."),
                ("Bee Swarm Robotics", "Robots imitate bee swarms."),
            ],
        )
        index = small_index(tmp_path, embedder, chroma_url=url)
        assert index.ingest([listing]).embedded == 2
        assert index.stats().location == url and index.store.count() == 2
        assert not (tmp_path / "data" / "chroma").exists()
        hits = Searcher(index).search("melting ice observed from space", k=1, mode="dense")
        assert hits[0].paper.title == "Glacier Melt Sensing"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_ingest_killed_midway_still_answers_and_resumes(tmp_path: Path) -> None:
    """kill -9 during embedding: the old catalog still answers; the next ingest finishes the job."""
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data"), "RAG_EMBEDDING_BATCH_SIZE": "4"}
    rag = [sys.executable, "-m", "rag.cli"]
    first = BUNDLED_CORPUS / "003_f114800e646c1d45.txt"
    subprocess.run([*rag, "ingest", str(first), "--no-progress"], env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        [*rag, "ingest", str(BUNDLED_CORPUS), "--progress"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    seen = b""
    while proc.poll() is None:
        seen += os.read(proc.stderr.fileno(), 256)
        done = [int(n) for n in re.findall(rb"(\d+)/\d+ \[", seen)]
        if done and max(done) >= 40:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"

    answered = subprocess.run([*rag, "search", "grokking", "--json"], env=env, capture_output=True, text=True)
    assert answered.returncode == 0 and "Grokking" in answered.stdout

    resumed = subprocess.run([*rag, "ingest", "--no-progress"], env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    embedded, total = (
        int(x) for x in re.search(r"(\d+) chunks .*embedded (\d+)", resumed.stdout).groups()[::-1]
    )
    assert 0 < embedded < total - 40
    stats = subprocess.run([*rag, "stats", "--json"], env=env, capture_output=True, text=True, check=True)
    assert '"papers": 186' in stats.stdout and re.search(
        r'"chunks": (\d+).*"vectors": \1', stats.stdout, re.S
    )
