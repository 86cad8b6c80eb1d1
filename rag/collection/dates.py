"""Dates and date ranges in a question, read by Microsoft Recognizers-Text (``recognizers-text-suite``).

Why this library: of dateparser, timefhuman and Recognizers-Text, only Recognizers-Text resolves periods
("first half of 2024", "Q3 2024", "spring 2024", "the last two years", "since October 2025") rather than
single days. It finds each date mention and its TIMEX period; this module adds what it leaves out: the
direction words it does not bind ("up to 2022", "2023 onwards"), two mentions joined into a range
("between March and May 2024", "from 2022 to 2024"), lists ("2021 and 2025"), seasons (TIMEX ``2024-SP``,
meteorological: spring is March to May), and "early/mid/late 2024" (thirds of the year). Relative dates
("the last two years") count back from a reference day: the caller passes the newest paper's date.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from rag.collection.query import month_end, month_span

_YEAR_TOKEN = re.compile(r"(?<![\w\-])((?:19|20)\d\d)(?![\w\-])")
_SEASONS = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "WI": (12, 2)}  # meteorological, northern
_THIRDS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}
_BEFORE = r"before|prior\s+to|earlier\s+than|older\s+than|predat(?:e|es|ed|ing)"
_UNTIL = r"until|till|up\s+to|through|thru|no\s+later\s+than|by\s+the\s+end\s+of"
_SINCE = r"since|starting(?:\s+(?:in|from))?|beginning(?:\s+in)?|from"
_AFTER = r"after|later\s+than"
_LEAD = re.compile(
    rf"(?:^|\s)(?P<word>{_BEFORE}|{_UNTIL}|{_SINCE}|{_AFTER}|between|in|during|of|dated|for|on|within|posted|published|released|appeared|listed|submitted|written|uploaded)\s+(?:the\s+)?$",
    re.I,
)
_OPEN_END = re.compile(
    r"^\s*(?:,\s*)?(?:or\s+later|or\s+after|and\s+later|and\s+after|on(?:wards?)?|forward)\b", re.I
)
_OPEN_START = re.compile(r"^\s*(?:,\s*)?(?:or\s+earlier|or\s+before|and\s+earlier|and\s+before)\b", re.I)
_RANGE_JOIN = re.compile(r"^\s*(?:to|until|till|through|thru|up\s+to|-|–|—)\s*$", re.I)
_AND_JOIN = re.compile(r"^\s*(?:and|&)\s*$", re.I)
_LIST_JOIN = re.compile(r"^\s*(?:,|,?\s*(?:and|or|&))\s*$", re.I)
_PAPERS_AFTER = re.compile(
    r"^\s*(?:papers?|works?|articles?|ones|listings?|preprints?|publications?)\b", re.I
)
_THIRD_WORD = re.compile(r"(?:^|\s)(early|mid|late)[-\s]*$", re.I)
# "March, regardless of the year": the month of any year; the recognizer would read "the year" as this year
_ANY_YEAR = re.compile(
    r",?\s*\b(?:regardless\s+of\s+(?:the\s+)?year|whatever\s+the\s+year|no\s+matter\s+(?:what|which)\s+year"
    r"|(?:in|of|from)\s+any\s+year|any\s+year|across\s+(?:all\s+)?(?:the\s+)?years)\b",
    re.I,
)
# "the past year": the twelve months up to the reference day ("last year" stays the calendar year before)
_PAST_YEAR = re.compile(
    r"\b(?:(?:in|within|during|over|from)\s+)?(?:(?:the\s+)?past|the\s+last)\s+year\b", re.I
)
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Period:
    """A span of days, and whether its year was stated ('March' alone names March of any year)."""

    first: date
    last: date
    has_year: bool = True

    def with_year(self, year: int) -> Period:
        if self.first.month > self.last.month:  # winter: Dec of the year before to Feb
            return Period(date(year - 1, self.first.month, 1), month_end(date(year, self.last.month, 1)))
        return Period(date(year, self.first.month, 1), month_end(date(year, self.last.month, 1)))


@dataclass(frozen=True)
class Mention:
    """One date phrase: where it is, the period it names and how the question bounds it."""

    start: int  # offsets into the question, end exclusive, lead and tail words included
    end: int
    period: Period
    bound: str  # "in", "since", "after", "before", "until"
    lead: str = ""  # the preposition before it, lower case ("between", "from", "in", ...)


@dataclass(frozen=True)
class DateReading:
    """What the question says about dates, in CollectionQuery's terms, and the spans it used."""

    date_from: date | None = None
    date_to: date | None = None
    years: list[int] | None = None
    month: int | None = None
    listed_years: bool = False  # "from 2024 and 2025": the answer is grouped by year
    spans: tuple[tuple[int, int], ...] = ()
    unread: tuple[str, ...] = ()  # date phrases found but not expressible as a query


