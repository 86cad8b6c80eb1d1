"""Questions about the collection's metadata -> CollectionQuery, read with libraries made for each part.

Dates and ranges: Recognizers-Text (``dates.py``); number words: its number model (``numbers.py``); groups
by code or name and authors by any part of their name, with typos: the collection's own catalog and
rapidfuzz (``catalog.py``); sentence structure: the shared spaCy pipeline (``rag.nlp``). Counts, orders and
aggregates are the patterns below, which only ever see digits.

Every word is accounted for. Each reader blanks the phrase it used; what is left is either filler
(question and function words, "papers", "posted"), a topic (a run of content words of which one is
specific to this collection: it occurs in it and is no everyday English word), or *unused*: the query
carries those words, and the answer says that part was not understood. A leftover word never becomes the
topic silently ("half", "teams", "tagged" are no topic).

Routing contract: ``parse_collection_query`` returns None when the question states no metadata at all;
a plain topic question goes to retrieval. A returned query may carry a ``topic`` that the caller screens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Any

from rag.collection.catalog import Catalog, catalog_of
from rag.collection.dates import read_dates
from rag.collection.numbers import spell_numbers
from rag.collection.query import CollectionQuery
from rag.models import Paper

N = r"\d{1,3}"
NUM = rf"({N})"
_AUTHORS = r"(?:(?:co-?)?auth(?:o|ou|e)rs?|people|persons|researchers|writers)"  # "authour": a typo
_PAPER = r"(?:papers?|ones?|works?|articles?|listings?|entries|entry|studies|study|publications?|preprints?)"
_I = re.I

# --- the most frequent authors (read before author counts: "most authors" is a team size) ---
_FREQUENT_AUTHORS = re.compile(
    rf"\b(?:the\s+)?(?:(?P<n2>{N})\s+)?(?:most\s+(?:frequent|prolific|productive|common|active)|leading)"
    rf"\s+{_AUTHORS}\b|\btop\s+(?:(?P<n>{N})\s+)?{_AUTHORS}\b"
    rf"|\bwho\s+(?:wrote|authored|co-?authored|has\s+written|published)\s+the\s+most\s+{_PAPER}\b"
    rf"|\b{_AUTHORS}\s+with\s+the\s+most\s+{_PAPER}\b"
    rf"|\b(?:which|what)\s+{_AUTHORS}\s+(?:appears?|occurs?|shows?\s+up|come\s+up)\s+(?:the\s+)?most"
    rf"(?:\s+(?:often|frequently))?\b",
    _I,
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
    rf"\b(?:at\s+least|no\s+fewer\s+than|a\s+minimum\s+of)\s+{NUM}\s+{_AUTHORS}\b|\b{NUM}\s*(?:\+|or\s+more)\s+{_AUTHORS}\b"
    rf"|\b{NUM}\s+{_AUTHORS}\s+or\s+(?:more|above|over)\b",
    _I,
)
_OVER_AUTHORS = re.compile(rf"\b(?:more\s+than|over)\s+{NUM}\s+{_AUTHORS}\b", _I)
_MAX_AUTHORS = re.compile(
    rf"\b(?:at\s+most|no\s+more\s+than|up\s+to)\s+{NUM}\s+{_AUTHORS}\b|\b{NUM}\s+or\s+(?:fewer|less)\s+{_AUTHORS}\b"
    rf"|\b{NUM}\s+{_AUTHORS}\s+or\s+(?:fewer|less|under)\b",
    _I,
)
_UNDER_AUTHORS = re.compile(rf"\b(?:fewer|less)\s+than\s+{NUM}\s+{_AUTHORS}\b", _I)
_EXACT_AUTHORS = re.compile(rf"\b(?:exactly\s+)?{NUM}\s+{_AUTHORS}\b", _I)
_MULTI = re.compile(r"\bmulti[-\s]?author(?:ed)?\b|\bmore\s+than\s+one\s+author\b", _I)
_MOST_AUTHORS = re.compile(
    rf"\b(?:largest|biggest|longest|most\s+numerous)\s+(?:(?:author|authors'?)\s+(?:teams?|lists?)|teams?"
    rf"|(?:stated\s+)?(?:number|count)\s+of\s+{_AUTHORS})\b|\bmost\s+{_AUTHORS}\b",
    _I,
)
_FEWEST_AUTHORS = re.compile(
    rf"\b(?:smallest|shortest)\s+(?:(?:author|authors'?)\s+(?:teams?|lists?)|teams?"
    rf"|(?:stated\s+)?(?:number|count)\s+of\s+{_AUTHORS})\b|\bfewest\s+{_AUTHORS}\b",
    _I,
)

# --- code, upvotes ---
_NO_CODE = re.compile(r"\bwithout\s+(?:any\s+)?(?:code|a\s+code\s+link)\b|\bno\s+code\b", _I)
_CODE = re.compile(
    r"\b(?:with|have|has|having|ship|ships|provide|provides|release|releases|include|includes|link|links)\s+"
    r"(?:a\s+|public\s+|open[-\s]source\s+|released\s+|their\s+)?(?:source\s+)?code(?:\s+(?:links?|(?:publicly\s+)?available|released))?\b"
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
_GROUP_KEY = r"years?|months?|category|categories|group|(?:co-?)?authors?"
_GROUP = re.compile(
    rf"\b(?:per|each|every|by|for\s+each|in\s+each|for\s+every)\s+(?:arxiv\s+)?(?P<key>{_GROUP_KEY})\b"
    rf"|\b(?:(?:broken|break)(?:\s+(?:the\s+)?(?:{_PAPER}|collection))?\s+down(?:\s+(?:the\s+)?(?:{_PAPER}|collection))?|grouped|split|group|distribution"
    rf"|distributed|spread(?:\s+out)?|counts?|totals?|breakdown)(?:\s+(?:of\s+)?(?:the\s+)?(?:{_PAPER}|collection))?"
    rf"\s+(?:by|per|over|across|between|among)\s+(?:the\s+)?(?:arxiv\s+)?(?P<key2>{_GROUP_KEY})\b"
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


# words that say which papers or ask the question, not what about: dropped without a trace
_FILLER_TEXT = """which what who whom when where how is are was were do does did the a an of in on from
to and or any all papers paper works work articles article ones one studies study publications
publication preprints preprint listed list lists show shows give me collection corpus dataset catalog
catalogue arxiv there that have has had with within under only just also please tell find return display
name names their its it this these those them they s posted post published publish appeared appear came
come out released written wrote write authored put online can could would should will be been being i we
you want know see get shown listing listings entries entry dated date dates here so carry carries
carrying bear bears belong belongs tagged tag tags labelled labeled filed marked"""
FILLER = frozenset(_FILLER_TEXT.split())
# verbs relating a paper to its topic ("which LG papers mention bandits?"): not a topic word themselves
_RELATION_VERBS_TEXT = """mention mentions mentioning discuss discusses discussing cover covers
covering address addresses study studies concern concerns use uses using propose proposes apply applies
focus focuses deal deals talk talks investigate investigates examine examines explore explores tackle
tackles consider considers describe describes present presents introduce introduces treat treats involve
involves about on regarding concerning"""
RELATION_VERBS = frozenset(_RELATION_VERBS_TEXT.split())
# metadata words: when no reader used them, a part of the question was not understood
_NEVER_TOPIC_TEXT = """half halves quarter quarters season seasons spring summer autumn fall winter
early mid late recent recently newest latest oldest earliest first last new old team teams label labels
frequent frequently prolific most least fewest more fewer less top bottom exactly count counts number
numbers total code upvote upvotes upvoted votes vote popular author authors coauthors co-authors single
sole solo per each every year years month months week weeks day days category categories group groups
distribution histogram chart table sorted sort order ordered rank ranked largest smallest biggest
highest lowest over under between than above below"""
NEVER_TOPIC = frozenset(_NEVER_TOPIC_TEXT.split())
_FUNCTION_POS = frozenset({"DET", "ADP", "AUX", "PRON", "CCONJ", "SCONJ", "PART", "PUNCT", "SYM", "INTJ"})
MAX_ZIPF = 4.8  # everyday English above this (wordfreq's Zipf scale), as the list-question judge reads it


class _Text:
    """The question with every phrase read so far blanked out, so the remainder is what is left to read."""

    def __init__(self, text: str) -> None:
        self.text = text

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        m = pattern.search(self.text)
        if m:
            self.blank(m.start(), m.end())
        return m

    def blank(self, start: int, end: int) -> None:
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]


def _num(text: str) -> int:
    return int(text)


def _dates(t: _Text, q: dict[str, Any], today: date, unused: list[str]) -> bool:
    """Date filters; True when the question listed years ('from 2024 and 2025': the answer is per year)."""
    reading = read_dates(t.text, today)
    for start, end in reading.spans:
        t.blank(start, end)
    for key in ("date_from", "date_to", "years", "month"):
        value = getattr(reading, key)
        if value is not None:
            q[key] = value
    unused.extend(reading.unread)
    return reading.listed_years


def _author_count(t: _Text, q: dict[str, Any]) -> None:
    if t.take(_MOST_AUTHORS):
        q.update(aggregate="max", measure="author_count")
    elif t.take(_FEWEST_AUTHORS):
        q.update(aggregate="min", measure="author_count")
    if m := t.take(_BETWEEN_AUTHORS):
        q.update(min_authors=_num(m.group(1)), max_authors=_num(m.group(2)))
    elif t.take(_SINGLE):
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
        key = {"group": "category", "categories": "category", "years": "year", "months": "month"}.get(
            key, key
        )
        q.update(aggregate="group", group_by="author" if key.startswith(("author", "co")) else key)
    if t.take(_COUNT) and q.get("aggregate") is None:  # "how many per year" is a group, counted
        q["aggregate"] = "count"


_GROUP_CODE = re.compile(r"\b(?:cs|stat|math|eess|econ|q-bio|q-fin|physics)\.[A-Za-z]{2,3}\b", _I)
_GROUP_CUE = r"(?:group|category|categories|section|listing|area|field|subject|class)"
_NAME_CUE = rf"(?:{_GROUP_CUE}|papers?|articles?|ones|works|preprints?)"
_FILED = r"(?:categori[sz]ed|classified|filed|listed|labell?ed)\s+(?:as|under|in)"
_IN = rf"(?:in|under|within|from|of|{_FILED})\s+(?:the\s+)?"
_PLAIN_NAMES = frozenset({"statistics", "robotics", "nlp"})  # one-word names that are no everyday topic


_NOT_IN = re.compile(
    r"\b(?:not|n[o']t|aren[’']t|isn[’']t|outside(?:\s+of)?|excluding|except(?:\s+for)?|other\s+than|apart\s+from"
    r"|besides|beyond)\s+(?:(?:listed|filed|classified)\s+)?(?:in|under|from|within)?\s*(?:the\s+)?$",
    _I,
)


def _negated(t: _Text, q: dict[str, Any], start: int) -> None:
    """'papers from 2024 that aren't in cs.LG': the group is excluded, not asked for."""
    if m := _NOT_IN.search(t.text[:start]):
        q["not_category"] = True
        t.blank(m.start(), m.end())


