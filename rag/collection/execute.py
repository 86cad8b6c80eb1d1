"""Run a CollectionQuery over the papers exactly: every match, computed counts and extremes, and how many
papers could not be judged because their listing lacks the field the query needs.

Each filter is a check that answers True, False or None ("cannot tell": no date, no author count, an
author list cut by 'et al.'). A paper with a False is out; one with only Trues matches; one with a None
and no False is *unknown*: it is left out of the answer but counted, so the answer can say "4 papers have
no author count; among the rest ...". The checks are built once per query (no per-paper regexes beyond a
cache of date texts), so a query is one pass over the papers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any

from pydantic import Field

from rag.collection.names import AuthorMatcher
from rag.collection.query import CollectionQuery, month_span, year_span
from rag.models import Paper, Record
from rag.parsing.common import month_number

Verdict = bool | None
Check = Callable[[Paper], Verdict]
TopicFilter = Callable[[Paper], bool] | set[str] | frozenset[str]

_PARTIAL_DATE = re.compile(
    r"^(?:(?P<iso>\d{4})-(?P<isomonth>\d{1,2})(?:-\d{1,2})?"
    r"|(?P<month>[A-Za-z]{3,9})\.?(?:\s+\d{1,2})?(?:,?\s+(?P<year>\d{4}))?"
    r"|(?P<bare>\d{4}))$"
)


class CollectionResult(Record):
    """The exact answer to a CollectionQuery; counts and extremes are computed here, never generated."""

    query: CollectionQuery
    paper_ids: list[str] = Field(
        default_factory=list,
        description="The answer's papers in order: the listed ones (after sort and limit), the papers tied "
        "for the min/max, or every match for count and group.",
    )
    matched: int = Field(0, description="Papers satisfying every filter, before any limit.")
    extreme: int | date | None = Field(None, description="The min/max value of the measure.")
    groups: dict[str, list[str]] = Field(
        default_factory=dict, description="Group key -> paper ids, keys in ascending order."
    )
    unknown: int = Field(0, description="Papers left out because a field the query needs is missing.")
    missing: dict[str, int] = Field(
        default_factory=dict, description="Field -> papers that could not be judged for lack of it."
    )
    screened: int = Field(0, description="Papers considered (those passing the caller's topic filter).")


@lru_cache(maxsize=4096)
def partial_date(text: str | None) -> tuple[int | None, int | None]:
    """(year, month) a listing's date text gives when it is no full date: 'Mar 27' -> (None, 3)."""
    m = _PARTIAL_DATE.match((text or "").strip())
    if not m:
        return None, None
    if m.group("iso"):
        month = int(m.group("isomonth"))
        return int(m.group("iso")), month if 1 <= month <= 12 else None
    if m.group("bare"):
        return int(m.group("bare")), None
    year = int(m.group("year")) if m.group("year") else None
    return year, month_number(m.group("month"))


def year_month(paper: Paper) -> tuple[int | None, int | None]:
    if paper.published is not None:
        return paper.published.year, paper.published.month
    if paper.date_text is None:
        return None, None
    return partial_date(paper.date_text)


def author_bounds(paper: Paper) -> tuple[int, int | None] | None:
    """Fewest and most authors the listing allows: a stated count, a full list, or 'A, B, C et al.' (4+)."""
    if paper.author_count is not None:
        return paper.author_count, paper.author_count
    if paper.authors and not paper.authors_truncated:
        return len(paper.authors), len(paper.authors)
    if paper.authors:
        return len(paper.authors) + 1, None
    return None


def exact_author_count(paper: Paper) -> int | None:
    bounds = author_bounds(paper)
    return bounds[0] if bounds and bounds[0] == bounds[1] else None


def _date_check(lo: date | None, hi: date | None) -> Check:
    first, last = lo or date.min, hi or date.max

    def check(paper: Paper) -> Verdict:
        if paper.published is not None:
            return first <= paper.published <= last
        year, month = year_month(paper)
        if year is None:
            return None
        start, end = month_span(year, month) if month else year_span(year)
        if first <= start and end <= last:
            return True
        return None if start <= last and first <= end else False

    return check


