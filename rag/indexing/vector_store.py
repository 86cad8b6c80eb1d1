"""Chroma, embedded (PersistentClient under the data directory) or a server (RAG_CHROMA_URL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

import numpy as np

from rag.settings import Settings

UPSERT_BATCH = 256


def open_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise ValueError(f"RAG_CHROMA_URL is not a URL: {settings.chroma_url!r}")
        port = url.port or (443 if url.scheme == "https" else 8000)
        try:
            return chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings
            )
        except Exception as exc:  # chromadb raises plain Exception/ValueError when unreachable
            raise ConnectionError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") from exc
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class VectorStore:
    """One Chroma collection per index name; ids are chunk ids, metadata carries the content hash."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.client = client or open_client(settings)
        self.location = settings.chroma_url or str(settings.data_dir / "chroma")
        self.collection = self.client.get_or_create_collection(
            name=settings.index_name,
            embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedding_model": settings.embedding.model_name},
        )

    def content_hashes(self) -> dict[str, str]:
        got = self.collection.get(include=["metadatas"])
        return {
            i: str((m or {}).get("content_hash", ""))
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
        }

    def upsert(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        metadatas: Sequence[dict[str, Any]],
        documents: Sequence[str],
    ) -> None:
        for start in range(0, len(ids), UPSERT_BATCH):
            end = start + UPSERT_BATCH
            self.collection.upsert(
                ids=list(ids[start:end]),
                embeddings=vectors[start:end].tolist(),
                metadatas=list(metadatas[start:end]),
                documents=list(documents[start:end]),
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), UPSERT_BATCH):
            self.collection.delete(ids=list(ids[start : start + UPSERT_BATCH]))

    def count(self) -> int:
        return int(self.collection.count())

    def query(
        self, vector: np.ndarray, n: int, paper_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) best first, optionally only within some papers."""
        total = self.count()
        if total == 0 or (paper_ids is not None and not paper_ids):
            return []
        where = {"paper_id": {"$in": list(paper_ids)}} if paper_ids is not None else None
        got = self.collection.query(
            query_embeddings=[vector.tolist()], n_results=min(n, total), where=where, include=["distances"]
        )
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)]
