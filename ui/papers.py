"""The Papers tab's table: rows, search and lookup of the selected row (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rag.models import Paper
from ui.render import authors_text, date_text

HEADERS = ["Title", "Authors", "Date", "Category"]


def sorted_papers(papers: Iterable[Paper]) -> list[Paper]:
    """Newest first; papers without a full date after the dated ones, by title."""
    dated = sorted((p for p in papers if p.published), key=lambda p: (p.published, p.title), reverse=True)
    undated = sorted((p for p in papers if not p.published), key=lambda p: p.title.casefold())
    return dated + undated


def matches(paper: Paper, query: str) -> bool:
    """Every word of the query occurs in the title, an author, the category or the abstract."""
    haystack = " ".join([paper.title, *paper.authors, paper.category or "", paper.abstract]).casefold()
    return all(word in haystack for word in query.casefold().split())


def rows(papers: Mapping[str, Paper], query: str = "") -> list[list[str]]:
    """Table rows (cells are plain strings; the Dataframe shows them as text)."""
    return [
        [p.title, authors_text(p, 4), date_text(p), p.category or ""]
        for p in sorted_papers(papers.values())
        if matches(p, query)
    ]


def find_by_title(papers: Mapping[str, Paper], title: str) -> Paper | None:
    """The paper of a selected row; rows are identified by title, which the ids are derived from."""
    return next((p for p in papers.values() if p.title == title), None)


def categories(papers: Mapping[str, Paper]) -> list[str]:
    return sorted({p.category for p in papers.values() if p.category})


def years(papers: Mapping[str, Paper]) -> list[int]:
    return sorted({p.year for p in papers.values() if p.year is not None})
