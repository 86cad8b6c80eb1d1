"""The Papers tab's table: filter controls -> query, rows, the count line, lookup of the selected row.

The metadata filters are the ones of ``rag papers``: the controls become the same CollectionQuery (through
``query_from_options``) and ``run_query`` answers it, so the tab and the command list the same papers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rag.collection.execute import CollectionResult, run_query
from rag.collection.query import MONTHS, CollectionQuery, OptionError, query_from_options
from rag.collection.render import unknown_line
from rag.models import Paper
from ui.render import authors_text, date_text

HEADERS = ["Title", "Authors", "Date", "Category"]
ANY = "Any"
MONTH_CHOICES = [ANY, *MONTHS]
SORTS = {"date": "date", "upvotes": "upvotes", "author count": "author_count", "title": "title"}


def matches(paper: Paper, query: str) -> bool:
    """Every word of the query occurs in the title, an author, the category or the abstract."""
    haystack = " ".join([paper.title, *paper.authors, paper.category or "", paper.abstract]).casefold()
    return all(word in haystack for word in query.casefold().split())


def query_from_controls(
    year: Any = ANY,
    month: Any = ANY,
    category: Any = ANY,
    author: Any = "",
    min_authors: Any = None,
    max_authors: Any = None,
    sort: Any = "date",
    descending: Any = True,
) -> CollectionQuery:
    """The control values as the query `rag papers` builds from its options; 'Any' and blanks bound nothing.

    Raises OptionError (a ValueError with a one-line message) for values no query can take, e.g. min > max.
    """
    return query_from_options(
        year=_whole(year, "year"),
        month=None if _unset(month) else str(month),
        category=None if _unset(category) else str(category),
        author=str(author or ""),
        min_authors=_whole(min_authors, "min_authors") or None,  # 0: the page's empty Number
        max_authors=_whole(max_authors, "max_authors") or None,
        sort=SORTS.get(str(sort), str(sort)) if sort else None,
        descending=bool(descending),
    )


def _unset(value: Any) -> bool:
    return value is None or str(value).strip().casefold() in ("", ANY.casefold())


def _whole(value: Any, field: str) -> int | None:
    """A number control's value (a float from gr.Number, a str from a dropdown); None when unset."""
    if _unset(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise OptionError(f"{{{field}}} {value!r} is no number") from None
    if not number.is_integer():
        raise OptionError(f"{{{field}}} {value} is not a whole number")
    return int(number)


def select(
    papers: Mapping[str, Paper], text: str = "", query: CollectionQuery | None = None
) -> CollectionResult:
    """The papers whose words match the text and whose metadata the query admits (AND), in its order.

    Without a query: the controls' defaults, newest first, as the tab opens."""
    words = (text or "").strip()
    screen = None if not words else lambda p: matches(p, words)
    return run_query(query or query_from_controls(), papers.values(), topic_filter=screen)


def rows(
    papers: Mapping[str, Paper], text: str = "", query: CollectionQuery | None = None
) -> list[list[str]]:
    """Table rows (cells are plain strings; the Dataframe shows them as text)."""
    return table_rows(papers, select(papers, text, query))


def table_rows(papers: Mapping[str, Paper], result: CollectionResult) -> list[list[str]]:
    return [
        [p.title, authors_text(p, 4), date_text(p), p.category or ""]
        for p in (papers[pid] for pid in result.paper_ids)
    ]


def count_line(result: CollectionResult, total: int) -> str:
    """'12 of 186 papers', plus why some were left out when their listing lacks what a filter needs."""
    line = f"{len(result.paper_ids)} of {total} papers"
    unknown = unknown_line(result).removesuffix(".")
    return f"{line} ({unknown})" if unknown else line


def find_by_title(papers: Mapping[str, Paper], title: str) -> Paper | None:
    """The paper of a selected row; rows are identified by title, which the ids are derived from."""
    return next((p for p in papers.values() if p.title == title), None)


def categories(papers: Mapping[str, Paper]) -> list[str]:
    return sorted({p.category for p in papers.values() if p.category})


def years(papers: Mapping[str, Paper]) -> list[int]:
    return sorted({p.year for p in papers.values() if p.year is not None})
