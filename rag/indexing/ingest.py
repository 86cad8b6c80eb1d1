"""Files -> papers -> chunks -> Chroma + the SQLite catalog + keyword segments, doing only what changed.

A paper whose stored content hash matches is neither chunked nor written again: only new, changed and
removed papers touch the catalog, in one transaction at the end (rag/indexing/catalog.py), and only their
chunks are indexed for keyword search, as a new segment (rag/indexing/keyword.py). Vectors are
upserted batch by batch before it, so an ingest killed half-way leaves the previous catalog answering,
and the next ingest finds the vectors already stored. What the run was asked to do is written first
(`IngestState.pending`), so a bare `rag ingest` finishes it. The caller holds the data folder's writer
lock (rag/indexing/lock.py) for the whole run.

New and changed papers are embedded in one pass (rag/indexing/passes.py, token states): the chunk vectors
Chroma gets, exactly as before, and from the same forward pass the evidence sentence vectors, which go
into the catalog's `sentence_vectors` in its transaction, so no question embeds them later. A group's
sentence rows are committed to a staging file beside the catalog (`sentences-staged.sqlite`) before its
chunk vectors are upserted: a paper whose chunks an interrupted run stored has its sentence rows staged,
and the next run embeds neither again. A changed paper whose title and abstract are the same (its
metadata changed) keeps its sentence rows. Chunks of unchanged papers that need repair are embedded alone.

Every run ends by reading back the vector of every catalog chunk: one that cannot be read (lost by a
writer that did not lock) is embedded again and counted, so dense search finds every chunk.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
from pydantic import Field
from tqdm import tqdm

from rag.indexing.catalog import CatalogDB, IngestState, paper_hash
from rag.indexing.chunking import chunk_paper, embedding_text, make_splitter
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.keyword import store_changes
from rag.indexing.passes import iter_paper_vectors
from rag.indexing.pool import EmbedderPool, processes_for
from rag.indexing.vector_store import VectorStore
from rag.models import Chunk, Paper, ParsedFile, ParseProblem, Record
from rag.parsing import discover_files, merge_papers, parse_path
from rag.parsing.common import problem
from rag.settings import ChunkingSettings

# chunk ids -> those chunks and their papers (from this run's new papers, else from the catalog)
Resolve = Callable[[list[str]], tuple[list[Chunk], dict[str, Paper]]]
Rows = list[tuple[int, str, bytes]]  # one paper's sentence rows: (position, text, float32 bytes)

STAGED_NAME = "sentences-staged.sqlite"  # beside the catalog; deleted once the catalog holds the rows
# Papers per group of the pass: at most the pass's own default; a run in at least PASS_GROUPS groups, so
# that a kill loses at most about an eighth of its embedding; but at least MIN_GROUP, about the 128 chunks
# embed_chunks upserts at a time (a smaller group pays the pipeline's drain and a commit more often).
MIN_GROUP, PASS_GROUPS = 32, 8


def content_key(paper: Paper) -> str:
    """What a paper's sentence vectors depend on: its title and abstract, not its other metadata."""
    return hashlib.sha256(f"{paper.title}\n{paper.abstract}".encode()).hexdigest()[:16]


