"""Keyword search: BM25 (bm25s) over the chunks' text, kept in segments so an ingest writes what changed.

An ingest that writes chunks indexes those chunks alone as a new segment (a folder under `keyword/`),
before the catalog's transaction names it; chunks replaced or removed stay in their old segment as dead
postings (the catalog's `chunks.segment` says which segment is live for each chunk). When there are
MAX_SEGMENTS segments, or dead postings pass DEAD_SHARE of all, the ingest indexes every chunk again as
one segment. A segment stores term frequencies, not scores, so a query scores all segments with the IDF
and average length over all of them, as one bm25s index would (its "lucene" BM25, k1 1.5, b 0.75, the
same tokenizer); dead postings count in those figures until the next whole rebuild.

SQLite FTS5 was tried first and measured (bench/results/keyword-storage.md): the same quality, but it
scores every chunk a query term matches, about 50 times slower than bm25s at 10k papers.
"""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from rag.indexing.catalog import CatalogDB, IngestState, SentenceRows, Written
from rag.indexing.chunking import embedding_text
from rag.models import Chunk, Paper

MAX_SEGMENTS = 8
DEAD_SHARE = 0.25
_STEMMER = Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False
    )


K1, B = 1.5, 0.75  # bm25s's defaults, as the index this replaced used


def _idf(docs: int, df: int) -> float:
    return math.log(1 + (docs - df + 0.5) / (df + 0.5))  # bm25s's "lucene" IDF