def _category(t: _Text, q: dict[str, Any], catalog: Catalog) -> None:
    """A group, asked for or excluded ('not in cs.LG'); see `_groups`."""
    start = _groups(t, q, catalog)
    if start is not None:
        _negated(t, q, start)


def _groups(t: _Text, q: dict[str, Any], catalog: Catalog) -> int | None:
    """A group by code ('cs.CV', 'stat.ML', 'LG papers') or by name ('the machine learning category');
    returns where the words it used begin (None: no group)."""
    if m := _GROUP_CODE.search(t.text):
        code = catalog.group_code(m.group(0)) or m.group(0).rpartition(".")[2].upper()
        q["category"] = code
        start = m.start()
        if lead := re.search(rf"{_IN}$", t.text[:start], _I):
            start = lead.start()
        end = m.end() + (
            len(c.group(0)) if (c := re.match(rf"\s+{_GROUP_CUE}\b", t.text[m.end() :], _I)) else 0
        )
        t.blank(start, end)
        return start
    from rag.collection.catalog import GROUP_NAMES

    names = sorted({n for ns in GROUP_NAMES.values() for n in ns if "." not in n}, key=len, reverse=True)
    alt = "|".join(re.escape(n) for n in names)
    named = re.compile(
        rf"\b(?:{_IN})?(?P<name>{alt})(?:\s*\((?:[A-Za-z.]+)\))?\s+(?P<cue>{_NAME_CUE})\b"
        rf"|\b{_IN}(?P<name2>{alt})\s+(?P<cue2>{_GROUP_CUE})\b"
        rf"|\b(?:in|under|within|{_FILED})\s+(?:the\s+)?(?P<name3>{alt})\b(?:\s*\((?:[A-Za-z.]+)\))?",
        _I,
    )
    for m in named.finditer(t.text):
        name = (m.group("name") or m.group("name2") or m.group("name3") or "").lower()
        cue = (m.group("cue") or m.group("cue2") or "").lower()
        is_group = re.fullmatch(_GROUP_CUE, cue) is not None
        if not is_group and " " not in name and name not in _PLAIN_NAMES:
            continue  # "optimization papers": a topic
        named_code = catalog.group_code(name)
        if named_code:
            q["category"] = named_code
            t.blank(m.start(), m.end() if is_group else m.end() - len(cue))  # "papers" stays for the orders
            return m.start()
    codes = sorted({*catalog.categories, "CV", "LG", "CL"}, key=len, reverse=True)
    plain = [c for c in codes if c.upper() not in ("AI", "ML")]  # AI and ML are also ordinary words
    listed = "|".join(map(re.escape, plain))
    patterns = [rf"\b(?:{_IN})?({listed})\b(?:\s+{_GROUP_CUE}\b)?"] if plain else []
    patterns.append(rf"\b(?:{_IN})?(AI|ML)(?=\s+(?:{_GROUP_CUE}|papers)\b)(?:\s+{_GROUP_CUE}\b)?")
    patterns.append(rf"\b(?:in|under)\s+(?:the\s+)?(AI|ML)\b(?:\s+{_GROUP_CUE}\b)?")
    for pattern in patterns:
        if m := t.take(re.compile(pattern)):
            q["category"] = catalog.group_code(m.group(1)) or m.group(1)
            return m.start()
    return None


