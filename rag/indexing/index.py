"""PaperIndex: the one object the rest of the app opens to read or update the collection."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pydantic import Field

from rag.indexing import ingest as ingesting
from rag.indexing.catalog import DB_NAME, KEYWORD_DIR, CatalogDB, IngestState
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.ingest import IngestReport
from rag.indexing.keyword import KeywordIndex
from rag.indexing.lazy import StoredMap
from rag.indexing.legacy import LEGACY_NAME, import_legacy
from rag.indexing.lock import ingest_lock, ingest_running
from rag.indexing.vector_store import VectorStore
from rag.models import Chunk, Paper, Record
from rag.settings import Settings

Say = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def _paper_key(paper: Paper) -> str:
    return paper.id


def _chunk_key(chunk: Chunk) -> str:
    return chunk.id


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
    """Catalog (SQLite: papers, chunks, BM25) + vectors for one settings' index name. Pass `embedder` to
    share a loaded model.

    `papers` and `chunks` are read-only Mappings read from the catalog on demand (rag/indexing/lazy.py).
    Every write (ingest, check, the one-time import of a catalog.json) holds the data folder's lock;
    `say` hears that one waits for another.
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
        self.catalog_path = settings.index_dir / DB_NAME
        self.keyword_dir = settings.index_dir / KEYWORD_DIR
        self._load()

    def _load(self) -> None:
        """(Re)open the catalog: only the ingest state is read, no paper or chunk. The previous connection
        is left to close when nothing reads through it (a thread may still be iterating its papers)."""
        if not self.catalog_path.exists() and (self.settings.index_dir / LEGACY_NAME).exists():
            with self.writing():
                imported = import_legacy(self.settings.index_dir, self.catalog_path)
            if imported is not None:
                self.say(f"imported {LEGACY_NAME} ({imported} papers) into {self.catalog_path.name} (once)")
        db = CatalogDB.open(self.catalog_path)
        self.state: IngestState | None = db.state() if db else None
        self.keyword = KeywordIndex(db, self.keyword_dir)
        self.papers: Mapping[str, Paper] = StoredMap.empty()
        self.chunks: Mapping[str, Chunk] = StoredMap.empty()
        if db is not None:
            self.papers = StoredMap(
                lambda: db.count("papers"), db.paper, db.all_papers, _paper_key, lambda: db.ids("papers")
            )
            self.chunks = StoredMap(
                lambda: db.count("chunks"), db.chunk, db.all_chunks, _chunk_key, lambda: db.ids("chunks")
            )

    def reload(self) -> None:
        """See what another process's ingest committed since this index was opened."""
        self._load()

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
        return self.state is not None

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
        return ingesting.ingest(
            paths,
            catalog_path=self.catalog_path,
            keyword_dir=self.keyword_dir,
            store=self.store,
            embedder=self.embedder,
            chunking=self.settings.chunking,
            replace=replace,
            progress=progress,
        )

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
            resume = bool(self.state and self.state.pending)
            paths = [] if resume else list(self.settings.corpus)
            report = self._ingest_locked(paths, replace=False, progress=progress)
        self._load()
        return report

    @property
    def unfinished(self) -> list[str]:
        """The sources an unfinished ingest adds (all it was to read when it adds none)."""
        if self.state is None or self.state.pending is None:
            return []
        added = [s for s in self.state.pending if s not in self.state.sources]
        return added or list(self.state.pending)

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
            sources=self.state.sources if self.state else [],
            unfinished=self.unfinished,
        )
