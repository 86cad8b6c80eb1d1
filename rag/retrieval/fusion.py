"""Pure ranking helpers: chunk rankings -> paper rankings -> reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence


def paper_ranking(chunk_hits: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """A paper ranks where its best chunk ranks; its score is that chunk's score."""
    best: dict[str, float] = {}
    for chunk_id, score in chunk_hits:
        paper_id = chunk_id.split("#", 1)[0]
        if paper_id not in best:
            best[paper_id] = score
    return list(best.items())


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> list[tuple[str, float]]:
    """Score = sum over rankings of 1 / (k + rank), rank starting at 1; best first, ties by first seen."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])
