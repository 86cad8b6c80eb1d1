"""Files -> papers -> chunks -> Chroma + the SQLite catalog + keyword segments, doing only what changed.

A paper whose stored content hash matches is neither chunked nor written again: only new, changed and
removed papers touch the catalog, in one transaction at the end (rag/indexing/catalog.py), and only their
chunks are indexed for keyword search, as a new segment (rag/indexing/keyword.py). Vectors are
upserted batch by batch before it, so an ingest killed half-way leaves the previous catalog answering,
and the next ingest finds the vectors already stored. What the run was asked to do is written first
(`IngestState.pending`), so a bare `rag ingest` finishes it. The caller holds the data folder's writer
lock (rag/indexing/lock.py) for the whole run.

Every run ends by reading back the vector of every catalog chunk: one that cannot be read (lost by a
writer that did not lock) is embedded again and counted, so dense search finds every chunk.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import Field
from tqdm import tqdm

from rag.indexing.catalog import CatalogDB, IngestState, paper_hash
from rag.indexing.chunking import chunk_paper, embedding_text, make_splitter
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.keyword import store_changes
from rag.indexing.vector_store import VectorStore
from rag.models import Chunk, Paper, ParsedFile, ParseProblem, Record
from rag.parsing import discover_files, merge_papers, parse_path
from rag.parsing.common import problem
from rag.settings import ChunkingSettings

# chunk ids -> those chunks and their papers (from this run's new papers, else from the catalog)
Resolve = Callable[[list[str]], tuple[list[Chunk], dict[str, Paper]]]


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
    embed_chunks(todo, titles, store, embedder, show)
    report.repaired = verify(list(wanted), resolve, store, embedder)
    report.checked = len(wanted)
    stale = [i for i in stored if i not in wanted]
    store.delete(stale, dimension=embedder.dimension)
    removed = [pid for pid in known if pid not in unchanged and pid not in fresh]
    state = IngestState(embedding_model=embedder.model_name, sources=sources)
    chunks_of: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        chunks_of.setdefault(chunk.paper_id, []).append(chunk)
    written = store_changes(db, keyword_dir, [(p, chunks_of[p.id]) for p in papers], removed, state)
    report.papers, report.chunks, report.embedded, report.removed = (
        len(unchanged) + len(papers),
        len(wanted),
        len(todo),
        len(stale),
    )
    report.written, report.deleted = written.papers_written, written.papers_deleted
    return report


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
                [
                    {"paper_id": c.paper_id, "content_hash": c.content_hash, "position": c.position}
                    for c in part
                ],
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