class Segment:
    """Term frequencies of some chunks, by term (CSC-like arrays), immutable once written, memory-mapped.

    It keeps frequencies and lengths rather than scores, so a query scores every segment with the IDF and
    the average length over all of them: the scores are those of one index over every segment's chunks.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        meta = json.loads((folder / "segment.json").read_text(encoding="utf-8"))
        self.vocab: dict[str, int] = meta["vocab"]
        self.chunk_ids: list[str] = meta["chunk_ids"]
        self.docs = len(self.chunk_ids)
        self.length = int(meta["length"])
        arrays = {n: np.load(folder / f"{n}.npy", mmap_mode="r") for n in ("indptr", "docs", "tf", "lengths")}
        self.indptr, self.postings, self.tf, self.lengths = (
            arrays[n] for n in ("indptr", "docs", "tf", "lengths")
        )
        self.dead = np.zeros(self.docs, dtype=bool)

    @staticmethod
    def write(folder: Path, chunk_ids: list[str], texts: list[str]) -> None:
        """Index `texts` into `folder`, written whole in a side folder first, then renamed."""
        staging = folder.with_name(folder.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        vocab: dict[str, int] = {}
        terms: list[int] = []
        docs: list[int] = []
        freqs: list[int] = []
        lengths = np.zeros(len(texts), dtype=np.int32)
        for doc, tokens in enumerate(tokenize(texts)):
            lengths[doc] = len(tokens)
            for token, tf in Counter(tokens).items():
                terms.append(vocab.setdefault(token, len(vocab)))
                docs.append(doc)
                freqs.append(tf)
        order = np.argsort(np.asarray(terms, dtype=np.int64), kind="stable")
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(np.asarray(terms, dtype=np.int64), minlength=len(vocab)), out=indptr[1:])
        np.save(staging / "indptr.npy", indptr)
        np.save(staging / "docs.npy", np.asarray(docs, dtype=np.int32)[order])
        np.save(staging / "tf.npy", np.asarray(freqs, dtype=np.float32)[order])
        np.save(staging / "lengths.npy", lengths)
        meta = {"vocab": vocab, "chunk_ids": chunk_ids, "length": int(lengths.sum())}
        (staging / "segment.json").write_text(json.dumps(meta), encoding="utf-8")
        staging.rename(folder)

    def df(self, token: str) -> int:
        t = self.vocab.get(token)
        return 0 if t is None else int(self.indptr[t + 1] - self.indptr[t])

    def scores(self, tokens: list[str], idf: dict[str, float], average: float) -> np.ndarray:
        scores = np.zeros(self.docs, dtype=np.float32)
        for token in tokens:
            t = self.vocab.get(token)
            if t is None:
                continue
            lo, hi = int(self.indptr[t]), int(self.indptr[t + 1])
            docs, tf = self.postings[lo:hi], self.tf[lo:hi]
            norm = K1 * (1 - B + B * self.lengths[docs] / average)
            scores[docs] += idf[token] * tf / (tf + norm)  # a term's postings name distinct chunks
        scores[self.dead] = 0
        return scores


class KeywordIndex:
    """BM25 search over the catalog's live chunks, read from its segments on the first query."""

    def __init__(self, db: CatalogDB | None, folder: Path) -> None:
        self.db = db
        self.folder = folder
        self._segments: list[Segment] | None = None

    def _load(self) -> list[Segment]:
        if self._segments is None:
            if self.db is None:
                return []
            try:
                self._segments = self._read(self.db)
            except OSError:  # a segment merged away by another process's ingest since the catalog was read
                self._segments = self._read(self.db)
        return self._segments

    def _read(self, db: CatalogDB) -> list[Segment]:
        numbers = list(db.segments())
        segments = [Segment(self.folder / str(n)) for n in numbers]
        live = db.live_segments()
        for number, segment in zip(numbers, segments, strict=True):
            segment.dead = np.array([live.get(i) != number for i in segment.chunk_ids], dtype=bool)
        return segments

    def query(self, text: str, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; chunks with no query term are left out. `allowed`: paper ids."""
        segments = self._load()
        tokens = tokenize([text])[0] if text.strip() and segments else []
        if not tokens or n <= 0:
            return []
        docs = sum(s.docs for s in segments)
        average = max(sum(s.length for s in segments) / max(docs, 1), 1e-9)
        idf = {t: _idf(docs, sum(s.df(t) for s in segments)) for t in set(tokens)}
        hits: list[tuple[str, float]] = []
        for segment in segments:
            scores = segment.scores(tokens, idf, average)
            if allowed is None and len(scores) > n:
                order = np.argpartition(-scores, n)[:n]
                order = order[np.argsort(-scores[order], kind="stable")]
            else:
                order = np.argsort(-scores, kind="stable")
            found = 0
            for i in order:
                if scores[i] <= 0 or found >= n:
                    break
                chunk_id = segment.chunk_ids[i]
                if allowed is None or chunk_id.split("#", 1)[0] in allowed:
                    hits.append((chunk_id, float(scores[i])))
                    found += 1
        hits.sort(key=lambda h: -h[1])
        return hits[:n]


def store_changes(
    db: CatalogDB,
    folder: Path,
    upserts: list[tuple[Paper, list[Chunk]]],
    removed: list[str],
    state: IngestState,
    sentences: SentenceRows | None = None,
) -> Written:
    """Index the written chunks as a new segment (or every chunk as one, see the module), then write the
    catalog rows (and `sentences`, see `CatalogDB.apply`) in one transaction, then delete the segments
    that no longer count.

    A segment folder that no committed catalog names (left by a killed ingest) is deleted first.
    """
    folder.mkdir(parents=True, exist_ok=True)
    segments = db.segments()
    for leftover in folder.iterdir():
        if not leftover.name.isdigit() or int(leftover.name) not in segments:
            shutil.rmtree(leftover, ignore_errors=True)
    written = [c for _, cs in upserts for c in cs]
    if not written and not removed:
        return db.apply([], [], state, sentences=sentences)
    gone = {p.id for p, _ in upserts} | set(removed)
    total = sum(segments.values())
    dead = total - db.count("chunks") + db.chunks_of(sorted(gone))
    whole = not segments or len(segments) >= MAX_SEGMENTS or dead > DEAD_SHARE * (total + len(written))
    number = max(segments, default=0) + 1
    titles = {p.id: p for p, _ in upserts}
    ids = [c.id for c in written]
    texts = [embedding_text(titles[c.paper_id], c.text) for c in written]
    if whole:
        kept = [(i, body) for i, body in db.bodies() if i.split("#", 1)[0] not in gone]
        ids = [i for i, _ in kept] + ids
        texts = [body for _, body in kept] + texts
    if ids:
        Segment.write(folder / str(number), ids, texts)
    change = db.apply(upserts, removed, state, segment=(number, len(ids), whole), sentences=sentences)
    if whole:
        for old in segments:
            shutil.rmtree(folder / str(old), ignore_errors=True)
    return change


# ------------------------------------------------------------------ the former index, for comparison
class Bm25sIndex:
    """bm25s over chunk texts built whole in memory, as every ingest did before the segments."""

    def __init__(self, chunk_ids: list[str], texts: list[str]) -> None:
        self.chunk_ids = list(chunk_ids)
        self.retriever = bm25s.BM25() if texts else None
        if self.retriever is not None:
            self.retriever.index(tokenize(texts), show_progress=False)

    def query(self, text: str, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        if self.retriever is None or not text.strip():
            return []
        tokens = tokenize([text])
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