class StagedSentences(Mapping[str, Rows]):
    """Sentence rows of this run's papers, committed group by group (a SQLite file of its own), read by
    the catalog's transaction one paper at a time, so a large run does not hold them all in memory.

    Rows carry their paper's `content_key`: a run keeps only those of its own papers' current text.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = sqlite3.connect(path, isolation_level=None)
        self._conn.executescript(
            "CREATE TABLE IF NOT EXISTS staged(paper_id TEXT NOT NULL, key TEXT NOT NULL, "
            "position INTEGER NOT NULL, text TEXT NOT NULL, vector BLOB NOT NULL, "
            "PRIMARY KEY (paper_id, position)) WITHOUT ROWID"
        )

    def keep(self, keys: dict[str, str]) -> set[str]:
        """Drop rows of papers not in `keys` or of another text; the papers whose rows are kept."""
        found = self._conn.execute("SELECT DISTINCT paper_id, key FROM staged").fetchall()
        stale = [(pid,) for pid, key in found if keys.get(pid) != key]
        if stale:
            self._conn.executemany("DELETE FROM staged WHERE paper_id = ?", stale)
        return {pid for pid, key in found if keys.get(pid) == key}

    def put(self, rows: dict[str, tuple[str, Rows]]) -> None:
        """Papers' rows (with their content keys), committed together."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            for pid, (key, own) in rows.items():
                self._conn.execute("DELETE FROM staged WHERE paper_id = ?", (pid,))
                self._conn.executemany(
                    "INSERT INTO staged(paper_id, key, position, text, vector) VALUES (?, ?, ?, ?, ?)",
                    [(pid, key, position, text, vector) for position, text, vector in own],
                )
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def __getitem__(self, paper_id: str) -> Rows:
        sql = "SELECT position, text, vector FROM staged WHERE paper_id = ? ORDER BY position"
        rows = self._conn.execute(sql, (paper_id,)).fetchall()
        if not rows:
            raise KeyError(paper_id)
        return [(int(position), str(text), bytes(vector)) for position, text, vector in rows]

    def __iter__(self) -> Iterator[str]:
        return iter([row[0] for row in self._conn.execute("SELECT DISTINCT paper_id FROM staged")])

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT count(DISTINCT paper_id) FROM staged").fetchone()[0])

    def close(self) -> None:
        self._conn.close()

    def discard(self) -> None:
        """Close and delete the file: the catalog holds the rows now."""
        self.close()
        for leftover in (self.path, self.path.with_name(self.path.name + "-journal")):
            leftover.unlink(missing_ok=True)


class IngestReport(Record):
    files: int = 0
    papers: int = 0
    chunks: int = 0
    embedded: int = Field(0, description="Chunks embedded by this run (0 when nothing changed).")
    removed: int = 0
    repaired: int = Field(
        0, description="Chunks whose stored vector could not be read back, embedded again by this run."
    )
    checked: int = Field(0, description="Chunk vectors read back to check that they are readable.")
    written: int = Field(0, description="New or changed papers whose catalog rows this run wrote.")
    deleted: int = Field(0, description="Papers no source lists any more, deleted from the catalog.")
    problems: list[ParseProblem] = Field(default_factory=list)
    seconds: float = 0.0


def resolve_sources(previous: list[str], paths: list[Path], replace: bool) -> list[str]:
    given = [str(p.expanduser().resolve()) for p in paths]
    return given if replace else previous + [p for p in given if p not in previous]


def ingest(
    paths: list[Path],
    *,
    catalog_path: Path,
    keyword_dir: Path,
    store: VectorStore,
    embedder: OnnxEmbedder,
    chunking: ChunkingSettings,
    replace: bool = False,
    progress: bool | None = None,
) -> IngestReport:
    """Bring the index in line with the registered sources (or an unfinished ingest's) plus `paths`."""
    started = time.perf_counter()
    db = CatalogDB.create(catalog_path)
    try:
        previous = db.state()
        committed = previous.sources if previous else []
        planned = resolve_sources((previous.pending or committed) if previous else [], paths, replace)
        pending = planned if planned != committed else None
        if previous is None or previous.pending != pending:
            # what was asked, recorded before the slow part: a bare `rag ingest` finishes an interrupted run
            base = previous or IngestState(embedding_model=embedder.model_name)
            db.set_state(base.model_copy(update={"pending": pending}))
        try:
            report = _run(planned, committed, db, keyword_dir, store, embedder, chunking, progress)
        except (ConnectionError, KeyboardInterrupt):
            raise  # the plan stays: `rag ingest` finishes the job once the server answers again
        except Exception:
            # What failed must not stay planned, or every later ingest, of any file, would fail the same way.
            db.set_state(None if previous is None else previous.model_copy(update={"pending": None}))
            raise
    finally:
        db.close()
    report.seconds = time.perf_counter() - started
    return report


def _read_sources(
    planned: list[str], committed: list[str], report: IngestReport
) -> tuple[list[ParsedFile], list[str]]:
    """Parse every planned source; returns the parsed files and the sources to register.

    A source given for the first time that yields no paper (an empty folder, a file of broken records) is
    reported and not registered, so it is not read, and reported, again by every later ingest.
    """
    parsed: list[ParsedFile] = []
    keep: list[str] = []
    for source in planned:
        path = Path(source)
        new = source not in committed
        if not path.exists():  # a registered one stays registered: a drive may be unmounted for a while
            why = "not found; not added" if new else "no longer exists; its papers were removed"
            report.problems.append(ParseProblem(source=source, message=why))
            keep += [] if new else [source]
            continue
        files = discover_files([path])
        results = [parse_path(file) for file in files]
        report.files += len(results)
        for result in results:
            report.problems.extend(result.problems)
        found = any(result.papers for result in results)
        if path.is_dir() and not found:
            note = "; not added" if new else ""
            report.problems.append(problem(source, f"no papers found in {source}{note}"))
        if found or not new:
            keep.append(source)
            parsed.extend(results)
    return parsed, keep


