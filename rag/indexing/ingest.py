"""Files -> papers -> chunks -> Chroma + BM25, doing only the embedding work that changed.

Vectors are upserted batch by batch and the catalog is swapped in last, so an ingest killed half-way
leaves the previous catalog answering, and the next ingest finds the vectors already stored. What the
run was asked to do is written first (`Catalog.pending`), so a bare `rag ingest` finishes it. The caller
holds the data folder's writer lock (rag/indexing/lock.py) for the whole run.

Every run ends by reading back the vector of every catalog chunk: one that cannot be read (lost by a
writer that did not lock) is embedded again and counted, so dense search finds every chunk.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pydantic import Field
from tqdm import tqdm

from rag.indexing.catalog import Catalog
from rag.indexing.chunking import chunk_paper, embedding_text, make_splitter
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.keyword import KeywordIndex
from rag.indexing.vector_store import VectorStore
from rag.models import Chunk, Paper, ParsedFile, ParseProblem, Record
from rag.parsing import discover_files, merge_papers, parse_path
from rag.parsing.common import problem
from rag.settings import ChunkingSettings


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
) -> tuple[IngestReport, Catalog]:
    """Bring the index in line with the registered sources (or an unfinished ingest's) plus `paths`."""
    started = time.perf_counter()
    previous = Catalog.load(catalog_path)
    committed = previous.sources if previous else []
    planned = resolve_sources((previous.pending or committed) if previous else [], paths, replace)
    pending = planned if planned != committed else None
    if previous is None or previous.pending != pending:
        # record what was asked before the slow part, so an interrupted run is finished by a bare `rag ingest`
        base = previous or Catalog(embedding_model=embedder.model_name)
        base.model_copy(update={"pending": pending}).save(catalog_path)
    try:
        report, catalog = _run(
            planned, committed, catalog_path, keyword_dir, store, embedder, chunking, progress
        )
    except (ConnectionError, KeyboardInterrupt):
        raise  # the plan stays: `rag ingest` finishes the job once the server answers again
    except Exception:
        # What failed must not stay planned, or every later ingest, of any file, would fail the same way.
        if previous is None:
            catalog_path.unlink(missing_ok=True)
        else:
            previous.model_copy(update={"pending": None}).save(catalog_path)
        raise
    report.seconds = time.perf_counter() - started
    return report, catalog


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
    catalog_path: Path,
    keyword_dir: Path,
    store: VectorStore,
    embedder: OnnxEmbedder,
    chunking: ChunkingSettings,
    progress: bool | None,
) -> tuple[IngestReport, Catalog]:
    report = IngestReport()
    parsed, sources = _read_sources(planned, committed, report)
    papers, chunks = _chunks(merge_papers(parsed), chunking, report)
    titles = {p.id: p for p in papers}
    stored = store.content_hashes()
    todo = [c for c in chunks if stored.get(c.id) != c.content_hash]
    show = sys.stderr.isatty() if progress is None else progress
    embed_chunks(todo, titles, store, embedder, show)
    report.repaired = verify(chunks, titles, store, embedder)
    report.checked = len(chunks)
    wanted = {c.id for c in chunks}
    stale = [i for i in stored if i not in wanted]
    store.delete(stale, dimension=embedder.dimension)
    KeywordIndex.build(
        [c.id for c in chunks], [embedding_text(titles[c.paper_id], c.text) for c in chunks]
    ).save(keyword_dir)
    catalog = Catalog(embedding_model=embedder.model_name, sources=sources, papers=papers, chunks=chunks)
    catalog.save(catalog_path)
    report.papers, report.chunks, report.embedded, report.removed = (
        len(papers),
        len(chunks),
        len(todo),
        len(stale),
    )
    return report, catalog


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


def verify(chunks: list[Chunk], papers: dict[str, Paper], store: VectorStore, embedder: OnnxEmbedder) -> int:
    """Read back every chunk's vector; embed the unreadable ones again. Returns how many were.

    Raises RuntimeError when a vector still cannot be read after it was written again.
    """
    lost = set(store.unreadable([c.id for c in chunks]))
    if not lost:
        return 0
    again = [c for c in chunks if c.id in lost]
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
    catalog = Catalog.load(catalog_path) or Catalog(embedding_model=embedder.model_name)
    papers = {p.id: p for p in catalog.papers}
    report = IngestReport(
        papers=len(catalog.papers),
        chunks=len(catalog.chunks),
        checked=len(catalog.chunks),
        repaired=verify(catalog.chunks, papers, store, embedder),
    )
    report.embedded = report.repaired
    report.seconds = time.perf_counter() - started
    return report
