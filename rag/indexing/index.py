"""PaperIndex: the one object the rest of the app opens to read or update the collection."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import Field

from rag.indexing import ingest as ingesting
from rag.indexing.catalog import Catalog
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.ingest import IngestReport
from rag.indexing.keyword import KeywordIndex
from rag.indexing.lock import ingest_lock, ingest_running
from rag.indexing.vector_store import VectorStore
from rag.models import Chunk, Paper, Record
from rag.settings import Settings

Say = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


class IndexStats(Record):
    papers: int
    chunks: int
    vectors: int
    embedding_model: str
    index_name: str
    location: str = Field(description="Chroma path or server URL.")
    catalog: str
    sources: list[str]
    unfinished: list[str] = Field(
        default_factory=list, description="Sources of an ingest that has not finished (`rag ingest` does)."
    )


class PaperIndex:
    """Catalog + vectors + BM25 for one settings' index name. Pass `embedder` to share a loaded model.

    Every write (ingest, check) holds the data folder's lock; `say` hears that one waits for another.
    """

    def __init__(
        self,
        settings: Settings,
        embedder: OnnxEmbedder | None = None,
        store: VectorStore | None = None,
        say: Say = _quiet,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._injected_store = store
        self._store: VectorStore | None = store
        self.say = say
        self.catalog_path = settings.index_dir / "catalog.json"
        self.keyword_dir = settings.index_dir / "bm25"
        self._load()

    def _load(self) -> None:
        self.catalog = Catalog.load(self.catalog_path)
        self.keyword = KeywordIndex.load(self.keyword_dir)
        papers = self.catalog.papers if self.catalog else []
        chunks = self.catalog.chunks if self.catalog else []
        self.papers: dict[str, Paper] = {p.id: p for p in papers}
        self.chunks: dict[str, Chunk] = {c.id: c for c in chunks}

    @property
    def embedder(self) -> OnnxEmbedder:
        if self._embedder is None:
            self._embedder = OnnxEmbedder(self.settings.embedding)
        return self._embedder

    @property
    def store(self) -> VectorStore:
        if self._store is None:
            self._store = VectorStore(self.settings)
        return self._store

    @property
    def is_empty(self) -> bool:
        return not self.papers

    @property
    def exists(self) -> bool:
        """An ingest has run here (perhaps unfinished); False on a fresh data folder."""
        return self.catalog is not None

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the data folder's writer lock (re-entrant), with a Chroma client opened after taking it.

        A client opened earlier holds the vector index as it was then; if another process wrote since,
        writing through it would put back the old index over the new vectors.
        """
        with ingest_lock(self.settings.data_dir, self.say):
            if self._store is not None and self._store is not self._injected_store:
                self._store.close()
                self._store = None
            yield

    def ingest(
        self, paths: list[Path] | None = None, *, replace: bool = False, progress: bool | None = None
    ) -> IngestReport:
        with self.writing():
            report = self._ingest_locked(list(paths or []), replace=replace, progress=progress)
        self._load()
        return report

    def _ingest_locked(self, paths: list[Path], *, replace: bool, progress: bool | None) -> IngestReport:
        report, _ = ingesting.ingest(
            paths,
            catalog_path=self.catalog_path,
            keyword_dir=self.keyword_dir,
            store=self.store,
            embedder=self.embedder,
            chunking=self.settings.chunking,
            replace=replace,
            progress=progress,
        )
        return report

    def check(self) -> IngestReport:
        """Read back every chunk's vector and embed the unreadable ones again (`rag ingest --check`)."""
        with self.writing():
            report = ingesting.check(self.catalog_path, self.store, self.embedder)
        self._load()
        return report

    def ensure_ingested(self, progress: bool | None = None) -> IngestReport | None:
        """First use: build the index from the configured corpus, or finish the unfinished ingest that
        was to build it. Checked again under the lock: two first uses at once build it once."""
        if not self.is_empty:
            return None
        with self.writing():
            self._load()
            if not self.is_empty:
                return None
            resume = bool(self.catalog and self.catalog.pending)
            paths = [] if resume else list(self.settings.corpus)
            report = self._ingest_locked(paths, replace=False, progress=progress)
        self._load()
        return report

    @property
    def unfinished(self) -> list[str]:
        """The sources an unfinished ingest adds (all it was to read when it adds none)."""
        if self.catalog is None or self.catalog.pending is None:
            return []
        added = [s for s in self.catalog.pending if s not in self.catalog.sources]
        return added or list(self.catalog.pending)

    def unfinished_line(self) -> str | None:
        """One line for read-only commands when an ingest has not finished, or None."""
        sources = self.unfinished
        if not sources:
            return None
        names = ", ".join(Path(s).name or s for s in sources[:3])
        names += f" and {len(sources) - 3} more" if len(sources) > 3 else ""
        pid = ingest_running(self.settings.data_dir)
        if pid is not None:
            who = f" (pid {pid})" if pid else ""
            return f"an ingest of {names} is running{who}: this is the index as it was before it"
        return f"an ingest of {names} is unfinished: run `rag ingest` to finish it"

    def stats(self) -> IndexStats:
        return IndexStats(
            papers=len(self.papers),
            chunks=len(self.chunks),
            vectors=self.store.count(),
            embedding_model=self.settings.embedding.model_name,
            index_name=self.settings.index_name,
            location=self.store.location,
            catalog=str(self.catalog_path),
            sources=self.catalog.sources if self.catalog else [],
            unfinished=self.unfinished,
        )