def _chunks(
    papers: list[Paper], chunking: ChunkingSettings, report: IngestReport
) -> tuple[list[Paper], list[Chunk]]:
    """Chunks of every paper; a paper that cannot be chunked is skipped by name, not the whole run."""
    splitter = make_splitter(chunking)
    kept: list[Paper] = []
    chunks: list[Chunk] = []
    for paper in papers:
        try:
            pieces = chunk_paper(paper, splitter)
        except Exception as exc:  # the splitter is third-party code run on user text
            where = paper.sources[0] if paper.sources else paper.id
            report.problems.append(
                problem(
                    where, f"could not split {paper.title[:60]!r} into chunks ({type(exc).__name__}); skipped"
                )
            )
            continue
        kept.append(paper)
        chunks.extend(pieces)
    return kept, chunks


def _run(
    planned: list[str],
    committed: list[str],
    db: CatalogDB,
    keyword_dir: Path,
    store: VectorStore,
    embedder: OnnxEmbedder,
    chunking: ChunkingSettings,
    progress: bool | None,
) -> IngestReport:
    report = IngestReport()
    parsed, sources = _read_sources(planned, committed, report)
    known = db.paper_hashes()
    merged = merge_papers(parsed)
    unchanged = {p.id for p in merged if known.get(p.id) == paper_hash(p)}
    papers, chunks = _chunks([p for p in merged if p.id not in unchanged], chunking, report)
    fresh = {p.id: p for p in papers}
    fresh_chunks = {c.id: c for c in chunks}
    wanted = {c.id: c.content_hash for c in chunks}
    wanted.update((i, h) for i, (pid, h) in db.chunk_hashes().items() if pid in unchanged)

    def resolve(ids: list[str]) -> tuple[list[Chunk], dict[str, Paper]]:
        stored_chunks = db.chunks([i for i in ids if i not in fresh_chunks])
        found = [fresh_chunks.get(i) or stored_chunks[i] for i in ids]
        need = sorted({c.paper_id for c in found if c.paper_id not in fresh})
        return found, {**fresh, **db.papers(need)}

    stored = store.content_hashes()
    todo, titles = resolve([i for i, h in wanted.items() if stored.get(i) != h])
    show = sys.stderr.isatty() if progress is None else progress
    chunks_of: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        chunks_of.setdefault(chunk.paper_id, []).append(chunk)
    staged = StagedSentences(db.path.with_name(STAGED_NAME))
    keys = {p.id: content_key(p) for p in papers}
    have = staged.keep(keys) | _keep_sentences(db, papers, keys, known, staged)
    # A paper without rows goes through the pass whole. Its chunks are not in Chroma (a group's rows are
    # staged before its chunks are upserted), except after a run of a version before the pass was killed.
    passing = [p for p in papers if p.id not in have]
    in_pass = {p.id for p in passing}
    pass_chunks = [c for p in passing for c in chunks_of[p.id]]
    embed_pass(passing, pass_chunks, keys, staged, store, embedder, show)
    alone = [c for c in todo if c.paper_id not in in_pass]  # repairs, and papers whose rows are kept
    embed_chunks(alone, titles, store, embedder, show)
    report.repaired = verify(list(wanted), resolve, store, embedder)
    report.checked = len(wanted)
    stale = [i for i in stored if i not in wanted]
    store.delete(stale, dimension=embedder.dimension)
    removed = [pid for pid in known if pid not in unchanged and pid not in fresh]
    state = IngestState(embedding_model=embedder.model_name, sources=sources)
    upserts = [(p, chunks_of[p.id]) for p in papers]
    written = store_changes(db, keyword_dir, upserts, removed, state, sentences=staged)
    staged.discard()
    report.papers, report.chunks, report.embedded, report.removed = (
        len(unchanged) + len(papers),
        len(wanted),
        len(pass_chunks) + len(alone),
        len(stale),
    )
    report.written, report.deleted = written.papers_written, written.papers_deleted
    return report