@lru_cache(maxsize=1)
def _model() -> Any:
    from recognizers_date_time import DateTimeRecognizer
    from recognizers_text import Culture

    return DateTimeRecognizer(Culture.English).get_datetime_model()


def _recognize(text: str, reference: date) -> list[Any]:
    with _LOCK:
        return list(_model().parse(text, datetime(reference.year, reference.month, reference.day)))


def period_of_timex(timex: str, today: date) -> Period | None:
    """'2024' -> the year; '2024-05' -> May 2024; '2024-SP' -> Mar-May 2024; 'XXXX-03' -> March, any year;
    '(2024-01-01,2024-07-01,P6M)' -> Jan 1 .. Jun 30 2024 (TIMEX ends are exclusive)."""
    if m := re.fullmatch(r"(\d{4})", timex):
        return Period(date(int(m[1]), 1, 1), date(int(m[1]), 12, 31))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", timex):
        first, last = month_span(int(m[1]), int(m[2]))
        return Period(first, last)
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", timex):
        day = date(int(m[1]), int(m[2]), int(m[3]))
        return Period(day, day)
    if m := re.fullmatch(r"(\d{4}|XXXX)-(SP|SU|FA|WI)", timex):
        lo, hi = _SEASONS[m[2]]
        year = int(m[1]) if m[1] != "XXXX" else today.year
        season = Period(date(2000, lo, 1), date(2000, hi, 28), has_year=m[1] != "XXXX").with_year(year)
        return season if m[1] != "XXXX" else Period(season.first, season.last, has_year=False)
    if m := re.fullmatch(r"XXXX-(\d{2})", timex):
        first, last = month_span(today.year, int(m[1]))
        return Period(first, last, has_year=False)
    if m := re.fullmatch(r"\((\d{4}-\d{2}-\d{2}),(\d{4}-\d{2}-\d{2}),P\w+\)", timex):
        first, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        return Period(
            first, end if end == today else end - timedelta(days=1)
        )  # "the last 2 years": today too
    return None


def _bound(lead: str) -> str:
    word = " ".join(lead.lower().split())
    for bound, words in (("before", _BEFORE), ("until", _UNTIL), ("after", _AFTER), ("since", _SINCE)):
        if re.fullmatch(words, word):
            return bound
    return "in"


def _mentions(text: str, today: date) -> tuple[list[Mention], list[str]]:
    """Each date phrase with its period; a found phrase no period fits ('this week') is returned as text."""
    raw: list[tuple[int, int, str | None]] = []
    start_day = date(today.year - 1, today.month, min(today.day, 28)) + timedelta(days=1)
    past = list(_PAST_YEAR.finditer(text))
    fixed = [Mention(m.start(), m.end(), Period(start_day, today), "in", "past") for m in past]
    for m in [*past, *_ANY_YEAR.finditer(text)]:  # the recognizer must not read these words again
        text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    for result in _recognize(text, today):
        values = (result.resolution or {}).get("values") or [{}]
        raw.append((result.start, result.end + 1, values[0].get("timex")))
    covered = [(s, e) for s, e, _ in raw]
    for m in _YEAR_TOKEN.finditer(text):  # "from 2022 to 2024" is not recognized at all
        if not any(s <= m.start() < e for s, e in covered):
            raw.append((m.start(), m.end(), m[1]))
    found, unread = list(fixed), []
    for start, end, timex in sorted(raw):
        period = period_of_timex(timex or "", today)
        if period is None:
            if re.match(r"[\d(X]", timex or ""):  # a date this reader cannot bound ("week 12 of 2024")
                unread.append(text[start:end])
            continue  # a duration or a set ("each year"): the count patterns read those
        phrase = text[start:end]
        whole_year = period.first.month == 1 and period.last.month == 12
        if (third := _THIRD_WORD.search(text[:start])) and whole_year:  # "late 2023"
            lo, hi = _THIRDS[third[1].lower()]
            period = Period(date(period.first.year, lo, 1), month_end(date(period.first.year, hi, 1)))
            start = third.start(1)
        inner = re.match(rf"(?P<word>{_BEFORE}|{_UNTIL}|{_AFTER}|{_SINCE})\s+(?:the\s+)?", phrase, re.I)
        lead = inner["word"] if inner else ""
        if not inner and (before := _LEAD.search(text[:start])):
            lead, start = before["word"], before.start("word")
        bound = _bound(lead) if lead else "in"
        if bound == "since" and lead.lower() == "from":
            bound = "in"  # "papers from 2024" are dated 2024; "from 2024 on" is open (below)
        tail = text[end:]
        if after := _OPEN_END.match(tail):
            bound, end = "since", end + after.end()
        elif after := _OPEN_START.match(tail):
            bound, end = "until", end + after.end()
        found.append(Mention(start, end, period, bound, " ".join(lead.lower().split())))
    return sorted(found, key=lambda m: m.start), unread


