"""The catalog: papers, chunks and the ingest state in one SQLite file (WAL mode).

An ingest writes only the papers that changed (new, changed, removed), with their chunks, in one
transaction that also records which keyword segment holds the new chunks' postings and clears the plan
(`pending`): a kill -9 at any point leaves the last committed collection answering, and readers in other
processes see it whole until the commit. Papers and chunks are read on demand, so opening a large index
parses nothing. The keyword index is bm25s in segments beside this file (rag/indexing/keyword.py):
`chunks.segment` names the segment whose postings for a chunk are live; `keyword_segments` lists them.

`catalog.json` of earlier versions is imported once (rag/indexing/legacy.py); docs/storage.md has the
schema, including the `sentence_vectors` table for the evidence sentences (filled by the embedding pass).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from pydantic import Field

from rag.models import Chunk, Paper, Record

DB_NAME = "catalog.sqlite"
KEYWORD_DIR = "keyword"  # the keyword segments, beside the catalog file
SCHEMA_VERSION = 1
_BATCH = 500  # ids per `IN (...)` query, well under SQLite's 32,766 parameters

SCHEMA = """
CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS papers(
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    published TEXT,
    category TEXT,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks(
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    paper_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    segment INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS chunks_of_paper ON chunks(paper_id, position);
CREATE TABLE IF NOT EXISTS keyword_segments(number INTEGER PRIMARY KEY, chunks INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sentence_vectors(
    paper_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (paper_id, position)
) WITHOUT ROWID;
"""


class IngestState(Record):
    """What the collection is made of, and what an unfinished ingest was asked to make it of."""

    embedding_model: str
    sources: list[str] = Field(
        default_factory=list, description="Files and folders the collection is made of."
    )
    pending: list[str] | None = Field(
        None,
        description="The sources an ingest that has not finished was asked to make the collection of; "
        "written before its slow part, so a bare `rag ingest` finishes it. None when none is unfinished.",
    )


class Written(Record):
    """What one `apply` changed: papers (and their chunks) written or deleted."""

    papers_written: int = 0
    papers_deleted: int = 0
    chunks_written: int = 0
    chunks_deleted: int = 0


# paper id -> its evidence sentence rows (position, text, float32 vector bytes), the title last; a Mapping,
# so an ingest can hand over rows staged on disk instead of holding every paper's in memory
SentenceRows = Mapping[str, list[tuple[int, str, bytes]]]


def paper_hash(paper: Paper) -> str:
    """Changes with anything stored about the paper (its chunks follow from it and the chunking)."""
    return hashlib.sha256(paper.model_dump_json().encode("utf-8")).hexdigest()[:16]


def _batches(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _BATCH):
        yield ids[start : start + _BATCH]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _chunk(row: tuple[str, str, int, str, str]) -> Chunk:
    return Chunk(id=row[0], paper_id=row[1], position=row[2], content_hash=row[3], text=row[4])


_CHUNK_COLUMNS = "id, paper_id, position, content_hash, text"
_UPSERT_PAPER = """
INSERT INTO papers(id, content_hash, title, published, category, data) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT(id) DO UPDATE SET content_hash = excluded.content_hash, title = excluded.title,
    published = excluded.published, category = excluded.category, data = excluded.data
"""  # an update keeps the paper's rowid, so the papers' order does not depend on what changed when


class CatalogDB:
    """One connection to the catalog file, shared by the threads of a process (calls are serialized).

    Open it with `open` (reads an existing file; None when there is none) or `create` (a writer, which
    holds the data folder's lock, makes the file and its tables).
    """

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._mutex = threading.RLock()

    @classmethod
    def _connect(cls, path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
        conn.execute("PRAGMA busy_timeout = 60000")
        return conn

    @classmethod
    def open(cls, path: Path) -> CatalogDB | None:
        if not path.exists():
            return None
        conn = cls._connect(path)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            conn.close()
            raise RuntimeError(f"{path} was written by a newer version of rag (schema {version})")
        if version == 0:  # a writer was killed before its first commit: nothing was stored yet
            conn.close()
            return None
        return cls(path, conn)

    @classmethod
    def create(cls, path: Path) -> CatalogDB:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = cls._connect(path)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # a committed ingest survives a power cut too
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            conn.close()
            raise RuntimeError(f"{path} was written by a newer version of rag (schema {version})")
        if version < SCHEMA_VERSION:
            conn.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
        return cls(path, conn)

    def close(self) -> None:
        with self._mutex:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._mutex:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _all(self, sql: str, args: Sequence[object] = ()) -> list[tuple]:  # type: ignore[type-arg]
        with self._mutex:
            return self._conn.execute(sql, args).fetchall()

    # ---------------------------------------------------------------------------------- ingest state
    def state(self) -> IngestState | None:
        rows = dict(self._all("SELECT key, value FROM state"))
        if "embedding_model" not in rows:
            return None
        return IngestState(
            embedding_model=rows["embedding_model"],
            sources=json.loads(rows.get("sources", "[]")),
            pending=json.loads(rows.get("pending", "null")),
        )

    @staticmethod
    def _write_state(conn: sqlite3.Connection, state: IngestState | None) -> None:
        conn.execute("DELETE FROM state")
        if state is not None:
            conn.executemany(
                "INSERT INTO state(key, value) VALUES (?, ?)",
                [
                    ("embedding_model", state.embedding_model),
                    ("sources", json.dumps(state.sources)),
                    ("pending", json.dumps(state.pending)),
                ],
            )

    def set_state(self, state: IngestState | None) -> None:
        """Record the plan (or its end) on its own; None: as if no ingest had ever run here."""
        with self._transaction() as conn:
            self._write_state(conn, state)

    # ---------------------------------------------------------------------------------- writing
    def apply(
        self,
        upserts: Iterable[tuple[Paper, list[Chunk]]],
        removed: Iterable[str],
        state: IngestState,
        segment: tuple[int, int, bool] | None = None,
        sentences: SentenceRows | None = None,
    ) -> Written:
        """In one transaction: write new and changed papers with their chunks, delete removed ones, record
        `state`. Rows of papers not named are not touched.

        `segment`: (number, chunks, whole) of the keyword segment written for this change: it holds the
        written chunks' postings, and with `whole` every chunk's (the others are then dropped).

        `sentences`: the evidence sentence vectors of written papers, (position, text, vector bytes) each;
        a written or removed paper's old sentence vectors are deleted either way.
        """
        written = Written()
        number = segment[0] if segment else 0
        with self._transaction() as conn:
            if segment is not None:
                if segment[2]:
                    conn.execute("DELETE FROM keyword_segments")
                    conn.execute("UPDATE chunks SET segment = ?", (number,))
                if segment[1]:
                    conn.execute("INSERT INTO keyword_segments(number, chunks) VALUES (?, ?)", segment[:2])
            for paper_id in removed:
                written.chunks_deleted += self._drop_chunks(conn, paper_id)
                conn.execute("DELETE FROM papers WHERE id = ?", (paper_id,))
                written.papers_deleted += 1
            for paper, chunks in upserts:
                written.chunks_deleted += self._drop_chunks(conn, paper.id)
                conn.execute(
                    _UPSERT_PAPER,
                    (
                        paper.id,
                        paper_hash(paper),
                        paper.title,
                        paper.published.isoformat() if paper.published else None,
                        paper.category,
                        paper.model_dump_json(),
                    ),
                )
                conn.executemany(
                    f"INSERT INTO chunks({_CHUNK_COLUMNS}, segment) VALUES (?, ?, ?, ?, ?, ?)",
                    [(c.id, c.paper_id, c.position, c.content_hash, c.text, number) for c in chunks],
                )
                for position, text, vector in (sentences or {}).get(paper.id, []):
                    conn.execute(
                        "INSERT INTO sentence_vectors(paper_id, position, text, vector) VALUES (?, ?, ?, ?)",
                        (paper.id, position, text, vector),
                    )
                written.papers_written += 1
                written.chunks_written += len(chunks)
            self._write_state(conn, state)
        return written

    @staticmethod
    def _drop_chunks(conn: sqlite3.Connection, paper_id: str) -> int:
        """Delete a paper's chunks (their postings are dead from then on) and its sentence vectors."""
        conn.execute("DELETE FROM sentence_vectors WHERE paper_id = ?", (paper_id,))
        return conn.execute("DELETE FROM chunks WHERE paper_id = ?", (paper_id,)).rowcount

    # ---------------------------------------------------------------------------------- reading
    def paper_hashes(self) -> dict[str, str]:
        return dict(self._all("SELECT id, content_hash FROM papers"))

    def chunk_hashes(self) -> dict[str, tuple[str, str]]:
        """Every chunk: id -> (paper id, content hash)."""
        return {i: (p, h) for i, p, h in self._all("SELECT id, paper_id, content_hash FROM chunks")}

    def count(self, table: str) -> int:
        assert table in ("papers", "chunks")
        return int(self._all(f"SELECT count(*) FROM {table}")[0][0])

    def chunks_of(self, paper_ids: Sequence[str]) -> int:
        """How many chunks these papers have."""
        total = 0
        for part in _batches(paper_ids):
            sql = f"SELECT count(*) FROM chunks WHERE paper_id IN ({_marks(len(part))})"
            total += int(self._all(sql, part)[0][0])
        return total

    def paper(self, paper_id: str) -> Paper | None:
        rows = self._all("SELECT data FROM papers WHERE id = ?", (paper_id,))
        return Paper.model_validate_json(rows[0][0]) if rows else None

    def papers(self, ids: Sequence[str]) -> dict[str, Paper]:
        found: dict[str, Paper] = {}
        for part in _batches(ids):
            sql = f"SELECT id, data FROM papers WHERE id IN ({_marks(len(part))})"
            for pid, data in self._all(sql, part):
                found[pid] = Paper.model_validate_json(data)
        return found

    def chunk(self, chunk_id: str) -> Chunk | None:
        rows = self._all(f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE id = ?", (chunk_id,))
        return _chunk(rows[0]) if rows else None

    def chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        found: dict[str, Chunk] = {}
        for part in _batches(ids):
            sql = f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE id IN ({_marks(len(part))})"
            found.update((row[0], _chunk(row)) for row in self._all(sql, part))
        return found

    def ids(self, table: str) -> list[str]:
        assert table in ("papers", "chunks")
        return [row[0] for row in self._all(f"SELECT id FROM {table} ORDER BY rowid")]

    def all_papers(self) -> Iterator[Paper]:
        """Every paper in the order first written (a fresh ingest: the sources' order)."""
        for (data,) in self._all("SELECT data FROM papers ORDER BY rowid"):
            yield Paper.model_validate_json(data)

    def all_chunks(self) -> Iterator[Chunk]:
        for row in self._all(f"SELECT {_CHUNK_COLUMNS} FROM chunks ORDER BY rowid"):
            yield _chunk(row)

    def segments(self) -> dict[int, int]:
        """The keyword segments: number -> chunks it holds postings for (live or not)."""
        return dict(self._all("SELECT number, chunks FROM keyword_segments ORDER BY number"))

    def live_segments(self) -> dict[str, int]:
        """Chunk id -> the segment that holds its live postings."""
        return dict(self._all("SELECT id, segment FROM chunks"))

    def sentence_vectors(self, paper_ids: Sequence[str]) -> dict[str, list[tuple[int, str, bytes]]]:
        """The evidence sentence rows of these papers, by position (papers without rows are left out)."""
        found: dict[str, list[tuple[int, str, bytes]]] = {}
        for part in _batches(paper_ids):
            sql = (
                "SELECT paper_id, position, text, vector FROM sentence_vectors "
                f"WHERE paper_id IN ({_marks(len(part))}) ORDER BY paper_id, position"
            )
            for pid, position, text, vector in self._all(sql, part):
                found.setdefault(pid, []).append((position, text, vector))
        return found

    def papers_without_sentences(self) -> list[str]:
        """Papers with no evidence sentence rows (written by a version before the one-pass ingest)."""
        sql = (
            "SELECT id FROM papers p WHERE NOT EXISTS "
            "(SELECT 1 FROM sentence_vectors s WHERE s.paper_id = p.id) ORDER BY rowid"
        )
        return [row[0] for row in self._all(sql)]

    def bodies(self) -> Iterator[tuple[str, str]]:
        """(chunk id, the text it is embedded and indexed by: title, newline, chunk text) of every chunk."""
        sql = "SELECT c.id, p.title || char(10) || c.text FROM chunks c JOIN papers p ON p.id = c.paper_id"
        yield from self._all(sql + " ORDER BY c.rowid")