_NAME_TOKEN = r"[^\W\d_][\w'’\-]*\.?"
_CAP_NAME = r"(?:[A-Z][\w'’\-]*\.?|[A-Z]\.)"
_BY_AUTHOR = re.compile(
    rf"\b(?:(?:written|authored|co-?authored|published)\s+)?by\s+(?P<a>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,3}})"
    rf"|\b(?P<b>{_CAP_NAME}(?:\s+{_CAP_NAME}){{0,3}})['’]s?\s+(?:{_PAPER}|work)"
    rf"|\b(?:did|has|have)\s+(?P<c>{_CAP_NAME}(?:\s+{_CAP_NAME}){{0,3}})"
    rf"(?:\s+(?:co-?)?(?:author(?:ed)?|write|wr[io]te|written|publish(?:ed)?)|(?=\s{{2,}}|\s*[?.]|$))"
    rf"|\b(?:list|lists|listing|with|name|names|naming)\s+(?P<d>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,3}})\s+as\s+"
    rf"(?:an?\s+|the\s+)?(?:co-?)?author"
    rf"|\b(?:author|co-?author)\s+(?P<e>{_CAP_NAME}(?:\s+{_CAP_NAME}){{0,3}})",
)
_NOT_NAME = FILLER | NEVER_TOPIC | {"alone", "themselves", "himself", "herself", "since", "after", "before"}