def read_dates(text: str, today: date) -> DateReading:
    """The date filters a question states. today: the reference day for 'the last two years'."""
    mentions, unread = _mentions(text, today)
    any_year = [(m.start(), m.end()) for m in _ANY_YEAR.finditer(text)]
    if not mentions:
        return DateReading(spans=tuple(any_year), unread=tuple(unread))
    groups: list[list[Mention]] = [[mentions[0]]]
    ranges: set[int] = set()  # ids of the groups whose mentions are the two ends of a range
    for prev, cur in zip(mentions, mentions[1:], strict=False):
        between = text[prev.end : cur.start]
        if text[cur.start : cur.start + len(cur.lead)].lower() == cur.lead:  # "June through August 2025"
            between += " " + cur.lead
        ranged = _RANGE_JOIN.match(between) or (_AND_JOIN.match(between) and groups[-1][0].lead == "between")
        if ranged and len(groups[-1]) == 1:
            groups[-1].append(cur)
            ranges.add(id(groups[-1]))
        elif _LIST_JOIN.match(between) and cur.bound == "in" and groups[-1][-1].bound in ("in", "since"):
            groups[-1].append(cur)
        else:
            groups.append([cur])
    lo: date | None = None
    hi: date | None = None
    years: list[int] | None = None
    month: int | None = None
    listed = False
    spans = [(m.start, m.end) for m in mentions] + any_year
    stated_years = {m.period.first.year for m in mentions if m.period.has_year}
    for group in groups:
        periods = [m.period for m in group]
        known = [p.first.year for p in periods if p.has_year]
        if known:  # "between March and May 2024": a bare month takes its partner's year
            periods = [p if p.has_year else p.with_year(known[-1]) for p in periods]
        elif len(stated_years) == 1:  # "posted in 2025 before May"
            periods = [p.with_year(next(iter(stated_years))) for p in periods]
        first = group[0]
        if id(group) in ranges:
            g_lo, g_hi = periods[0].first, periods[-1].last
        elif len(group) > 1:  # a list: "2021 and 2025", "from 2024 and 2025"
            listed = True
            if not all(
                p.first.month == 1 and p.last.month == 12 and p.first.year == p.last.year for p in periods
            ):
                unread.append(text[group[1].start : group[-1].end])
                periods = periods[:1]
            found_years = sorted({p.first.year for p in periods})
            if found_years == list(range(found_years[0], found_years[-1] + 1)):
                g_lo, g_hi = date(found_years[0], 1, 1), date(found_years[-1], 12, 31)
            else:
                years, g_lo, g_hi = found_years, None, None
        elif not periods[0].has_year:
            if first.bound == "in" and periods[0].first.month == periods[0].last.month:
                month = periods[0].first.month
            else:
                unread.append(text[first.start : first.end])
            continue
        elif not first.lead and not any_year and not _PAPERS_AFTER.match(text[first.end :]):
            unread.append(text[first.start : first.end])  # "the 2018 World Cup": a year, but of no paper
            continue
        else:
            period = periods[0]
            g_lo, g_hi = {
                "in": (period.first, period.last),
                "since": (period.first, None),
                "after": (period.last + timedelta(days=1), None),
                "before": (None, period.first - timedelta(days=1)),
                "until": (None, period.last),
            }[first.bound]
        if g_lo is not None:
            lo = g_lo if lo is None else max(lo, g_lo)
        if g_hi is not None:
            hi = g_hi if hi is None else min(hi, g_hi)
    return DateReading(
        date_from=lo,
        date_to=hi,
        years=years,
        month=month,
        listed_years=listed,
        spans=tuple(spans),
        unread=tuple(unread),
    )
