"""The SQLite catalog: writes only what changed, keeps FTS5 in step, imports catalog.json once, survives
kill -9 inside its transaction. Real SQLite files; no embedding (the ingest side is in test_index.py
and test_ingest_reliability.py)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from rag.indexing.catalog import DB_NAME, CatalogDB, IngestState
from rag.indexing.chunking import chunk_paper, make_splitter
from rag.indexing.index import PaperIndex
from rag.indexing.keyword import KeywordIndex, fts_query
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


def three() -> list[tuple[Paper, list[Chunk]]]:
    return [
        paper("Quantum Widget Calibration", "We calibrate quantum widgets. It works."),
        paper("Sparse Gizmo Routing", "Gizmos are routed sparsely. Latency drops."),
        paper("Ocean Wave Forecasting", "We forecast ocean waves with kernels."),
    ]


def test_one_changed_paper_rewrites_only_its_rows_and_the_keyword_index_follows(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    db = CatalogDB.create(path)
    first = db.apply(three(), [], STATE)
    assert (first.papers_written, first.chunks_deleted) == (3, 0)
    keyword = KeywordIndex(db)
    quantum, gizmo, ocean = (p.id for p, _ in three())
    assert [c.split("#")[0] for c, _ in keyword.query("does it work", 5)] == [quantum]
    before = rowids(path)

    changed = paper("Quantum Widget Calibration", "We calibrate quantum widgets with lasers.")
    with sqlite3.connect(path) as conn:  # what was written for the gizmo paper, to compare afterwards
        untouched = conn.execute("SELECT * FROM chunks WHERE paper_id = ?", (gizmo,)).fetchall()
    written = db.apply([changed], [], STATE)
    assert written.papers_written == 1 and written.chunks_written == len(changed[1])
    after = rowids(path)
    assert {k: v for k, v in after.items() if quantum not in k} == {
        k: v for k, v in before.items() if quantum not in k
    }  # every other paper's and chunk's row is where it was
    assert after[f"p:{quantum}"] == before[f"p:{quantum}"]  # the paper keeps its place in the order
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT * FROM chunks WHERE paper_id = ?", (gizmo,)).fetchall() == untouched
    assert keyword.query("does it work", 5) == []  # the old text is no longer indexed
    assert [c.split("#")[0] for c, _ in keyword.query("lasers", 5)] == [quantum]
    assert [c.split("#")[0] for c, _ in keyword.query("calibrate widgets", 5, allowed={gizmo})] == []
    db.check_keyword_index()

    removed = db.apply([], [ocean], STATE)
    assert (removed.papers_deleted, removed.papers_written) == (1, 0)
    assert keyword.query("ocean waves", 5) == [] and db.paper(ocean) is None
    assert db.count("papers") == 2 and db.count("chunks") == sum(len(c) for _, c in three()[:2])
    db.check_keyword_index()


def test_titles_are_searched_and_stop_words_dropped(tmp_path: Path) -> None:
    db = CatalogDB.create(tmp_path / DB_NAME)
    db.apply(three(), [], STATE)
    hits = KeywordIndex(db).query("forecasting", 5)  # a title word (the abstract says "forecast")
    assert [c.split("#")[0] for c, _ in hits] == [paper_id("Ocean Wave Forecasting")]
    assert fts_query("the and of a") is None and KeywordIndex(db).query("of the", 5) == []
    assert fts_query('Say "hi" to x, say') == '"say" OR "hi"'  # quoted terms: no FTS5 syntax gets through


def test_papers_and_chunks_are_read_on_demand(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    db = CatalogDB.create(settings.index_dir / DB_NAME)
    db.apply(three(), [], STATE)
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
    assert [c.split("#")[0] for c, _ in index.keyword.query("lasers or kernels", 5)] == [
        paper_id("Ocean Wave Forecasting")
    ]
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
    reopened.check_keyword_index()
    assert KeywordIndex(reopened).query("dunes", 5) == []