def _keep_sentences(
    db: CatalogDB, papers: list[Paper], keys: dict[str, str], known: dict[str, str], staged: StagedSentences
) -> set[str]:
    """Stage the catalog's rows of changed papers whose title and abstract did not change (their
    sentence vectors are the same); returns those papers."""
    changed = [p.id for p in papers if p.id in known]
    same = [pid for pid, old in db.papers(changed).items() if content_key(old) == keys[pid]]
    rows = db.sentence_vectors(same)
    if rows:
        staged.put({pid: (keys[pid], own) for pid, own in rows.items()})
    return set(rows)


def _metadata(chunk: Chunk) -> dict[str, str | int]:
    return {"paper_id": chunk.paper_id, "content_hash": chunk.content_hash, "position": chunk.position}


def pass_group(papers: int, processes: int) -> int:
    """Papers per group of the pass (see MIN_GROUP): the pass's default for a large run."""
    default = max(256, 96 * processes)
    return min(default, max(MIN_GROUP, math.ceil(papers / PASS_GROUPS)))


def embed_pass(
    papers: Sequence[Paper],
    chunks: Sequence[Chunk],
    keys: dict[str, str],
    staged: StagedSentences,
    store: VectorStore,
    embedder: OnnxEmbedder,
    show: bool,
) -> None:
    """The one pass over new and changed papers, on `processes_for` processes: per group, the sentence
    rows are committed to `staged` first, then the chunk vectors are upserted to Chroma."""
    if not papers:
        return
    processes = processes_for(len(papers), embedder.settings)
    by_id = {c.id: c for c in chunks}
    with EmbedderPool(embedder.settings, processes=processes, local=embedder) as pool:
        group = pass_group(len(papers), pool.processes)
        for part in iter_paper_vectors(papers, chunks, pool, group=group, progress=show):
            staged.put({v.paper_id: (keys[v.paper_id], v.sentence_rows()) for v in part})
            done = [by_id[i] for v in part for i in v.chunk_ids]
            if not done:
                continue
            store.upsert(
                [c.id for c in done],
                np.vstack([v.chunk_vectors for v in part]),
                [_metadata(c) for c in done],
                [c.text for c in done],
            )


def embed_chunks(
    chunks: list[Chunk], papers: dict[str, Paper], store: VectorStore, embedder: OnnxEmbedder, show: bool
) -> None:
    batch = max(embedder.settings.batch_size, 1) * 4
    with tqdm(total=len(chunks), unit="chunk", desc="embedding", disable=not show or not chunks) as bar:
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            texts = [embedding_text(papers[c.paper_id], c.text) for c in part]
            store.upsert(
                [c.id for c in part],
                embedder.embed(texts),
                [_metadata(c) for c in part],
                [c.text for c in part],
            )
            bar.update(len(part))


def verify(ids: list[str], resolve: Resolve, store: VectorStore, embedder: OnnxEmbedder) -> int:
    """Read back every chunk's vector; embed the unreadable ones again. Returns how many were.

    Raises RuntimeError when a vector still cannot be read after it was written again.
    """
    lost = store.unreadable(ids)
    if not lost:
        return 0
    again, papers = resolve(lost)
    embed_chunks(again, papers, store, embedder, show=False)
    still = store.unreadable([c.id for c in again])
    if still:
        raise RuntimeError(
            f"{len(still)} chunk vectors cannot be read back from Chroma at {store.location} even after "
            f"writing them again (first: {still[0]})"
        )
    return len(again)


def check(catalog_path: Path, store: VectorStore, embedder: OnnxEmbedder) -> IngestReport:
    """`rag ingest --check`: read back every catalog chunk's vector and repair the unreadable ones,
    without reading the sources again."""
    started = time.perf_counter()
    db = CatalogDB.open(catalog_path)
    if db is None:
        return IngestReport(seconds=time.perf_counter() - started)
    try:

        def resolve(ids: list[str]) -> tuple[list[Chunk], dict[str, Paper]]:
            found = db.chunks(ids)
            chunks = [found[i] for i in ids]
            return chunks, db.papers(sorted({c.paper_id for c in chunks}))

        ids = db.ids("chunks")
        report = IngestReport(
            papers=db.count("papers"),
            chunks=len(ids),
            checked=len(ids),
            repaired=verify(ids, resolve, store, embedder),
        )
    finally:
        db.close()
    report.embedded = report.repaired
    report.seconds = time.perf_counter() - started
    return report
