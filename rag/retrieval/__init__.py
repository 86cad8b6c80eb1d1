"""Query -> ranked papers: BM25, dense, or both fused by reciprocal rank."""

from rag.retrieval.search import Searcher

__all__ = ["Searcher"]
