"""The one embedding pass wired into the ingest (issue 19, item 2): each new or changed paper's evidence
sentence vectors go into the catalog, from the forward pass that gives its chunk vectors (the evidence
side reading them: tests/test_one_pass_evidence.py). Real model, real Chroma, real SQLite under tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.answering.evidence import paper_sentences
from rag.indexing.catalog import CatalogDB
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.index import PaperIndex
from rag.indexing.ingest import STAGED_NAME
from rag.indexing.passes import embed_papers
from rag.indexing.pool import EmbedderPool
from rag.models import Paper
from rag.settings import Settings
from tests.support.synthetic_papers import records, write_jsonl


def stored_rows(index: PaperIndex) -> dict[str, list[tuple[int, str, bytes]]]:
    db = CatalogDB.open(index.catalog_path)
    assert db is not None
    try:
        return db.sentence_vectors(list(index.papers))
    finally:
        db.close()


def expected_rows(index: PaperIndex, papers: list[Paper]) -> dict[str, tuple[list[str], np.ndarray]]:
    """What the pass gives for these papers' chunks as the catalog holds them, computed here afresh."""
    chunks = [c for c in index.chunks.values() if c.paper_id in {p.id for p in papers}]
    with EmbedderPool(processes=1) as pool:
        passed = embed_papers(papers, chunks, pool)
    return {v.paper_id: ([*v.sentences, v.title], v.vectors) for v in passed}


def ingest_six(tmp_path: Path, embedder: OnnxEmbedder) -> tuple[list[dict[str, object]], Path, PaperIndex]:
    """Six synthetic papers written to one JSONL source and ingested: (their records, the source, the index),
    so a test can edit a record, write the source again and ingest once more."""
    rows = records(6, seed=32)
    source = write_jsonl(tmp_path / "papers.jsonl", rows)
    index = PaperIndex(Settings(data_dir=tmp_path / "data"), embedder=embedder)
    index.ingest([source], progress=False)
    return rows, source, index


def assert_rows_are(rows: list[tuple[int, str, bytes]], texts: list[str], vectors: np.ndarray) -> None:
    assert [position for position, _, _ in rows] == list(range(len(texts)))
    assert [text for _, text, _ in rows] == texts
    got = np.vstack([np.frombuffer(vector, dtype=np.float32) for _, _, vector in rows])
    np.testing.assert_allclose(got, vectors, atol=1e-5)


def test_the_ingest_stores_the_passes_sentence_vectors(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    source = write_jsonl(tmp_path / "papers.jsonl", records(12, seed=31))
    settings = Settings(data_dir=tmp_path / "data")
    index = PaperIndex(settings, embedder=embedder)
    report = index.ingest([source], progress=False)
    assert report.written == 12 and report.embedded == len(index.chunks)
    assert not (settings.index_dir / STAGED_NAME).exists()  # the catalog holds the rows now

    papers = list(index.papers.values())
    rows = stored_rows(index)
    assert set(rows) == {p.id for p in papers}
    for paper_id, (texts, vectors) in expected_rows(index, papers).items():
        assert texts == [*paper_sentences(index.papers[paper_id]), index.papers[paper_id].title]
        assert_rows_are(rows[paper_id], texts, vectors)


def test_a_changed_paper_gets_new_rows_and_a_metadata_change_keeps_its_own(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    rows, source, index = ingest_six(tmp_path, embedder)
    before = stored_rows(index)
    by_title = {p.title: p.id for p in index.papers.values()}
    edited, retagged = by_title[str(rows[1]["title"])], by_title[str(rows[2]["title"])]
    category = index.papers[retagged].category
    rows[1]["abstract"] = "Kelp forests are mapped from drones. " + str(rows[1]["abstract"])
    rows[2]["categories"] = "cs.RO" if category != "RO" else "cs.CV"  # its sentences stay the same
    write_jsonl(source, rows)

    report = index.ingest([], progress=False)
    assert report.written == 2
    assert report.embedded == sum(c.paper_id == edited for c in index.chunks.values())  # the edited one only
    after = stored_rows(index)
    assert after[retagged] == before[retagged] and index.papers[retagged].category != category
    assert after[edited] != before[edited] and after[edited][0][1] == "Kelp forests are mapped from drones."
    texts, vectors = expected_rows(index, [index.papers[edited]])[edited]
    assert_rows_are(after[edited], texts, vectors)
    assert {k: v for k, v in after.items() if k != edited} == {k: v for k, v in before.items() if k != edited}