def _author(t: _Text, q: dict[str, Any], catalog: Catalog | None) -> None:
    """'by Ahmedt-Aristizabal', "Juno Kim's papers", 'did Taiji Suzuki co-author': the name as the catalog
    lists it when only a fuzzy match finds it ('Suzuky' -> 'Taiji Suzuki'), else as asked."""
    from rag.collection.names import AuthorMatcher

    for m in _BY_AUTHOR.finditer(t.text):
        group = next(g for g in ("a", "b", "c", "d", "e") if m.group(g))
        words = m.group(group).split()
        kept: list[str] = []
        for word in words:  # "by Juno Kim in 2025": the name ends at the first ordinary word
            initial = len(word) == 2 and word[0].isupper() and word[1] == "."  # "M. A. Armin"
            if word.lower().strip(".") in _NOT_NAME and not initial:
                break
            kept.append(word.rstrip(".") if len(word.rstrip(".")) > 1 else word)
        if not kept:
            continue
        name = " ".join(kept)
        capitalized = all(w[0].isupper() for w in kept)
        asked = name
        if catalog is not None and catalog.authors:
            found = catalog.author_matches(name)
            if found and not AuthorMatcher(name).any(found):
                asked = found[0]
            elif not found and not capitalized:
                continue
        elif not capitalized:
            continue
        q["author"] = asked
        start = m.start(group) if group in ("b", "c", "e") else m.start()
        end = m.start(group) + len(name) if group in ("a", "d") else m.end()
        if group in ("c", "d"):
            start, end = m.start(), m.end()
        t.blank(start, end)
        return


