"""Chroma, embedded (PersistentClient under the data directory) or a server (RAG_CHROMA_URL).

A server that is down, or stops answering half-way, is a ConnectionError whose one-line message names
the URL and what to do; the CLI prints it as is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np

from rag.settings import Settings

UPSERT_BATCH = 256
READ_BATCH = 1000


def _server_help(settings: Settings) -> str:
    url = urlparse(settings.chroma_url or "")
    return f"chroma run --path <folder> --host {url.hostname or '127.0.0.1'} --port {url.port or 8000}"


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


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
            raise ConnectionError(
                f"cannot reach the Chroma server at {settings.chroma_url} ({_reason(exc)}): start it "
                f"({_server_help(settings)}) or unset RAG_CHROMA_URL to use the embedded index"
            ) from exc
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class VectorStore:
    """One Chroma collection per index name; ids are chunk ids, metadata carries the content hash."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        self.client = client or open_client(settings)
        self.location = settings.chroma_url or str(settings.data_dir / "chroma")
        with self._answering():
            self.collection = self.client.get_or_create_collection(
                name=settings.index_name,
                embedding_function=None,
                metadata={"hnsw:space": "cosine", "embedding_model": settings.embedding.model_name},
            )

    @contextmanager
    def _answering(self, writing: bool = False) -> Iterator[None]:
        """A server that stops answering becomes a ConnectionError that says what to do."""
        try:
            yield
        except httpx.TransportError as exc:
            then = ", then run `rag ingest` to finish the ingest" if writing else ""
            raise ConnectionError(
                f"the Chroma server at {self.settings.chroma_url} does not answer ({_reason(exc)}): start it "
                f"again ({_server_help(self.settings)}){then}"
            ) from exc

    def close(self) -> None:
        """Release this process's hold on an embedded folder (its in-memory copy of the vector index)."""
        close = getattr(self.client, "close", None)
        if callable(close) and not self.settings.chroma_url:
            close()

    def content_hashes(self) -> dict[str, str]:
        with self._answering():
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
            with self._answering(writing=True):
                self.collection.upsert(
                    ids=list(ids[start:end]),
                    embeddings=vectors[start:end].tolist(),
                    metadatas=list(metadatas[start:end]),
                    documents=list(documents[start:end]),
                )

    def delete(self, ids: Sequence[str], dimension: int = 384) -> None:
        """Delete vectors. An unreadable one is overwritten first (with a placeholder of `dimension`):
        Chroma cannot delete what it cannot find, and that failed delete stops every later read."""
        ids = list(ids)
        broken = self.unreadable(ids)
        if broken:
            placeholder = np.zeros((len(broken), dimension), dtype=np.float32)
            placeholder[:, 0] = 1.0
            self.upsert(
                broken, placeholder, [{"paper_id": "", "content_hash": ""}] * len(broken), [""] * len(broken)
            )
        for start in range(0, len(ids), UPSERT_BATCH):
            with self._answering(writing=True):
                self.collection.delete(ids=ids[start : start + UPSERT_BATCH])

    def unreadable(self, ids: Sequence[str]) -> list[str]:
        """The ids whose vector cannot be read back (lost by an unsafe writer) or is not stored at all."""
        bad: list[str] = []
        for start in range(0, len(ids), READ_BATCH):
            bad.extend(self._unreadable_part(list(ids[start : start + READ_BATCH])))
        return bad

    def _unreadable_part(self, ids: list[str]) -> list[str]:
        from chromadb.errors import ChromaError

        if not ids:
            return []
        try:
            with self._answering():
                got = self.collection.get(ids=ids, include=["embeddings"])
        except ChromaError:  # one lost vector fails the whole read: halve until it is found
            if len(ids) == 1:
                return ids
            middle = len(ids) // 2
            return self._unreadable_part(ids[:middle]) + self._unreadable_part(ids[middle:])
        embeddings = got.get("embeddings")
        found = {i for n, i in enumerate(got["ids"]) if embeddings is not None and len(embeddings[n]) > 0}
        return [i for i in ids if i not in found]

    def count(self) -> int:
        with self._answering():
            return int(self.collection.count())

    def query(
        self, vector: np.ndarray, n: int, paper_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) best first, optionally only within some papers."""
        total = self.count()
        if total == 0 or (paper_ids is not None and not paper_ids):
            return []
        where = {"paper_id": {"$in": list(paper_ids)}} if paper_ids is not None else None
        with self._answering():
            got = self.collection.query(
                query_embeddings=[vector.tolist()],
                n_results=min(n, total),
                where=where,
                include=["distances"],
            )
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)]
