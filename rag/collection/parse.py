"""Questions about the collection's metadata -> CollectionQuery, by rules (deterministic, no model).

Routing contract: ``parse_collection_query`` returns None when the question states no metadata at all --
no date, category, author, author count, code, upvotes, order or aggregate. A plain topic question
("which papers prove regret lower bounds?") is therefore None and goes to retrieval as before; a query is
never returned whose only content is a topic. A returned query may carry a ``topic`` (what is left after
the metadata phrases and filler words are removed, "KAN papers from 2024 and 2025" -> "KAN"): the caller
screens that topic by retrieval and passes the surviving ids to ``run_query``.

Years, categories and authors are read by ``rag.answering.conversation`` (the same reading follow-ups
use); this module adds month-precise dates, author counts, code, upvotes, orders and aggregates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from rag.answering.conversation import _META_WORDS, extract_filters, stated_month
from rag.collection.query import CollectionQuery, month_span, year_span
from rag.parsing.common import MONTH_NAMES

_NUMBER_TEXT = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
_NUMBER_WORDS = (_NUMBER_TEXT + "fifteen sixteen seventeen eighteen nineteen twenty").split()
N = r"\d{1,3}|" + "|".join(_NUMBER_WORDS)
NUM = rf"({N})"
_MONTH = (
    r"("
    + "|".join(m.capitalize() for m in MONTH_NAMES)
    + r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_YEAR = r"((?:19|20)\d\d)"
_AUTHORS = r"(?:co-?)?authors?"
_PAPER = r"(?:papers?|ones?|works?|articles?|listings?|entries|entry|studies|study)"
_I = re.I

# --- dates at month precision (read before the year-level filters of conversation.py) ---
_MONTH_RANGE = re.compile(
    rf"\b(?:between|from)\s+{_MONTH}\s+{_YEAR}\s+(?:and|to|until|through)\s+{_MONTH}\s+{_YEAR}\b", _I
)
_MONTH_SINCE = re.compile(
    rf"\b(since|after|from|starting(?:\s+in)?)\s+{_MONTH}\s+{_YEAR}(\s+on(?:wards?)?)?", _I
)
_MONTH_BEFORE = re.compile(
    rf"\b(before|prior\s+to|until|through|up\s+to|no\s+later\s+than)\s+{_MONTH}\s+{_YEAR}\b", _I
)
_ON_DAY = re.compile(rf"\b(?:on|dated)\s+{_MONTH}\s+(\d{{1,2}}),?\s+{_YEAR}\b", _I)
_MONTH_YEAR = re.compile(rf"\b(?:in|during|dated|posted|from|of)\s+{_MONTH}\s+(?:of\s+)?{_YEAR}\b", _I)
_YEAR_LIST = re.compile(
    rf"\b(?:from|in|during|of|dated)\s+{_YEAR}((?:\s*,\s*{_YEAR})*)\s*,?\s+(?:and|or|&)\s+{_YEAR}\b", _I
)
_BARE_MONTH = re.compile(
    rf"\b(?:in|during|dated|posted\s+in|published\s+in|from)\s+(?:the\s+month\s+of\s+)?{_MONTH}(?!\s*\d)", _I
)

# --- author counts ---
_SINGLE = re.compile(
    rf"\b(?:single|sole|solo|lone|one)[-\s]?{_AUTHORS}(?:ed|ship)?\b|\bby\s+(?:a\s+)?(?:single|lone)\s+author\b"
    r"|\b(?:wr[io]te|written|authored|publish(?:ed)?)\s+(?:\w+\s+)?"  # "wrote alone", not "on their own data"
    r"(?:alone|by\s+(?:him|her|them)sel(?:f|ves)|on\s+(?:his|her|their)\s+own)\b",
    _I,
)
_BETWEEN_AUTHORS = re.compile(rf"\bbetween\s+{NUM}\s+(?:and|to)\s+{NUM}\s+{_AUTHORS}\b", _I)
_MIN_AUTHORS = re.compile(
    rf"\b(?:at\s+least|no\s+fewer\s+than|a\s+minimum\s+of)\s+{NUM}\s+{_AUTHORS}\b|\b{NUM}\s*(?:\+|or\s+more)\s+{_AUTHORS}\b",
    _I,
)
_OVER_AUTHORS = re.compile(rf"\b(?:more\s+than|over)\s+{NUM}\s+{_AUTHORS}\b", _I)
_MAX_AUTHORS = re.compile(
    rf"\b(?:at\s+most|no\s+more\s+than|up\s+to)\s+{NUM}\s+{_AUTHORS}\b|\b{NUM}\s+or\s+(?:fewer|less)\s+{_AUTHORS}\b",
    _I,
)
_UNDER_AUTHORS = re.compile(rf"\b(?:fewer|less)\s+than\s+{NUM}\s+{_AUTHORS}\b", _I)
_EXACT_AUTHORS = re.compile(rf"\b(?:exactly\s+)?{NUM}\s+{_AUTHORS}\b", _I)
_MULTI = re.compile(r"\bmulti[-\s]?author(?:ed)?\b|\bmore\s+than\s+one\s+author\b", _I)
_MOST_AUTHORS = re.compile(
    rf"\b(?:largest|biggest|longest|most\s+numerous)\s+(?:(?:author|authors'?)\s+(?:team|list)|team"
    rf"|(?:stated\s+)?(?:number|count)\s+of\s+{_AUTHORS})\b|\bmost\s+{_AUTHORS}\b",
    _I,
)
_FEWEST_AUTHORS = re.compile(
    rf"\b(?:smallest|shortest)\s+(?:(?:author|authors'?)\s+(?:team|list)|team"
    rf"|(?:stated\s+)?(?:number|count)\s+of\s+{_AUTHORS})\b|\bfewest\s+{_AUTHORS}\b",
    _I,
)

# --- code, upvotes ---
_NO_CODE = re.compile(r"\bwithout\s+(?:any\s+)?(?:code|a\s+code\s+link)\b|\bno\s+code\b", _I)
_CODE = re.compile(
    r"\b(?:with|have|has|having|ship|ships|provide|provides|release|releases|include|includes|link|links)\s+"
    r"(?:a\s+|public\s+|open[-\s]source\s+|released\s+|their\s+)?(?:source\s+)?code(?:\s+links?)?\b"
    r"(?!\s+(?:generation|completion|synthesis|models?|search))"
    r"|\bcode\s+(?:available|released|links?)\b|\bcode[-\s]available\b",
    _I,
)
_MIN_UPVOTES = re.compile(
    rf"\b(?:at\s+least|no\s+fewer\s+than)\s+{NUM}\s+upvotes?\b|\b{NUM}\s*(?:\+|or\s+more)\s+upvotes?\b", _I
)
_OVER_UPVOTES = re.compile(rf"\b(?:more\s+than|over)\s+{NUM}\s+upvotes?\b", _I)
_ANY_UPVOTES = re.compile(
    r"\b(?:with|have|has|having|got|received|any)\s+(?:any\s+)?upvotes?\b|\bupvoted\b", _I
)
_MOST_UPVOTED = re.compile(
    r"\b(?:most|highest|top)[-\s](?:upvoted|upvotes|voted|popular)\b|\bmost\s+popular\b|\bhighest\s+upvote\s+counts?\b",
    _I,
)
_FEWEST_UPVOTES = re.compile(r"\b(?:fewest|least|lowest)[-\s](?:upvoted|upvotes)\b", _I)

# --- orders, limits, superlatives, aggregates ---
_NEWEST = r"(?:latest|newest|most\s+recent(?:ly)?|last)"
_OLDEST = r"(?:earliest|oldest|first)"
_TOP_N = re.compile(
    rf"\b(?:the\s+)?(?:top\s+)?(?P<n1>{N})\s+(?:(?P<new>{_NEWEST})|(?P<old>{_OLDEST})|(?P<up>most[-\s]upvoted|most\s+popular))"
    rf"(?:[-\s](?:dated|posted|listed))?\s+{_PAPER}\b"
    rf"|\b(?:the\s+)?(?:(?P<new2>{_NEWEST})|(?P<old2>{_OLDEST}))\s+(?P<n2>{N})\s+{_PAPER}\b"
    rf"|\btop\s+(?P<n3>{N})\s+(?:{_PAPER}\s+)?by\s+(?P<by>upvotes?|date|authors?|number\s+of\s+authors)\b",
    _I,
)
_SUPERLATIVE_DATE = re.compile(
    rf"\b(?:the\s+)?(?:(?P<new>latest|newest|most\s+recent)|(?P<old>earliest|oldest))(?:[-\s](?:dated|posted|listed))?"
    rf"\s+(?:{_PAPER}|(?=in\b|of\b))"
    rf"|\b(?:posted|dated|published|listed|appeared|came\s+out)\s+(?:the\s+)?(?:(?P<new2>most\s+recently|last|latest)"
    rf"|(?P<old2>earliest|first))\b",
    _I,
)
_SORT = re.compile(
    r"\b(?:sort(?:ed)?|order(?:ed)?|rank(?:ed)?|list(?:ed)?|arrange(?:d)?)\s+(?:them\s+|it\s+)?by\s+"
    r"(?P<key>date|year|recency|upvotes?|popularity|(?:the\s+)?(?:number\s+of\s+)?authors?|author\s+count|title)"
    r"(?:\s*,?\s*(?P<dir>ascending|descending|newest\s+first|oldest\s+first|most\s+first|fewest\s+first))?",
    _I,
)
_GROUP = re.compile(
    r"\b(?:per|each|every|by|for\s+each|in\s+each)\s+(?P<key>year|month|category|group)\b"
    r"|\b(?:broken\s+down|grouped|split|break\s+down|group)\s+by\s+(?P<key2>year|month|category|group)\b"
    r"|\b(?P<yby>year\s+by\s+year)\b",
    _I,
)
_COUNT = re.compile(
    r"\bhow\s+many\b(?=\s+(?:(?:\w+\s+){0,2}?"
    + _PAPER
    + r"|of\b|are\b|were\b|did\b|does\b|do\b|have\b|has\b))"
    r"|\b(?:the\s+)?(?:number|count)\s+of\s+(?:\w+\s+){0,2}?"
    + _PAPER
    + r"\b|\bcount\s+(?:the\s+)?"
    + _PAPER
    + r"\b",
    _I,
)

_FILLER_TEXT = """posted post listed carry carries carrying bear bears collection dataset corpus how many
count number counts total single authored alone sole solo multi per each every year month years months code
upvotes upvote upvoted sorted sort order ordered rank ranked top most least fewest largest biggest
smallest team earliest latest oldest newest recent recently first last stated exactly more than fewer
less at between over
under for into out up down broken split grouped being been be can could would should will so some many much
such own his her group categories category arxiv listing listings entries entry dated date appear
appeared came come link links available released having got received popular whose why s"""
_EXTRA_FILLER = frozenset(_FILLER_TEXT.split())
FILLER = _META_WORDS | _EXTRA_FILLER
_WORD = re.compile(r"[^\W_][\w\-'’]*")


def _num(text: str) -> int:
    t = text.lower()
    return _NUMBER_WORDS.index(t) if t in _NUMBER_WORDS else int(t)


def _month(text: str) -> int:
    t = text.lower().rstrip(".")
    return next(i for i, name in enumerate(MONTH_NAMES, start=1) if name.startswith(t[:3]))


class _Text:
    """The question with every phrase read so far blanked out, so the remainder is the topic."""

    def __init__(self, text: str) -> None:
        self.text = text

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        m = pattern.search(self.text)
        if m:
            self.text = self.text[: m.start()] + " " * (m.end() - m.start()) + self.text[m.end() :]
        return m


def _dates(t: _Text, q: dict[str, Any]) -> None:
    """Month-precise dates first; then years via conversation.extract_filters (in parse_collection_query)."""
    if m := t.take(_MONTH_RANGE):
        q["date_from"] = month_span(int(m.group(2)), _month(m.group(1)))[0]
        q["date_to"] = month_span(int(m.group(4)), _month(m.group(3)))[1]
        return
    if m := t.take(_ON_DAY):
        day = date(int(m.group(3)), _month(m.group(1)), int(m.group(2)))
        q["date_from"] = q["date_to"] = day
        return
    if m := t.take(_MONTH_SINCE):
        start, end = month_span(int(m.group(3)), _month(m.group(2)))
        q["date_from"] = end + timedelta(days=1) if m.group(1).lower() == "after" else start
    if m := t.take(_MONTH_BEFORE):
        start, end = month_span(int(m.group(3)), _month(m.group(2)))
        strict = m.group(1).lower() in ("before", "prior to") or m.group(1).lower().startswith("prior")
        q["date_to"] = start - timedelta(days=1) if strict else end
    if "date_from" in q or "date_to" in q:
        return
    if m := _MONTH_YEAR.search(t.text):  # "in November 2025": years are read by extract_filters below
        q["_month_year"] = (int(m.group(2)), _month(m.group(1)))
        return
    if m := t.take(_YEAR_LIST):
        years = sorted({int(y) for y in re.findall(_YEAR, m.group(0))})
        if years == list(range(years[0], years[-1] + 1)):
            q["date_from"], q["date_to"] = year_span(years[0], years[-1])
        else:
            q["years"] = years
        q["_listed_years"] = True
        return
    if m := t.take(_BARE_MONTH):
        q["month"] = _month(m.group(1))


def _author_count(t: _Text, q: dict[str, Any], single: bool = False) -> None:
    """single: the question said "wrote alone" before extract_filters took the verb with the author."""
    if t.take(_MOST_AUTHORS):
        q.update(aggregate="max", measure="author_count")
    elif t.take(_FEWEST_AUTHORS):
        q.update(aggregate="min", measure="author_count")
    if m := t.take(_BETWEEN_AUTHORS):
        q.update(min_authors=_num(m.group(1)), max_authors=_num(m.group(2)))
    elif t.take(_SINGLE) or single:
        q.update(min_authors=1, max_authors=1)
    elif t.take(_MULTI):
        q["min_authors"] = 2
    else:
        if m := t.take(_MIN_AUTHORS):
            q["min_authors"] = _num(next(g for g in m.groups() if g))
        elif m := t.take(_OVER_AUTHORS):
            q["min_authors"] = _num(m.group(1)) + 1
        if m := t.take(_MAX_AUTHORS):
            q["max_authors"] = _num(next(g for g in m.groups() if g))
        elif m := t.take(_UNDER_AUTHORS):
            q["max_authors"] = _num(m.group(1)) - 1
        if "min_authors" not in q and "max_authors" not in q and (m := t.take(_EXACT_AUTHORS)):
            q["min_authors"] = q["max_authors"] = _num(m.group(1))
    for key in ("min_authors", "max_authors"):
        if q.get(key) is not None and q[key] < 1:
            q[key] = None if key == "min_authors" else 1


def _code_and_upvotes(t: _Text, q: dict[str, Any]) -> None:
    if t.take(_NO_CODE):
        q["has_code"] = False
    elif t.take(_CODE):
        q["has_code"] = True
    if m := t.take(_MIN_UPVOTES):
        q["min_upvotes"] = _num(next(g for g in m.groups() if g))
    elif m := t.take(_OVER_UPVOTES):
        q["min_upvotes"] = _num(m.group(1)) + 1


def _order(t: _Text, q: dict[str, Any]) -> None:
    """Top-N lists, sorts, superlatives ('the earliest paper', 'most upvoted'), counts and groups."""
    if m := t.take(_TOP_N):
        n = m.group("n1") or m.group("n2") or m.group("n3")
        by = (m.group("by") or "").lower()
        if m.group("up") or by.startswith("upvote"):
            q.update(sort="upvotes", descending=True)
        elif by.startswith(("author", "number")):
            q.update(sort="author_count", descending=True)
        else:
            q.update(sort="date", descending=bool(m.group("new") or m.group("new2") or by == "date"))
        q["limit"] = _num(n)
    if m := t.take(_SORT):
        key, direction = m.group("key").lower(), (m.group("dir") or "").lower()
        if key.startswith(("upvote", "popular")):
            q.update(sort="upvotes", descending=True)
        elif "author" in key:
            q.update(sort="author_count", descending=True)
        elif key == "title":
            q.update(sort="title", descending=False)
        else:
            q.update(sort="date", descending=key == "recency")
        if direction:
            q["descending"] = direction.startswith(("desc", "newest", "most"))
    if "limit" not in q and q.get("aggregate") is None:
        if m := t.take(_SUPERLATIVE_DATE):
            q.update(aggregate="max" if (m.group("new") or m.group("new2")) else "min", measure="date")
        elif t.take(_MOST_UPVOTED):
            q.update(aggregate="max", measure="upvotes")
        elif t.take(_FEWEST_UPVOTES):
            q.update(aggregate="min", measure="upvotes")
    upvotes_asked = "min_upvotes" in q or q.get("sort") == "upvotes" or q.get("measure") == "upvotes"
    if not upvotes_asked and t.take(_ANY_UPVOTES):
        q["min_upvotes"] = 1
    if q.get("aggregate") is None and (m := t.take(_GROUP)):
        key = (m.group("key") or m.group("key2") or "year").lower()
        q.update(aggregate="group", group_by="category" if key == "group" else key)
    if q.get("aggregate") is None and t.take(_COUNT):
        q["aggregate"] = "count"


def topic_of(text: str) -> str | None:
    """What remains once metadata phrases, question words and filler are gone: 'KAN', or None."""
    words = [w.strip("'’-") for w in _WORD.findall(text)]
    kept = [w for w in words if len(w) > 1 and w.casefold() not in FILLER and not w.isdigit()]
    return " ".join(kept) or None


def parse_collection_query(question: str, categories: Iterable[str] | None = None) -> CollectionQuery | None:
    """The metadata query a question asks, or None when it asks none (then it is a topic question)."""
    t = _Text(" ".join(question.split()))
    q: dict[str, Any] = {}
    _dates(t, q)
    month_year = q.pop("_month_year", None)
    listed_years = q.pop("_listed_years", False)
    month = stated_month(t.text) if month_year else None
    single = _SINGLE.search(t.text) is not None
    filters, rest = extract_filters(t.text)
    if month_year and filters.year_from is None and filters.year_to is None:  # "posted November 2025"
        t.take(_MONTH_YEAR)
        filters, rest = extract_filters(t.text)
        filters = filters.model_copy(update={"year_from": month_year[0], "year_to": month_year[0]})
    if month_year and filters.year_from == month_year[0]:
        month = month or month_year[1]
    if filters.year_from is not None or filters.year_to is not None:
        if month and filters.year_from == filters.year_to and filters.year_from is not None:
            q["date_from"], q["date_to"] = month_span(filters.year_from, month)
        else:
            q["date_from"] = year_span(filters.year_from)[0] if filters.year_from else None
            q["date_to"] = year_span(filters.year_to)[1] if filters.year_to else None
    t.text = rest
    category = filters.category or _named_category(t, categories)
    if category:
        q["category"] = category
    if filters.author:
        q["author"] = filters.author
    _author_count(t, q, single)
    _code_and_upvotes(t, q)
    _order(t, q)
    if listed_years and q.get("aggregate") is None:  # "KAN papers from 2024 and 2025": one list per year
        q.update(aggregate="group", group_by="year")
    q["topic"] = topic_of(t.text)
    query = CollectionQuery(**{k: v for k, v in q.items() if v is not None})
    return query if query.is_structural() else None


def _named_category(t: _Text, categories: Iterable[str] | None) -> str | None:
    """A group code of this collection named as one ('the OC category') that conversation.py does not know."""
    codes = sorted({c for c in categories or () if c and re.fullmatch(r"[\w.\-]+", c)}, key=len, reverse=True)
    if not codes:
        return None
    alt = "|".join(re.escape(c) for c in codes)
    pattern = re.compile(
        rf"\b(?:(?:in|under|from|within|carry|carries|the)\s+)?(?:the\s+)?(?:[a-z\-]+\.)?({alt})"
        rf"(?=\s+(?:group|category|section|listing|papers?)\b)"
    )
    m = t.take(pattern)
    return m.group(1) if m else None
