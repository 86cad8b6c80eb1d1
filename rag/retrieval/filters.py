"""Metadata filters, applied to papers before ranking so a narrow filter never starves the results."""

from __future__ import annotations

from collections.abc import Iterable

from rag.collection.names import AuthorMatcher
from rag.models import Paper, SearchFilters


def matches(paper: Paper, filters: SearchFilters) -> bool:
    year = paper.year
    if filters.year_from is not None and (year is None or year < filters.year_from):
        return False
    if filters.year_to is not None and (year is None or year > filters.year_to):
        return False
    if filters.category and (paper.category or "").casefold() != filters.category.casefold():
        return False
    if filters.author and not author_matches(filters.author, paper.authors):
        return False
    return not (filters.paper_ids is not None and paper.id not in filters.paper_ids)


def author_matches(asked: str, authors: list[str]) -> bool:
    """Part of a name ('kim'), or the same person spelled another way ('J. Kim' is 'Juno Kim')."""
    needle = asked.casefold()
    return any(needle in name.casefold() for name in authors) or AuthorMatcher(asked).any(authors)


def allowed_ids(papers: Iterable[Paper], filters: SearchFilters | None) -> set[str] | None:
    """None when nothing is filtered (search everything), else the ids that pass."""
    if filters is None or filters.is_empty():
        return None
    return {p.id for p in papers if matches(p, filters)}
