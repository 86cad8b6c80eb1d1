"""One embedding pass per paper, for both Chroma's chunk vectors and the evidence sentence vectors.

Today every text is embedded twice: chunks ("title\nchunk") at ingest, then every evidence sentence and
the title on the first question. Two ways to do it once (bench/results/one-pass.md compares them):

- token-states: each chunk is embedded as today, so its vector is exactly today's; a sentence's vector is
  the mean of its tokens' states in that same forward pass (over both chunks when a chunk boundary cuts
  it), the title's the mean of its tokens over all the paper's chunks.
- pooled: the sentences and the title are embedded alone, exactly the evidence vectors of today, and a
  chunk's vector is the L2-normalised mean of the title vector and the vectors of the sentences it holds,
  each weighted by the share of its characters inside the chunk. Equal weights retrieved better than
  weights by token count (which imitate mean pooling over "title\nchunk") and other title weights.

token-states is the default: it keeps retrieval exactly as it is, while pooling lost 0.013 (dense) and
0.021 (hybrid) of recall@10 on 188 eval questions; its evidence vectors move every answer-eval metric
by less than 0.02 (bench/results/one-pass-eval.md).

Either way the sentences are the evidence selector's own (`split_sentences`, with its fallback) and the
title is the last row, the layout of rag/answering/evidence.py: `PaperVectors.sentence_rows` goes as it is
into the catalog's `sentence_vectors` table. Chunks and sentences are located in the whitespace-normalised
abstract; a chunk not found there verbatim falls back to the share of each sentence's words it holds.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from typing import Literal, Protocol

import numpy as np
from pydantic import ConfigDict, Field
from tokenizers import Encoding, Tokenizer
from tqdm import tqdm

from rag.answering.evidence import paper_sentences  # the selector's own sentences: the same vectors
from rag.indexing.chunking import embedding_text
from rag.indexing.pool import Segments
from rag.models import Chunk, Paper, Record

# pooled: the title's weight relative to one sentence's (or to its token count, by_tokens)
TITLE_WEIGHT = 1.0
# Below this share of its words found in a chunk, a sentence is not in it (only when the text search fails).
_WORD_SHARE = 0.5


class Embeds(Protocol):
    """What the pooled pass needs: OnnxEmbedder, or EmbedderPool to use every core."""

    tokenizer: Tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class EmbedsSegments(Embeds, Protocol):
    """What the token-state pass needs besides: EmbedderPool (processes=1 runs in this process)."""

    def embed_segments(self, token_ids: list[list[int]], labels: list[np.ndarray]) -> list[Segments]: ...


class PaperVectors(Record):
    """One paper's vectors from the pass: its evidence sentence rows and its chunks' vectors."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    paper_id: str
    title: str
    sentences: list[str] = Field(description="split_sentences(abstract), or [abstract or title] if none.")
    vectors: np.ndarray = Field(
        description="float32 (len(sentences) + 1, d), unit rows: sentences, then title."
    )
    tokens: np.ndarray = Field(
        description="Tokens pooled into each row: its own (pooled), or those in the chunks (token-states)."
    )
    chunk_ids: list[str]
    chunk_vectors: np.ndarray = Field(description="float32 (len(chunk_ids), d), unit rows.")

    def sentence_rows(self) -> list[tuple[int, str, bytes]]:
        """(position, text, float32 bytes) for the catalog's sentence_vectors table; the title is last,
        the layout EvidenceSelector caches."""
        texts = [*self.sentences, self.title]
        return [(i, text, self.vectors[i].astype(np.float32).tobytes()) for i, text in enumerate(texts)]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _find_spans(haystack: str, pieces: Sequence[str], step_over: bool) -> list[tuple[int, int] | None]:
    """Where each piece occurs, searching on from the previous one (anywhere when that fails)."""
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for piece in pieces:
        at = haystack.find(piece, cursor)
        at = at if at >= 0 else haystack.find(piece)
        if at < 0 or not piece:
            spans.append(None)
            continue
        spans.append((at, at + len(piece)))
        cursor = at + (len(piece) if step_over else 1)
    return spans


