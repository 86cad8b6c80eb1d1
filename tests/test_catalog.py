"""The SQLite catalog and the keyword segments: an ingest writes only what changed, keyword search follows,
catalog.json is imported once, a kill -9 inside the transaction changes nothing. Real SQLite files and
bm25s; no embedding (the ingest side is in test_index.py and test_ingest_reliability.py)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from rag.indexing.catalog import DB_NAME, KEYWORD_DIR, CatalogDB, IngestState, Written
from rag.indexing.chunking import chunk_paper, make_splitter
from rag.indexing.index import PaperIndex
from rag.indexing.keyword import MAX_SEGMENTS, KeywordIndex, store_changes
from rag.indexing.legacy import LegacyCatalog
from rag.models import Chunk, Paper
from rag.parsing import paper_id
from rag.settings import PROJECT_ROOT, ChunkingSettings, Settings

STATE = IngestState(embedding_model="m", sources=["/x.jsonl"])


def paper(title: str, abstract: str) -> tuple[Paper, list[Chunk]]:
    p = Paper(id=paper_id(title), title=title, abstract=abstract)
    return p, chunk_paper(p, make_splitter(ChunkingSettings()))


def rowids(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT 'p:' || id, rowid FROM papers UNION ALL SELECT 'c:' || id, rowid FROM chunks"
        )
        return dict(rows.fetchall())


def commit(db: CatalogDB, upserts: list[tuple[Paper, list[Chunk]]], removed: list[str]) -> Written:
    return store_changes(db, db.path.parent / KEYWORD_DIR, upserts, removed, STATE)


def found(keyword: KeywordIndex, text: str, allowed: set[str] | None = None) -> list[str]:
    return [c.split("#")[0] for c, _ in keyword.query(text, 5, allowed)]


def three() -> list[tuple[Paper, list[Chunk]]]:
    return [
        paper("Quantum Widget Calibration", "We calibrate quantum widgets. It works."),
        paper("Sparse Gizmo Routing", "Gizmos are routed sparsely. Latency drops."),
        paper("Ocean Wave Forecasting", "We forecast ocean waves with kernels."),
    ]


def test_one_changed_paper_rewrites_only_its_rows_and_the_keyword_index_follows(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    db = CatalogDB.create(path)
    first = commit(db, three(), [])
    assert (first.papers_written, first.chunks_deleted) == (3, 0)
    folder = path.parent / KEYWORD_DIR
    quantum, gizmo, ocean = (p.id for p, _ in three())
    assert found(KeywordIndex(db, folder), "does it work") == [quantum]
    before = rowids(path)
    assert db.segments() == {1: 3}

    changed = paper("Quantum Widget Calibration", "We calibrate quantum widgets with lasers.")
    with sqlite3.connect(path) as conn:  # what was written for the gizmo paper, to compare afterwards
        untouched = conn.execute("SELECT * FROM chunks WHERE paper_id = ?", (gizmo,)).fetchall()
    written = commit(db, [changed], [])
    assert written.papers_written == 1 and written.chunks_written == len(changed[1])
    assert db.segments() == {1: 3, 2: 1}  # a segment of its one chunk; the first one is kept as it was
    assert sorted(p.name for p in folder.iterdir()) == ["1", "2"]
    after = rowids(path)
    assert {k: v for k, v in after.items() if quantum not in k} == {
        k: v for k, v in before.items() if quantum not in k
    }  # every other paper's and chunk's row is where it was
    assert after[f"p:{quantum}"] == before[f"p:{quantum}"]  # the paper keeps its place in the order
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT * FROM chunks WHERE paper_id = ?", (gizmo,)).fetchall() == untouched
    keyword = KeywordIndex(db, folder)
    assert found(keyword, "does it work") == []  # the old text's postings are dead
    assert found(keyword, "lasers") == found(keyword, "quantum widgets") == [quantum]
    assert found(keyword, "calibrate widgets", allowed={gizmo}) == []

    removed = commit(db, [], [ocean])
    assert (removed.papers_deleted, removed.papers_written) == (1, 0)
    assert found(KeywordIndex(db, folder), "ocean waves") == [] and db.paper(ocean) is None
    assert db.count("papers") == 2 and db.count("chunks") == sum(len(c) for _, c in three()[:2])
    assert found(KeywordIndex(db, folder), "gizmos latency") == [gizmo]


def test_segments_score_as_one_index_and_are_merged(tmp_path: Path) -> None:
    """The same papers written in one segment or one per paper rank and score alike; once there are
    MAX_SEGMENTS, the next change indexes every live chunk as one segment and deletes the others."""
    rows = [
        paper(f"Paper {i} on dunes", f"Wind moves sand{' dunes' * i}. Grain {i} rolls.") for i in range(12)
    ]
    rows.append(paper("Ripples", "Ripples form on sand dunes under wind."))
    one = CatalogDB.create(tmp_path / "one" / DB_NAME)
    commit(one, rows, [])
    many = CatalogDB.create(tmp_path / "many" / DB_NAME)
    for row in rows[: MAX_SEGMENTS - 1]:
        commit(many, [row], [])
    commit(many, rows[MAX_SEGMENTS - 1 :], [])
    assert len(many.segments()) == MAX_SEGMENTS
    for text in ("sand dunes", "ripples wind", "grain 3 rolls"):
        a = KeywordIndex(one, tmp_path / "one" / KEYWORD_DIR).query(text, 5)
        b = KeywordIndex(many, tmp_path / "many" / KEYWORD_DIR).query(text, 5)
        assert [i for i, _ in a] == [i for i, _ in b] and a
        assert [round(s, 4) for _, s in a] == [round(s, 4) for _, s in b]
    commit(many, [paper("Ripples", "Ripples form on wet sand.")], [])
    assert list(many.segments()) == [MAX_SEGMENTS + 1]
    assert [p.name for p in (tmp_path / "many" / KEYWORD_DIR).iterdir()] == [str(MAX_SEGMENTS + 1)]
    assert found(KeywordIndex(many, tmp_path / "many" / KEYWORD_DIR), "wet ripples") == [paper_id("Ripples")]


def test_titles_are_searched_and_stop_words_dropped(tmp_path: Path) -> None:
    db = CatalogDB.create(tmp_path / DB_NAME)
    commit(db, three(), [])
    keyword = KeywordIndex(db, tmp_path / KEYWORD_DIR)
    assert found(keyword, "forecasting") == [paper_id("Ocean Wave Forecasting")]  # a title word
    assert keyword.query("of the", 5) == [] and keyword.query("", 5) == []


def test_papers_and_chunks_are_read_on_demand(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    db = CatalogDB.create(settings.index_dir / DB_NAME)
    commit(db, three(), [])
    index = PaperIndex(settings)
    quantum = paper_id("Quantum Widget Calibration")
    assert len(index.papers) == 3 and quantum in index.papers and "nope" not in index.papers
    assert index.papers[quantum].title == "Quantum Widget Calibration"
    assert index.chunks[f"{quantum}#0"].paper_id == quantum
    assert [p.title for p in index.papers.values()] == [p.title for p, _ in three()]  # the order written
    assert list(index.papers) == [p.id for p, _ in three()] and dict(index.papers.items()).keys() == set(
        index.papers
    )
    with pytest.raises(KeyError):
        index.papers["nope"]


def test_a_catalog_json_is_imported_once_and_nothing_is_lost(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.index_dir.mkdir(parents=True)
    rows = three()
    legacy = LegacyCatalog(
        embedding_model="all-MiniLM-L6-v2",
        sources=["/papers.jsonl"],
        pending=["/papers.jsonl", "/more.jsonl"],
        papers=[p for p, _ in rows],
        chunks=[c for _, cs in rows for c in cs],
    )
    (settings.index_dir / "catalog.json").write_text(legacy.model_dump_json(), encoding="utf-8")
    (settings.index_dir / "bm25").mkdir()
    said: list[str] = []
    index = PaperIndex(settings, say=said.append)
    assert said == [f"imported catalog.json (3 papers) into {DB_NAME} (once)"]
    assert list(index.papers.values()) == legacy.papers and list(index.chunks.values()) == legacy.chunks
    assert index.state == IngestState(**legacy.model_dump(include={"embedding_model", "sources", "pending"}))
    assert index.unfinished == ["/more.jsonl"]
    assert found(index.keyword, "lasers or kernels") == [paper_id("Ocean Wave Forecasting")]
    assert (settings.index_dir / "catalog.json.imported").exists()
    assert not (settings.index_dir / "catalog.json").exists() and not (settings.index_dir / "bm25").exists()
    said.clear()
    assert len(PaperIndex(settings, say=said.append).papers) == 3 and said == []  # once


KILLED_WRITER = """
import sys, time
from pathlib import Path
from rag.indexing.catalog import CatalogDB, IngestState
from rag.models import Chunk, Paper

