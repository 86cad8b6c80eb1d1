"""The Papers tab's table: filter controls -> query, one page of rows, the count and page lines, and the
paper of a selected row.

The metadata filters are the ones of ``rag papers``: the controls become the same CollectionQuery (through
``query_from_options``) and ``run_query`` answers it, so the tab and the command list the same papers.
Searching, filtering and sorting run on the server over the Paper records; only one page of rows (and the
ids behind them) goes to the browser, so a 100,000-paper collection sends 50 rows, not 100,000.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import Field

from rag.collection.execute import CollectionResult, run_query
from rag.collection.query import MONTHS, CollectionQuery, OptionError, query_from_options
from rag.collection.render import unknown_line
from rag.models import Paper, Record
from ui.render import authors_text, date_text

HEADERS = ["Title", "Authors", "Date", "Category"]
ANY = "Any"
MONTH_CHOICES = [ANY, *MONTHS]
SORTS = {"date": "date", "upvotes": "upvotes", "author count": "author_count", "title": "title"}
PAGE_SIZE = 50


class Page(Record):
    """One page of a listing: the rows the browser gets, and the ids behind them (for a selected row)."""

    rows: list[list[str]]
    paper_ids: list[str]
    number: int = Field(description="1-based, within 1..pages.")
    pages: int = Field(description="At least 1, even when nothing matched.")
    first: int = Field(description="1-based position of the first row in the listing; 0 when empty.")
    matched: int = Field(description="Papers in the whole listing.")


def matches(paper: Paper, query: str) -> bool:
    """Every word of the query occurs in the title, an author, the category or the abstract."""
    return _matcher(query)(paper)


def _matcher(query: str) -> Callable[[Paper], bool]:
    """A predicate for every word of the query; the title is tried first, so the longer rest (authors,
    category, abstract) is casefolded only for a word the title lacks: a third less work per paper."""
    words = query.casefold().split()

    def match(paper: Paper) -> bool:
        title = paper.title.casefold()
        rest: str | None = None
        for word in words:
            if word in title:
                continue
            if rest is None:
                rest = " ".join([*paper.authors, paper.category or "", paper.abstract]).casefold()
            if word not in rest:
                return False
        return True

    return match


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
    words = " ".join((text or "").split())
    return run_query(
        query or query_from_controls(), papers.values(), topic_filter=_matcher(words) if words else None
    )


def page_of(
    papers: Mapping[str, Paper], result: CollectionResult, number: int = 1, size: int = PAGE_SIZE
) -> Page:
    """Page `number` of the result (clamped to the pages there are); rows are made for that page only."""
    matched = len(result.paper_ids)
    pages = max(1, -(-matched // size))
    number = min(max(1, int(number)), pages)
    ids = result.paper_ids[(number - 1) * size : number * size]
    return Page(
        rows=[row(papers[pid]) for pid in ids],
        paper_ids=ids,
        number=number,
        pages=pages,
        first=(number - 1) * size + 1 if ids else 0,
        matched=matched,
    )


def row(paper: Paper) -> list[str]:
    """One table row (cells are plain strings; the Dataframe shows them as text)."""
    return [paper.title, authors_text(paper, 4), date_text(paper), paper.category or ""]


def rows(
    papers: Mapping[str, Paper], text: str = "", query: CollectionQuery | None = None
) -> list[list[str]]:
    """The first page's rows of a listing."""
    return page_of(papers, select(papers, text, query)).rows


def page_line(page: Page) -> str:
    """'papers 51–100 of 12,345', 'page 2 of 247'."""
    if not page.matched:
        return "no papers"
    last = page.first + len(page.paper_ids) - 1
    return f"papers {page.first:,}–{last:,} of {page.matched:,} · page {page.number:,} of {page.pages:,}"


class Listings:
    """The last few listings (text, query -> result) of one collection, so paging through one does not
    search again. A new `papers` Mapping (the index reopened) starts afresh; `forget` after a re-index,
    which can also change papers in place."""

    def __init__(self, keep: int = 8) -> None:
        self.keep = keep
        self._papers: Mapping[str, Paper] | None = None  # held, not its id: a freed id can be reused
        self._results: OrderedDict[tuple[int, str, str], CollectionResult] = OrderedDict()
        self._lock = threading.Lock()

    def result(self, papers: Mapping[str, Paper], text: str, query: CollectionQuery) -> CollectionResult:
        words = " ".join((text or "").casefold().split())
        key = (len(papers), words, query.model_dump_json())
        with self._lock:
            if papers is not self._papers:
                self._papers = papers
                self._results.clear()
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        found = select(papers, words, query)
        with self._lock:
            if papers is self._papers:
                self._results[key] = found
                while len(self._results) > self.keep:
                    self._results.popitem(last=False)
        return found

    def forget(self) -> None:
        with self._lock:
            self._results.clear()


def count_line(result: CollectionResult, total: int) -> str:
    """'12 of 186 papers', plus why some were left out when their listing lacks what a filter needs."""
    line = f"{len(result.paper_ids):,} of {total:,} papers"
    unknown = unknown_line(result).removesuffix(".")
    return f"{line} ({unknown})" if unknown else line


def selected_paper(
    papers: Mapping[str, Paper], page_ids: list[str], row: int | None, title: str | None = None
) -> Paper | None:
    """The paper of a selected row of the page shown, found among that page's ids (never by a search of
    the collection). The row's title decides when the browser shows the rows in another order (a column
    sorted in the page); a title that is not on the page opens nothing rather than another paper."""
    shown = [papers[pid] for pid in page_ids if pid in papers]
    if row is not None and 0 <= row < len(page_ids) and page_ids[row] in papers:
        paper = papers[page_ids[row]]
        if title is None or paper.title == title:
            return paper
    return next((p for p in shown if p.title == title), None) if title is not None else None


def categories(papers: Mapping[str, Paper]) -> list[str]:
    return sorted({p.category for p in papers.values() if p.category})


def years(papers: Mapping[str, Paper]) -> list[int]:
    return sorted({p.year for p in papers.values() if p.year is not None})