def chunk_sentence_weights(paper: Paper, sentences: Sequence[str], chunk_texts: Sequence[str]) -> np.ndarray:
    """(chunks, sentences): the share of each sentence's characters inside each chunk.

    Both are located in the whitespace-normalised abstract (the splitters keep its text); a chunk that
    cannot be found there falls back to the share of each sentence's words it contains.
    """
    abstract = _normalised(paper.abstract)
    sentence_spans = _find_spans(abstract, sentences, step_over=True)
    chunk_spans = _find_spans(abstract, [_normalised(t) for t in chunk_texts], step_over=False)
    weights = np.zeros((len(chunk_texts), len(sentences)), dtype=np.float32)
    for c, chunk_span in enumerate(chunk_spans):
        for s, sentence_span in enumerate(sentence_spans):
            if chunk_span is not None and sentence_span is not None:
                inside = min(chunk_span[1], sentence_span[1]) - max(chunk_span[0], sentence_span[0])
                weights[c, s] = max(inside, 0) / (sentence_span[1] - sentence_span[0])
        if not weights[c].any():
            words = set(_words(chunk_texts[c]))
            for s, sentence in enumerate(sentences):
                own = _words(sentence)
                share = sum(w in words for w in own) / max(len(own), 1)
                weights[c, s] = share if share >= _WORD_SHARE else 0.0
    return weights


def pool_chunks(
    vectors: np.ndarray,
    tokens: np.ndarray,
    weights: np.ndarray,
    *,
    title_weight: float = TITLE_WEIGHT,
    by_tokens: bool = False,
) -> np.ndarray:
    """Chunk vectors from one paper's rows (sentences, then the title): unit weighted means.

    Every sentence weighs the share of it inside the chunk, the title `title_weight`; by_tokens=True
    multiplies each by its token count.
    """
    size = tokens.astype(np.float32) if by_tokens else np.ones(len(tokens), dtype=np.float32)
    sentence_part = (weights * size[:-1]) @ vectors[:-1]
    pooled = sentence_part + title_weight * size[-1] * vectors[-1]
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def _normalised_index(raw: str) -> np.ndarray:
    """For each character of `raw`, its index in `_normalised(raw)` (linear time)."""
    out = np.empty(len(raw), dtype=np.int64)
    n, started, space = 0, False, False
    for i, ch in enumerate(raw):
        if ch.isspace():
            space = started
            out[i] = n + int(space)
            continue
        if space:
            n, space = n + 1, False
        out[i] = n
        n, started = n + 1, True
    return out


class _Layout(Record):
    """Where a paper's sentences lie in its whitespace-normalised abstract (those found there)."""

    starts: list[int]
    ends: list[int]
    rows: list[int]
    title_row: int

    def row_at(self, where: int) -> int:
        k = bisect.bisect_right(self.starts, where) - 1
        return self.rows[k] if k >= 0 and where < self.ends[k] else -1


def _token_labels(
    encoding: Encoding, title: str, chunk_text: str, chunk_start: int | None, layout: _Layout
) -> np.ndarray:
    """Each token of "title\nchunk" -> its paper's row: a sentence, the title (last row), or -1."""
    index = _normalised_index(chunk_text)
    labels = np.full(len(encoding.ids), -1, dtype=np.int64)
    marks = zip(encoding.offsets, encoding.special_tokens_mask, strict=True)
    for t, ((start, _end), special) in enumerate(marks):
        if special:
            continue
        if start < len(title):
            labels[t] = layout.title_row
        elif chunk_start is not None and 0 <= start - len(title) - 1 < len(index):
            labels[t] = layout.row_at(chunk_start + int(index[start - len(title) - 1]))
    return labels


