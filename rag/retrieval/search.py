"""Searcher: hybrid paper search over a PaperIndex, aggregated so each paper appears once."""

from __future__ import annotations

from rag.indexing.index import PaperIndex
from rag.models import ChunkHit, PaperHit, SearchFilters
from rag.retrieval.filters import allowed_ids
from rag.retrieval.fusion import paper_ranking, reciprocal_rank_fusion
from rag.settings import SearchMode


class Searcher:
    def __init__(self, index: PaperIndex) -> None:
        self.index = index
        self.settings = index.settings.retrieval

    def search(
        self,
        query: str,
        k: int | None = None,
        mode: SearchMode | None = None,
        filters: SearchFilters | None = None,
    ) -> list[PaperHit]:
        k = k or self.settings.top_k
        mode = mode or self.settings.mode
        query = query.strip()
        if not query or self.index.is_empty:
            return []
        allowed = allowed_ids(self.index.papers.values(), filters)
        if allowed is not None and not allowed:
            return []
        n = self.settings.candidates
        keyword = self.index.keyword.query(query, n, allowed) if mode in ("bm25", "hybrid") else []
        dense = self._dense(query, n, allowed) if mode in ("dense", "hybrid") else []
        keyword = [
            (c, s) for c, s in keyword if c in self.index.chunks
        ]  # drop what an interrupted ingest left
        dense = [(c, s) for c, s in dense if c in self.index.chunks]
        by_keyword, by_dense = paper_ranking(keyword), paper_ranking(dense)
        if mode == "bm25":
            ranked = by_keyword
        elif mode == "dense":
            ranked = by_dense
        else:
            ranked = reciprocal_rank_fusion(
                [[p for p, _ in by_keyword], [p for p, _ in by_dense]], k=self.settings.rrf_k
            )
        return self._hits(ranked[:k], keyword, dense, by_keyword, by_dense)

    def _dense(self, query: str, n: int, allowed: set[str] | None) -> list[tuple[str, float]]:
        vector = self.index.embedder.embed_one(query)
        return self.index.store.query(vector, n, sorted(allowed) if allowed is not None else None)

    def _hits(
        self,
        ranked: list[tuple[str, float]],
        keyword: list[tuple[str, float]],
        dense: list[tuple[str, float]],
        by_keyword: list[tuple[str, float]],
        by_dense: list[tuple[str, float]],
    ) -> list[PaperHit]:
        keyword_rank = {p: r for r, (p, _) in enumerate(by_keyword, start=1)}
        dense_rank = {p: r for r, (p, _) in enumerate(by_dense, start=1)}
        similarity = dict(by_dense)
        chunk_scores = reciprocal_rank_fusion(
            [[c for c, _ in keyword], [c for c, _ in dense]], k=self.settings.rrf_k
        )
        chunks_of: dict[str, list[ChunkHit]] = {}
        for chunk_id, score in chunk_scores:
            chunk = self.index.chunks[chunk_id]
            chunks_of.setdefault(chunk.paper_id, []).append(ChunkHit(chunk=chunk, score=score))
        return [
            PaperHit(
                paper=self.index.papers[p],
                score=score,
                chunks=chunks_of.get(p, [])[:3],
                bm25_rank=keyword_rank.get(p),
                dense_rank=dense_rank.get(p),
                dense_similarity=similarity.get(p),
            )
            for p, score in ranked
            if p in self.index.papers
        ]
