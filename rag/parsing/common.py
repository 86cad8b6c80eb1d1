"""Helpers shared by the format parsers: dates, whitespace, one-line problems.

Kept separate so every parser applies the same rules, in particular that a date is only turned into
a ``published`` value when day, month and year are all given (nothing is guessed).
"""

from __future__ import annotations

import re
from datetime import date

from rag.io import strip_controls
from rag.models import Paper, ParseProblem
from rag.parsing.ids import paper_id

# A record this large is not an abstract (a whole paper pasted in, a runaway field): it is skipped by name
# rather than embedded as hundreds of chunks. The longest abstract of the arXiv snapshot is under 10 kB.
MAX_ABSTRACT_CHARS = 100_000
MAX_TITLE_CHARS = 2_000

MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
MONTHS: dict[str, int] = {}
for _i, _name in enumerate(MONTH_NAMES, start=1):
    MONTHS[_name] = _i
    MONTHS[_name[:3]] = _i
MONTHS["sept"] = 9

_MONTH_ALT = (
    "Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
    "Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
# "Jul 5, 2024", "Mar 27", "Jan 29" -- the listing dates; the year is optional.
DATE_PATTERN = rf"(?P<month>{_MONTH_ALT})\.?\s+(?P<day>\d{{1,2}})(?:,\s*(?P<year>\d{{4}}))?"

_WS = re.compile(r"\s+")


def collapse_ws(text: str) -> str:
    """Collapse runs of whitespace (including newlines) to one space: fields are single-line text.

    Escape sequences and control characters go too, so no field of a paper can drive a terminal.
    """
    return _WS.sub(" ", strip_controls(text or "")).strip()


def oversized(title: str, abstract: str) -> str | None:
    """Why a record is too large to be a paper (one line naming it), or None."""
    named = repr(title[:60] + ("..." if len(title) > 60 else ""))
    if len(abstract) > MAX_ABSTRACT_CHARS:
        return (
            f"abstract of {named} too large ({len(abstract):,} > {MAX_ABSTRACT_CHARS:,} characters); skipped"
        )
    if len(title) > MAX_TITLE_CHARS:
        return f"title {named} too long ({len(title):,} > {MAX_TITLE_CHARS:,} characters); skipped"
    return None


def month_number(text: str) -> int | None:
    """'Mar', 'march', 'MAR.', '3' -> 3; anything else -> None."""
    t = (text or "").strip().rstrip(".").casefold()
    if t.isdigit():
        n = int(t)
        return n if 1 <= n <= 12 else None
    return MONTHS.get(t)


def make_date(year: int | str | None, month: int | str | None, day: int | str | None) -> date | None:
    """A date only when all three parts are given and valid -- never completed by guessing."""
    try:
        y = int(year) if year is not None and str(year).strip() else None
        m = month if isinstance(month, int) else month_number(month) if month else None
        d = int(day) if day is not None and str(day).strip() else None
    except (TypeError, ValueError):
        return None
    if y is None or m is None or d is None:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def problem(source: str, message: str, entry: str | None = None) -> ParseProblem:
    """A ParseProblem whose message is guaranteed to be a single line (it is shown in CLIs and logs)."""
    msg = collapse_ws(message)
    if len(msg) > 300:
        msg = msg[:297] + "..."
    return ParseProblem(source=source, entry=collapse_ws(entry) if entry else None, message=msg)


def listed_author_count(authors: list[str], truncated: bool) -> int | None:
    """The count a complete author list implies; unknown when the list is cut ("et al.") or absent."""
    return len(authors) if authors and not truncated else None


def make_paper(
    title: str, abstract: str, source: str, authors: list[str], truncated: bool, **metadata: object
) -> Paper:
    """A Paper with the fields every format derives the same way: the id from the title, the author count."""
    return Paper(
        id=paper_id(title),
        title=title,
        abstract=abstract,
        authors=authors,
        authors_truncated=truncated,
        author_count=listed_author_count(authors, truncated),
        sources=[source],
        **metadata,  # type: ignore[arg-type]
    )
