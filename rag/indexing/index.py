"""PaperIndex: the one object the rest of the app opens to read or update the collection."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field

from rag.indexing.catalog import Catalog
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.ingest import IngestReport, ingest
from rag.indexing.keyword import KeywordIndex
from rag.indexing.vector_store import VectorStore
from rag.models import Chunk, Paper, Record
from rag.settings import Settings


class IndexStats(Record):
    papers: int
    chunks: int
    vectors: int
    embedding_model: str
    index_name: str
    location: str = Field(description="Chroma path or server URL.")
    catalog: str
    sources: list[str]


class PaperIndex:
    """Catalog + vectors + BM25 for one settings' index name. Pass `embedder` to share a loaded model."""

    def __init__(
        self, settings: Settings, embedder: OnnxEmbedder | None = None, store: VectorStore | None = None
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._store = store
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

    @cached_property
    def store(self) -> VectorStore:
        return self._store or VectorStore(self.settings)

    @property
    def is_empty(self) -> bool:
        return not self.papers

    def ingest(
        self, paths: list[Path] | None = None, *, replace: bool = False, progress: bool | None = None
    ) -> IngestReport:
        report, _ = ingest(
            list(paths or []),
            catalog_path=self.catalog_path,
            keyword_dir=self.keyword_dir,
            store=self.store,
            embedder=self.embedder,
            chunking=self.settings.chunking,
            replace=replace,
            progress=progress,
        )
        self._load()
        return report

    def ensure_ingested(self, progress: bool | None = None) -> IngestReport | None:
        """First use on a fresh machine: build the index from the configured corpus."""
        if not self.is_empty:
            return None
        return self.ingest(list(self.settings.corpus), progress=progress)

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
        )
