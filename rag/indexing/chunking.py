"""Papers -> sentence-aligned chunks (LlamaIndex SentenceSplitter), each tagged with its paper.

The splitter runs NLTK's Punkt and regular expressions under a time limit, over whatever text it is
given: a 40 MB abstract ran past the limit and stopped the ingest. It is only ever given bounded pieces,
cut at sentence ends in linear time, so its cost grows with the text and never fails on it. An abstract
of normal length is one piece, and is split exactly as before.
"""

from __future__ import annotations

import hashlib

from llama_index.core.node_parser import SentenceSplitter

from rag.models import Chunk, Paper
from rag.settings import ChunkingSettings

PIECE_CHARS = 8_000  # four times the longest abstract of the bundled corpus
_SENTENCE_ENDS = (". ", "? ", "! ", "; ")


def make_splitter(settings: ChunkingSettings) -> SentenceSplitter:
    return SentenceSplitter(chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)


def bounded_pieces(text: str, limit: int = PIECE_CHARS) -> list[str]:
    """`text` cut into pieces of at most `limit` characters: after the last sentence end of each window,
    else at its last space, else at the limit. Every window is scanned once, so this is linear time.
    """
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        window_end = start + limit
        cut = max(text.rfind(end, start, window_end) for end in _SENTENCE_ENDS)
        if cut > start:
            cut += 1  # keep the full stop with its sentence
        else:
            cut = text.rfind(" ", start, window_end)
            cut = cut if cut > start else window_end
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return [p for p in pieces if p.strip()]


def embedding_text(paper: Paper, chunk_text: str) -> str:
    """What is embedded and BM25-indexed: the title gives every chunk its paper's topic."""
    return f"{paper.title}\n{chunk_text}"


def chunk_paper(paper: Paper, splitter: SentenceSplitter) -> list[Chunk]:
    pieces = [
        p for piece in bounded_pieces(paper.abstract) for p in splitter.split_text(piece) if p.strip()
    ] or [paper.abstract]
    chunks = []
    for position, text in enumerate(pieces):
        digest = hashlib.sha256(embedding_text(paper, text).encode("utf-8")).hexdigest()[:16]
        chunks.append(
            Chunk(
                id=f"{paper.id}#{position}",
                paper_id=paper.id,
                position=position,
                text=text,
                content_hash=digest,
            )
        )
    return chunks


def chunk_papers(papers: list[Paper], settings: ChunkingSettings) -> list[Chunk]:
    splitter = make_splitter(settings)
    return [chunk for paper in papers for chunk in chunk_paper(paper, splitter)]