def _years_check(years: frozenset[int]) -> Check:
    def check(paper: Paper) -> Verdict:
        known = year_month(paper)[0]
        return None if known is None else known in years

    return check


def _month_check(month: int) -> Check:
    def check(paper: Paper) -> Verdict:
        known = year_month(paper)[1]
        return None if known is None else known == month

    return check


def _category_check(category: str, negated: bool = False) -> Check:
    wanted = category.casefold()
    return lambda p: None if p.category is None else (p.category.casefold() == wanted) != negated


def _author_check(name: str) -> Check:
    matcher = AuthorMatcher(name)

    def check(paper: Paper) -> Verdict:
        if not paper.authors:
            return None
        if matcher.any(paper.authors):
            return True
        return None if paper.authors_truncated else False

    return check


def _author_count_check(least: int | None, most: int | None) -> Check:
    need_lo, need_hi = least or 0, most

    def check(paper: Paper) -> Verdict:
        bounds = author_bounds(paper)
        if bounds is None:
            return None
        lo, hi = bounds
        if (need_hi is not None and lo > need_hi) or (hi is not None and hi < need_lo):
            return False
        if lo >= need_lo and (need_hi is None or (hi is not None and hi <= need_hi)):
            return True
        return None

    return check


def _upvote_check(least: int) -> Check:
    return lambda p: None if p.upvotes is None else p.upvotes >= least


def measure_value(paper: Paper, measure: str) -> int | date | None:
    """The value a min/max or a ranked sort compares; None when the listing does not give it exactly."""
    if measure == "date":
        return paper.published
    if measure == "upvotes":
        return paper.upvotes
    if measure == "author_count":
        return exact_author_count(paper)
    return None


def group_keys(paper: Paper, by: str) -> list[str]:
    """The groups a paper counts in: one year, month or category; each of its authors."""
    if by == "author":
        return list(dict.fromkeys(paper.authors))
    key = group_key(paper, by)
    return [] if key is None else [key]


def group_key(paper: Paper, by: str) -> str | None:
    if by == "author":
        return paper.authors[0] if paper.authors else None
    if by == "category":
        return paper.category
    year, month = year_month(paper)
    if year is None or (by == "month" and month is None):
        return None
    return str(year) if by == "year" else f"{year}-{month:02d}"


def build_checks(query: CollectionQuery) -> list[tuple[str, Check]]:
    """(field, check) for every constraint the query states, plus the fields it ranks or groups by."""
    checks: list[tuple[str, Check]] = []
    if query.date_from or query.date_to:
        checks.append(("date", _date_check(query.date_from, query.date_to)))
    if query.years:
        checks.append(("date", _years_check(frozenset(query.years))))
    if query.month:
        checks.append(("date", _month_check(query.month)))
    if query.category:
        checks.append(("category", _category_check(query.category, query.not_category)))
    if query.author:
        checks.append(("authors", _author_check(query.author)))
    if query.min_authors or query.max_authors:
        checks.append(("author_count", _author_count_check(query.min_authors, query.max_authors)))
    if query.has_code is not None:
        wanted = query.has_code
        checks.append(("code", lambda p: p.has_code == wanted))
    if query.min_upvotes is not None:
        checks.append(("upvotes", _upvote_check(query.min_upvotes)))
    ranked = query.measure or (query.sort if query.limit and query.sort not in (None, "title") else None)
    if ranked:  # "the 3 most upvoted": a paper without upvotes cannot be ranked
        measure: str = ranked
        checks.append((measure, _known(lambda p: measure_value(p, measure))))
    if query.group_by:
        by = query.group_by
        field = {"category": "category", "author": "authors"}.get(by, "date")
        checks.append((field, _known(lambda p: group_key(p, by))))
    return checks


def _known(value: Callable[[Paper], object]) -> Check:
    return lambda p: None if value(p) is None else True


