"""Files -> papers -> chunks -> Chroma + BM25, doing only the embedding work that changed.

Vectors are upserted batch by batch and the catalog is swapped in last, so an ingest killed half-way
leaves the previous catalog answering, and the next ingest finds the vectors already stored.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pydantic import Field
from tqdm import tqdm

from rag.indexing.catalog import Catalog
from rag.indexing.chunking import chunk_papers, embedding_text
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.keyword import KeywordIndex
from rag.indexing.vector_store import VectorStore
from rag.models import ParseProblem, Record
from rag.parsing import discover_files, merge_papers, parse_path
from rag.settings import ChunkingSettings


class IngestReport(Record):
    files: int = 0
    papers: int = 0
    chunks: int = 0
    embedded: int = Field(0, description="Chunks embedded by this run (0 when nothing changed).")
    removed: int = 0
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
    """Bring the index in line with the registered sources plus `paths`."""
    started = time.perf_counter()
    previous = Catalog.load(catalog_path)
    sources = resolve_sources(previous.sources if previous else [], paths, replace)
    if previous is None or previous.sources != sources:
        # record what was asked before the slow part, so an interrupted run is resumed by a bare `rag ingest`
        base = previous or Catalog(embedding_model=embedder.model_name)
        base.model_copy(update={"sources": sources}).save(catalog_path)
    report = IngestReport()
    parsed = []
    for source in sources:
        if not Path(source).exists():
            report.problems.append(
                ParseProblem(source=source, message="no longer exists; its papers were removed")
            )
            continue
        for file in discover_files([Path(source)]):
            result = parse_path(file)
            report.files += 1
            report.problems.extend(result.problems)
            parsed.append(result)
    papers = merge_papers(parsed)
    chunks = chunk_papers(papers, chunking)
    titles = {p.id: p for p in papers}
    stored = store.content_hashes()
    todo = [c for c in chunks if stored.get(c.id) != c.content_hash]
    show = sys.stderr.isatty() if progress is None else progress
    batch = max(embedder.settings.batch_size, 1) * 4
    with tqdm(total=len(todo), unit="chunk", desc="embedding", disable=not show or not todo) as bar:
        for start in range(0, len(todo), batch):
            part = todo[start : start + batch]
            texts = [embedding_text(titles[c.paper_id], c.text) for c in part]
            vectors = embedder.embed(texts)
            store.upsert(
                [c.id for c in part],
                vectors,
                [
                    {"paper_id": c.paper_id, "content_hash": c.content_hash, "position": c.position}
                    for c in part
                ],
                [c.text for c in part],
            )
            bar.update(len(part))
    wanted = {c.id for c in chunks}
    stale = [i for i in stored if i not in wanted]
    store.delete(stale)
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
    report.seconds = time.perf_counter() - started
    return report, catalog
