"""Papers -> sentence-aligned chunks (LlamaIndex SentenceSplitter), each tagged with its paper."""

from __future__ import annotations

import hashlib

from llama_index.core.node_parser import SentenceSplitter

from rag.models import Chunk, Paper
from rag.settings import ChunkingSettings


def make_splitter(settings: ChunkingSettings) -> SentenceSplitter:
    return SentenceSplitter(chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)


def embedding_text(paper: Paper, chunk_text: str) -> str:
    """What is embedded and BM25-indexed: the title gives every chunk its paper's topic."""
    return f"{paper.title}\n{chunk_text}"


def chunk_paper(paper: Paper, splitter: SentenceSplitter) -> list[Chunk]:
    pieces = [p for p in splitter.split_text(paper.abstract) if p.strip()] or [paper.abstract]
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