def _screen(papers: Iterable[Paper], topic_filter: TopicFilter | None) -> list[Paper]:
    if topic_filter is None:
        return list(papers)
    if isinstance(topic_filter, set | frozenset):
        ids = topic_filter
        return [p for p in papers if p.id in ids]
    return [p for p in papers if topic_filter(p)]


def order(papers: list[Paper], sort: str | None, descending: bool) -> list[Paper]:
    """Sorted by the key, ties by title; papers without it last (unsorted listings: by date, undated last)."""
    if sort == "title":
        return sorted(papers, key=lambda p: p.title.casefold(), reverse=descending)
    key = sort or "date"
    present: list[tuple[Any, str, Paper]] = []
    absent: list[tuple[str, Paper]] = []
    for p in papers:
        value = measure_value(p, key)
        if value is None:
            absent.append((p.title.casefold(), p))
        else:
            present.append((value, p.title.casefold(), p))
    present.sort(key=itemgetter(1))
    present.sort(key=itemgetter(0), reverse=descending)  # stable: ties stay in title order
    absent.sort(key=itemgetter(0))
    return [p for _, _, p in present] + [p for _, p in absent]


def extremes(papers: list[Paper], measure: str, largest: bool) -> tuple[Any, list[Paper]]:
    """The min or max value of the measure and every paper that has it (ties by title)."""
    values = [(measure_value(p, measure), p) for p in papers]
    known = [v for v, _ in values if v is not None]
    if not known:
        return None, []
    best = max(known) if largest else min(known)
    return best, sorted((p for v, p in values if v == best), key=lambda p: p.title.casefold())


def run_query(
    query: CollectionQuery, papers: Iterable[Paper], topic_filter: TopicFilter | None = None
) -> CollectionResult:
    """Every paper matching the query's metadata, among those the caller's topic filter lets through.

    The topic is never judged here: the caller screens it (retrieval) and passes a predicate or the ids.
    """
    pool = _screen(papers, topic_filter)
    checks = build_checks(query)
    matches: list[Paper] = []
    missing: dict[str, int] = {}
    unknown = 0
    for paper in pool:
        lacking: list[str] | None = None  # allocated only for the few unknowns: 100k lists cost GC time
        for field, check in checks:
            verdict = check(paper)
            if verdict is False:
                break
            if verdict is None:
                lacking = [field] if lacking is None else [*lacking, field]
        else:
            if lacking:
                unknown += 1
                for field in dict.fromkeys(lacking):
                    missing[field] = missing.get(field, 0) + 1
            else:
                matches.append(paper)
    result = CollectionResult(
        query=query, matched=len(matches), unknown=unknown, missing=missing, screened=len(pool)
    )
    if query.aggregate in ("min", "max") and query.measure:
        result.extreme, tied = extremes(matches, query.measure, largest=query.aggregate == "max")
        result.paper_ids = [p.id for p in tied]
        return result
    ordered = order(matches, query.sort, query.descending)
    if query.aggregate == "group" and query.group_by:
        groups: dict[str, list[str]] = {}
        for paper in ordered:
            for key in group_keys(paper, query.group_by):
                groups.setdefault(key, []).append(paper.id)
        if query.group_by == "author":  # the most frequent first; a limit keeps the top ones, ties too
            result.groups = dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0].casefold())))
            sizes = [len(ids) for ids in result.groups.values()]
            cut = sizes[query.limit - 1] if query.limit and len(sizes) >= query.limit else 0
            cited = [ids for ids in result.groups.values() if len(ids) >= cut]
        else:
            result.groups = {k: groups[k] for k in sorted(groups)}
            cited = list(result.groups.values())
        result.paper_ids = list(dict.fromkeys(pid for ids in cited for pid in ids))
    elif query.aggregate == "list" and query.limit:
        result.paper_ids = [p.id for p in ordered[: query.limit]]
    else:
        result.paper_ids = [p.id for p in ordered]
    return result
