"""Questions about the collection's metadata: parse them into a typed query, run it exactly, compose the
answer ("which papers were posted in November 2025?", "which paper has the largest author team?")."""

from rag.collection.execute import CollectionResult, run_query
from rag.collection.parse import parse_collection_query
from rag.collection.query import CollectionQuery

__all__ = ["CollectionQuery", "CollectionResult", "parse_collection_query", "run_query"]
