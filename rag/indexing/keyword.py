"""BM25 over chunk texts (bm25s, English stop words, Snowball stemming), saved beside the vectors."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import bm25s
import Stemmer

_STEMMER = Stemmer.Stemmer("english")


def _tokenize(texts: Sequence[str]) -> list[list[str]]:
    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False
    )


class KeywordIndex:
    def __init__(self, retriever: bm25s.BM25 | None, chunk_ids: list[str]) -> None:
        self.retriever = retriever
        self.chunk_ids = chunk_ids

    @classmethod
    def build(cls, chunk_ids: list[str], texts: list[str]) -> KeywordIndex:
        if not texts:
            return cls(None, [])
        retriever = bm25s.BM25()
        retriever.index(_tokenize(texts), show_progress=False)
        return cls(retriever, list(chunk_ids))

    def save(self, folder: Path) -> None:
        """Write into a fresh folder, then swap it in, so a crash never leaves half an index."""
        staging = folder.with_name(folder.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self.retriever is not None:
            self.retriever.save(str(staging))
        (staging / "chunk_ids.json").write_text(json.dumps(self.chunk_ids), encoding="utf-8")
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        if not (folder / "chunk_ids.json").exists():
            old = folder.with_name(folder.name + ".old")  # a crash between the two renames of save()
            folder = old if (old / "chunk_ids.json").exists() else folder
        ids_file = folder / "chunk_ids.json"
        if not ids_file.exists():
            return cls(None, [])
        chunk_ids = json.loads(ids_file.read_text(encoding="utf-8"))
        retriever = bm25s.BM25.load(str(folder)) if chunk_ids else None
        return cls(retriever, chunk_ids)

    def query(self, text: str, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; chunks with no query term are left out."""
        if self.retriever is None or not text.strip():
            return []
        tokens = _tokenize([text])
        if not tokens or not tokens[0]:
            return []
        scores = self.retriever.get_scores(tokens[0])
        order = scores.argsort()[::-1]
        hits: list[tuple[str, float]] = []
        for i in order:
            if scores[i] <= 0 or len(hits) >= n:
                break
            chunk_id = self.chunk_ids[i]
            if allowed is None or chunk_id.split("#", 1)[0] in allowed:
                hits.append((chunk_id, float(scores[i])))
        return hits