def _token_state_group(
    papers: Sequence[Paper], chunks_of: dict[str, list[Chunk]], embedder: EmbedsSegments
) -> list[PaperVectors]:
    """One forward pass over each chunk as embedded today ("title\nchunk"): the chunk's vector is its
    mean token state, exactly today's; a sentence's is the mean of its tokens' states over the chunks
    holding it, the title's the mean of its tokens over all the paper's chunks. A row no token maps to
    (a sentence truncated away) is embedded alone."""
    split = [paper_sentences(p) for p in papers]
    token_ids: list[list[int]] = []
    labels: list[np.ndarray] = []
    owner: list[int] = []
    for p, (paper, sents) in enumerate(zip(papers, split, strict=True)):
        abstract = _normalised(paper.abstract)
        found = [(s, span) for s, span in enumerate(_find_spans(abstract, sents, step_over=True)) if span]
        layout = _Layout(
            starts=[span[0] for _, span in found],
            ends=[span[1] for _, span in found],
            rows=[s for s, _ in found],
            title_row=len(sents),
        )
        chunks = chunks_of.get(paper.id, [])
        spans = _find_spans(abstract, [_normalised(c.text) for c in chunks], step_over=False)
        own = [embedding_text(paper, c.text) for c in chunks]
        for chunk, span, encoding in zip(chunks, spans, embedder.tokenizer.encode_batch(own), strict=True):
            start = span[0] if span else None
            labels.append(_token_labels(encoding, paper.title, chunk.text, start, layout))
            token_ids.append(encoding.ids)
            owner.append(p)
    segments = embedder.embed_segments(token_ids, labels) if token_ids else []
    dimension = segments[0].vector.shape[0] if segments else 384
    sums = [np.zeros((len(sents) + 1, dimension), dtype=np.float64) for sents in split]
    counts = [np.zeros(len(sents) + 1, dtype=np.int64) for sents in split]
    chunk_vectors: list[list[np.ndarray]] = [[] for _ in papers]
    for p, one in zip(owner, segments, strict=True):
        sums[p][one.labels] += one.sums
        counts[p][one.labels] += one.counts.astype(np.int64)
        chunk_vectors[p].append(one.vector)
    alone = [(p, r) for p in range(len(papers)) for r in np.flatnonzero(counts[p] == 0)]
    if alone:
        rows_text = [[*split[p], papers[p].title][r] for p, r in alone]
        for (p, r), vector in zip(alone, embedder.embed(rows_text), strict=True):
            sums[p][r] = vector
    out = []
    for p, paper in enumerate(papers):
        norms = np.clip(np.linalg.norm(sums[p], axis=1, keepdims=True), 1e-12, None)
        chunks = chunks_of.get(paper.id, [])
        out.append(
            PaperVectors(
                paper_id=paper.id,
                title=paper.title,
                sentences=split[p],
                vectors=(sums[p] / norms).astype(np.float32),
                tokens=counts[p].astype(np.int32),
                chunk_ids=[c.id for c in chunks],
                chunk_vectors=np.array(chunk_vectors[p], dtype=np.float32).reshape(len(chunks), dimension),
            )
        )
    return out


def _group_vectors(
    papers: Sequence[Paper], chunks_of: dict[str, list[Chunk]], embedder: Embeds
) -> list[PaperVectors]:
    split = [paper_sentences(p) for p in papers]
    texts = [text for paper, sents in zip(papers, split, strict=True) for text in [*sents, paper.title]]
    vectors = embedder.embed(texts)
    tokens = np.array([len(e.ids) for e in embedder.tokenizer.encode_batch(texts)], dtype=np.int32)
    out: list[PaperVectors] = []
    offset = 0
    for paper, sents in zip(papers, split, strict=True):
        rows = slice(offset, offset + len(sents) + 1)
        offset += len(sents) + 1
        chunks = chunks_of.get(paper.id, [])
        weights = chunk_sentence_weights(paper, sents, [c.text for c in chunks])
        out.append(
            PaperVectors(
                paper_id=paper.id,
                title=paper.title,
                sentences=sents,
                vectors=vectors[rows],
                tokens=tokens[rows],
                chunk_ids=[c.id for c in chunks],
                chunk_vectors=pool_chunks(vectors[rows], tokens[rows], weights),
            )
        )
    return out


Method = Literal["token-states", "pooled"]


def iter_paper_vectors(
    papers: Sequence[Paper],
    chunks: Sequence[Chunk],
    embedder: EmbedsSegments,
    *,
    method: Method = "token-states",
    group: int = 0,
    progress: bool = False,
) -> Iterator[list[PaperVectors]]:
    """The pass, `group` papers at a time (each group one call: its texts sorted by token length), so a
    caller can store each group before the next is embedded. The bar shows papers/s and an ETA.
    `group` 0: 96 papers per worker process (at least 256), about ten batches of chunks per worker, so
    that few workers wait at the end of a group.

    token-states: chunks embedded as today, sentence vectors pooled from their token states.
    pooled: sentences embedded alone (the evidence vectors of today), chunk vectors pooled from them.
    """
    chunks_of: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        chunks_of.setdefault(chunk.paper_id, []).append(chunk)
    one_group = _token_state_group if method == "token-states" else _group_vectors
    size = group if group > 0 else max(256, 96 * getattr(embedder, "processes", 1))
    with tqdm(total=len(papers), unit=" papers", desc="embedding", disable=not progress or not papers) as bar:
        for start in range(0, len(papers), size):
            part = papers[start : start + size]
            yield one_group(part, chunks_of, embedder)
            bar.update(len(part))


def embed_papers(
    papers: Sequence[Paper],
    chunks: Sequence[Chunk],
    embedder: EmbedsSegments,
    *,
    method: Method = "token-states",
    progress: bool = False,
) -> list[PaperVectors]:
    """Every paper's sentence rows and chunk vectors, in the papers' order."""
    parts = iter_paper_vectors(papers, chunks, embedder, method=method, progress=progress)
    return [vectors for part in parts for vectors in part]