@lru_cache(maxsize=8192)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def _specific(word: str, catalog: Catalog) -> bool:
    """Occurs in this collection and is no everyday English word ('bandits', 'KAN'; not 'half', 'teams')."""
    if not catalog.has_word(word):
        return False
    pieces = [p for p in re.split(r"[-/]", word) if p]
    return word.isupper() and len(word) > 1 or any(_zipf(p.lower()) <= MAX_ZIPF for p in pieces)


def account(text: str, catalog: Catalog | None) -> tuple[str | None, list[str]]:
    """The topic (runs of content words with a specific word) and the words no reader used."""
    from rag.nlp import parse

    runs: list[list[str]] = [[]]
    unused: list[str] = []
    for token in parse(text):
        word = token.text.strip("'’-")
        lower = word.lower()
        if token.is_space or not word or token.is_punct:
            if token.is_space or token.whitespace_ == "" and token.is_punct:
                runs.append([])
            continue
        if lower in NEVER_TOPIC or token.like_num:
            unused.append(word)
            runs.append([])
        elif lower in FILLER or lower in RELATION_VERBS or token.pos_ in _FUNCTION_POS or len(word) < 2:
            runs.append([])
        elif (
            token.pos_ in ("VERB", "ADV")
            and token.tag_ not in ("VBG", "VBN")
            and token.dep_ not in ("amod", "compound")  # "certified robustness"
            and not word.isupper()
        ):
            unused.append(word)  # "Which papers were tagged ...": a verb nobody read
            runs.append([])
        else:
            runs[-1].append(word)
    topic: list[str] = []
    for run in filter(None, runs):
        if catalog is None or any(_specific(w, catalog) for w in run):
            topic.extend(run)
        else:
            unused.extend(run)
    return " ".join(topic) or None, unused


def parse_collection_query(
    question: str, categories: Iterable[str] | None = None, papers: Iterable[Paper] | None = None
) -> CollectionQuery | None:
    """The metadata query a question asks, or None when it asks none (then it is a topic question).

    papers: the collection; with it, authors are matched against its names, topic words against its
    words, and "the last two years" counts back from its newest paper.
    """
    catalog = catalog_of(papers) if papers is not None else None
    groups = catalog or Catalog(categories=frozenset(c for c in categories or () if c))
    t = _Text(" ".join(question.split()))
    q: dict[str, Any] = {}
    unused: list[str] = []
    listed_years = _dates(t, q, (catalog.newest if catalog else None) or date.today(), unused)
    t.text = spell_numbers(t.text)
    if m := t.take(_FREQUENT_AUTHORS):
        q.update(aggregate="group", group_by="author", limit=_num(m.group("n") or m.group("n2") or "1"))
    _author_count(t, q)
    _code_and_upvotes(t, q)
    _category(t, q, groups)  # before orders: "the latest computer vision paper"
    _order(t, q)
    _author(t, q, catalog)
    if listed_years and q.get("aggregate") is None:  # "KAN papers from 2024 and 2025": one list per year
        q.update(aggregate="group", group_by="year")
    topic, leftover = account(t.text, catalog)
    q["topic"] = topic
    query = CollectionQuery(**{k: v for k, v in q.items() if v is not None})
    if not query.is_structural():
        return None
    return query.model_copy(update={"unused": unused + leftover}) if unused or leftover else query
