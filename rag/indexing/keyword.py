"""Keyword search: BM25 over the chunks' text, as SQLite FTS5 in the catalog (porter stemming, unicode61).

The query is tokenized as bm25s did (words of two or more characters, lowercased, its 33 English stop
words removed) and becomes an OR of the quoted terms, so a chunk matching any term is a candidate and
FTS5's bm25() ranks them. `Bm25sIndex` is the index this replaced (rebuilt whole on each ingest); it
stays for bench/keyword_bench.py, which compares the two (bench/results/keyword-storage.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import bm25s
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from rag.indexing.catalog import CatalogDB

_WORD = re.compile(r"(?u)\b\w\w+\b")
_STOP = frozenset(STOPWORDS_EN)


def fts_query(text: str) -> str | None:
    """The FTS5 MATCH expression for a free-text query; None when it has no searchable term."""
    terms = dict.fromkeys(w for w in _WORD.findall(text.lower()) if w not in _STOP)
    if not terms:
        return None
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


class KeywordIndex:
    """BM25 search over the catalog's chunks; an index with no catalog yet finds nothing."""

    def __init__(self, db: CatalogDB | None) -> None:
        self.db = db

    def query(self, text: str, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; chunks with no query term are left out. `allowed`: paper ids."""
        match = fts_query(text)
        if self.db is None or match is None or n <= 0:
            return []
        return self.db.keyword(match, n, allowed)


# ------------------------------------------------------------------ the former index, for comparison
_STEMMER = Stemmer.Stemmer("english")


def _tokenize(texts: Sequence[str]) -> list[list[str]]:
    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False
    )


class Bm25sIndex:
    """bm25s over chunk texts (English stop words, Snowball stemming), built whole in memory."""

    def __init__(self, chunk_ids: list[str], texts: list[str]) -> None:
        self.chunk_ids = list(chunk_ids)
        self.retriever = bm25s.BM25() if texts else None
        if self.retriever is not None:
            self.retriever.index(_tokenize(texts), show_progress=False)

    def query(self, text: str, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        if self.retriever is None or not text.strip():
            return []
        tokens = _tokenize([text])
        if not tokens or not tokens[0]:
            return []
        scores = self.retriever.get_scores(tokens[0])
        hits: list[tuple[str, float]] = []
        for i in scores.argsort()[::-1]:
            if scores[i] <= 0 or len(hits) >= n:
                break
            chunk_id = self.chunk_ids[i]
            if allowed is None or chunk_id.split("#", 1)[0] in allowed:
                hits.append((chunk_id, float(scores[i])))
        return hits
