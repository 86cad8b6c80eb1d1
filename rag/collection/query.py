"""A question about the collection's metadata, as a typed query: filters, an order, a limit, an aggregate.

The rule parser (``parse.py``), the ``rag papers`` command and the pipeline all build this one record, and
``execute.run_query`` answers it exactly. ``describe()`` says in words what was run, so every answer can
state the query it answered ("papers dated November 2025") instead of leaving the reader to guess.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date
from typing import Literal, cast, get_args

from pydantic import Field, ValidationError, model_validator

from rag.models import Record
from rag.parsing.common import month_number

SortKey = Literal["date", "upvotes", "author_count", "title"]
Measure = Literal["date", "upvotes", "author_count"]
GroupKey = Literal["year", "month", "category", "author"]
Aggregate = Literal["list", "count", "min", "max", "group"]

MONTHS = tuple(calendar.month_name)[1:]
_MEASURE_WORDS = {"date": "date", "upvotes": "upvotes", "author_count": "number of authors", "title": "title"}


class CollectionQuery(Record):
    """Which papers (filters), in which order, how many, and what to compute over them."""

    date_from: date | None = Field(
        None, description="Earliest date allowed, inclusive (a whole year or month)."
    )
    date_to: date | None = Field(None, description="Latest date allowed, inclusive.")
    years: list[int] | None = Field(
        None, description="Only these years ('from 2021 and 2025'), when not one contiguous range."
    )
    month: int | None = Field(
        None, ge=1, le=12, description="Month of the year in any year ('posted in November'), 1-12."
    )
    category: str | None = Field(None, description="arXiv group such as CV, LG, ML, CL, AI.")
    not_category: bool = Field(
        False, description="True: papers outside `category` ('not in cs.LG'); a paper of no group is unknown."
    )
    author: str | None = Field(
        None, description="An author's name as asked; matched tolerantly ('J. Kim' ~ 'Juno Kim', accents)."
    )
    min_authors: int | None = Field(
        None, ge=1, description="At least this many authors (single-author: 1..1)."
    )
    max_authors: int | None = Field(None, ge=1, description="At most this many authors.")
    has_code: bool | None = Field(None, description="True: only papers whose listing links code.")
    min_upvotes: int | None = Field(None, ge=0, description="At least this many upvotes.")
    topic: str | None = Field(
        None, description="What the papers are about; screened by the caller (retrieval), not by run_query."
    )
    sort: SortKey | None = Field(None, description="Order of the listed papers; default: date, undated last.")
    descending: bool = Field(False, description="Largest (newest, most upvoted) first.")
    limit: int | None = Field(
        None,
        ge=1,
        description="List at most this many papers (after sorting); of a group by author: the authors with "
        "the most papers to cite (ties kept).",
    )
    aggregate: Aggregate = Field(
        "list",
        description="list the papers, count them, the min/max of `measure` (ties kept), or group them.",
    )
    measure: Measure | None = Field(None, description="The field a min/max aggregate compares.")
    group_by: GroupKey | None = Field(None, description="The key a group aggregate groups by.")
    unused: list[str] = Field(
        default_factory=list,
        description="Words of the question no part of the query stands for: that part was not understood, "
        "and the answer says so.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> CollectionQuery:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"the date range is empty ({self.date_from} is after {self.date_to})")
        if self.min_authors and self.max_authors and self.min_authors > self.max_authors:
            raise ValueError(f"min_authors {self.min_authors} is more than max_authors {self.max_authors}")
        if (self.aggregate in ("min", "max")) != (self.measure is not None):
            raise ValueError("a min/max aggregate needs a measure, and only it takes one")
        if (self.aggregate == "group") != (self.group_by is not None):
            raise ValueError("a group aggregate needs group_by, and only it takes one")
        return self

    def filters_something(self) -> bool:
        """Does the query narrow the collection by metadata (beyond a topic)?"""
        return any(
            v is not None
            for v in (
                self.date_from,
                self.date_to,
                self.years,
                self.month,
                self.category,
                self.author,
                self.min_authors,
                self.max_authors,
                self.has_code,
                self.min_upvotes,
            )
        )

    def is_structural(self) -> bool:
        """Does it ask for metadata at all: a filter, an order, a limit or an aggregate?"""
        return self.filters_something() or self.aggregate != "list" or self.sort is not None

    def describe(self) -> str:
        """The query in words: 'papers dated November 2025 by Juno Kim with exactly 1 author'."""
        parts = ["papers"]
        if self.topic:
            parts.append(f"about “{self.topic}”")
        if self.category:
            parts.append(f"{'not ' if self.not_category else ''}in the {self.category} group")
        when = describe_dates(self.date_from, self.date_to)
        if when:
            parts.append(when)
        if self.years:
            parts.append("dated " + " or ".join(str(y) for y in self.years))
        if self.month:
            parts.append(f"posted in {MONTHS[self.month - 1]} (any year)")
        if self.author:
            parts.append(f"by {self.author}")
        authors = describe_author_count(self.min_authors, self.max_authors)
        if authors:
            parts.append(authors)
        if self.has_code is not None:
            parts.append("with code" if self.has_code else "without code")
        if self.min_upvotes is not None:
            parts.append(f"with at least {self.min_upvotes} upvote{'s' if self.min_upvotes != 1 else ''}")
        text = " ".join(parts)
        if self.aggregate == "count":
            text = f"number of {text}"
        elif self.aggregate in ("min", "max") and self.measure:
            text = f"{text} with the {_superlative(self.aggregate, self.measure)}"
        elif self.aggregate == "group" and self.group_by == "author" and self.limit:
            most = "the author" if self.limit == 1 else f"the {self.limit} authors"
            text = f"{most} with the most {text}"
        elif self.aggregate == "group" and self.group_by:
            text = f"{text}, counted by {self.group_by}"
        if self.sort and self.aggregate == "list":
            order = "descending" if self.descending else "ascending"
            text += f", sorted by {_MEASURE_WORDS[self.sort]} ({order})"
        if self.limit and self.aggregate == "list":
            text += f", first {self.limit}"
        return text


class OptionError(ValueError):
    """A filter value no query can take, in one line; options are named by field so that each front end
    can spell them its own way (``--min-authors`` on the command line, "min authors" in the app)."""

    def __init__(self, template: str) -> None:
        self.template = template  # "{min_authors} 5 is more than {max_authors} 2"
        super().__init__(self.spelled(lambda field: field.replace("_", " ")))

    def spelled(self, name: Callable[[str], str]) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: name(m[1]), self.template)


def query_from_options(
    *,
    year: int | None = None,
    month: int | str | None = None,
    category: str | None = None,
    author: str | None = None,
    min_authors: int | None = None,
    max_authors: int | None = None,
    sort: str | None = None,
    descending: bool = False,
    limit: int | None = None,
) -> CollectionQuery:
    """The listing query of ``rag papers`` and the app's Papers tab, built one way for both.

    A year makes a date range (with a month: that month of the year); a month alone is that month in any
    year. Raises OptionError for a value no query can take, rather than a pydantic error with its URL.
    """
    month_no = None if month is None else month if isinstance(month, int) else month_number(month)
    if month is not None and (month_no is None or not 1 <= month_no <= 12):
        raise OptionError(f"{{month}} {month!r} is no month; use 1-12 or a name such as Nov")
    if year is not None and not 1000 <= year <= 9999:
        raise OptionError(f"{{year}} {year} is not a four-digit year")
    for name, value in (("min_authors", min_authors), ("max_authors", max_authors), ("limit", limit)):
        if value is not None and value < 1:
            raise OptionError(f"{{{name}}} must be at least 1, not {value}")
    if sort is not None and sort not in get_args(SortKey):
        raise OptionError(f"{{sort}} {sort!r} is none of {', '.join(get_args(SortKey))}")
    span = (month_span(year, month_no) if month_no else year_span(year)) if year is not None else (None, None)
    try:
        return CollectionQuery(
            date_from=span[0],
            date_to=span[1],
            month=month_no if year is None else None,
            category=(category or "").strip() or None,
            author=(author or "").strip() or None,
            min_authors=min_authors,
            max_authors=max_authors,
            sort=cast(SortKey | None, sort),
            descending=descending,
            limit=limit,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        reason = str(error["msg"]).removeprefix("Value error, ")
        fields = "|".join(f for f in CollectionQuery.model_fields if "_" in f)  # not plain words (month)
        template = re.sub(rf"\b({fields})\b", r"{\1}", reason.replace("{", "(").replace("}", ")"))
        where = "".join(f"{{{part}}} " for part in error["loc"] if isinstance(part, str))
        raise OptionError(where + template) from None


def _superlative(aggregate: str, measure: str) -> str:
    words = {
        ("min", "date"): "earliest date",
        ("max", "date"): "latest date",
        ("min", "upvotes"): "fewest upvotes",
        ("max", "upvotes"): "most upvotes",
        ("min", "author_count"): "fewest authors",
        ("max", "author_count"): "most authors",
    }
    return words[(aggregate, measure)]


def describe_dates(lo: date | None, hi: date | None) -> str:
    """'dated November 2025', 'from 2024 to 2025', 'dated from Mar 3, 2024', 'dated up to 2022'."""
    if lo is None and hi is None:
        return ""
    if lo and hi and lo.year == hi.year and lo == date(lo.year, 1, 1) and hi == date(hi.year, 12, 31):
        return f"dated {lo.year}"
    if lo and hi and (lo.year, lo.month) == (hi.year, hi.month) and lo.day == 1 and hi == month_end(hi):
        return f"dated {MONTHS[lo.month - 1]} {lo.year}"
    if lo and hi:
        years = lo == date(lo.year, 1, 1) and hi == date(hi.year, 12, 31)  # else "from January 2024 to June"
        return f"dated from {_bound(lo, start=True, years=years)} to {_bound(hi, start=False, years=years)}"
    if lo:
        return f"dated {_bound(lo, start=True)} or later"
    assert hi is not None
    return f"dated {_bound(hi, start=False)} or earlier"


def _bound(day: date, *, start: bool, years: bool = True) -> str:
    """A bound as said: a whole year or month when it is one, else the day."""
    whole_year = start and (day.month, day.day) == (1, 1) or not start and (day.month, day.day) == (12, 31)
    if years and whole_year:
        return str(day.year)
    if start and day.day == 1 or not start and day == month_end(day):
        return f"{MONTHS[day.month - 1]} {day.year}"
    return f"{MONTHS[day.month - 1][:3]} {day.day}, {day.year}"


def describe_author_count(lo: int | None, hi: int | None) -> str:
    if lo is None and hi is None:
        return ""
    if lo == hi:
        return f"with exactly {lo} author{'s' if lo != 1 else ''}"
    if lo and hi:
        return f"with {lo} to {hi} authors"
    if lo:
        return f"with at least {lo} author{'s' if lo != 1 else ''}"
    return f"with at most {hi} author{'s' if hi != 1 else ''}"


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def year_span(first: int, last: int | None = None) -> tuple[date, date]:
    """The dates of whole years first..last."""
    return date(first, 1, 1), date(last if last is not None else first, 12, 31)


def month_span(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    return start, month_end(start)