def rows():
    for i in range(400):
        if i == 200:
            print("half", flush=True)
            time.sleep(60)
        p = Paper(id=f"p{i}", title=f"Paper {i}", abstract="Words about dunes.")
        yield p, [Chunk(id=f"p{i}#0", paper_id=p.id, position=0, text=p.abstract, content_hash=str(i))]

db = CatalogDB.create(Path(sys.argv[1]))
db.apply(rows(), ["gone"], IngestState(embedding_model="m", sources=["/new.jsonl"]))
"""


def test_kill_9_inside_the_write_leaves_the_previous_catalog(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    db = CatalogDB.create(path)
    db.apply(
        [paper("Gone Paper", "It stays until a write commits.")],
        [],
        STATE.model_copy(update={"pending": ["/new.jsonl"]}),
    )
    db.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT
    )
    assert (
        proc.stdout is not None and proc.stdout.readline().strip() == "half"
    )  # 200 papers written, uncommitted
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    reopened = CatalogDB.open(path)
    assert reopened is not None
    assert reopened.paper_hashes().keys() == {paper_id("Gone Paper")}
    assert reopened.state() == STATE.model_copy(update={"pending": ["/new.jsonl"]})
    assert reopened.count("chunks") == 1


def test_sentence_vectors_go_with_their_paper(tmp_path: Path) -> None:
    db = CatalogDB.create(tmp_path / DB_NAME)
    rows = three()
    quantum, gizmo = rows[0][0].id, rows[1][0].id
    vectors = {pid: [(0, "A sentence.", b"\x00" * 8), (1, "Title", b"\x01" * 8)] for pid in (quantum, gizmo)}
    store_changes(db, tmp_path / KEYWORD_DIR, rows, [], STATE, sentences=vectors)
    changed = paper("Quantum Widget Calibration", "We calibrate quantum widgets with lasers.")
    store_changes(db, tmp_path / KEYWORD_DIR, [changed], [], STATE)  # its old sentences are stale
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        kept = conn.execute("SELECT paper_id, position, text, vector FROM sentence_vectors").fetchall()
    assert kept == [(gizmo, 0, "A sentence.", b"\x00" * 8), (gizmo, 1, "Title", b"\x01" * 8)]
