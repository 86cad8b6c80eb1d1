"""The plain-text captures of paper listings in data/corpus (see data/CORPUS.md).

Two families of layout occur and are told apart by content, not by file name:

* *profile* (an author page): three lines per paper -- ``<group><date>[Code]``,
  ``<title><authors>`` glued together without a separator, and the abstract;
* *daily* (a daily-papers page, with or without metadata): a page header, then per paper a title line,
  an abstract line and optionally ``  • N authors`` / ``·`` / ``<date> [upvotes]``.

Nothing is invented: a missing date part leaves ``published`` empty, missing metadata stays missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.models import Paper, ParseProblem
from rag.parsing.common import (
    DATE_PATTERN,
    MAX_ABSTRACT_CHARS,
    MAX_TITLE_CHARS,
    collapse_ws,
    make_date,
    make_paper,
    oversized,
    problem,
)
from rag.parsing.ids import paper_id

# ---------------------------------------------------------------------------------------------- layout
PROFILE_HEADER = re.compile(rf"^(?P<cat>[A-Z]{{2,4}}){DATE_PATTERN}(?P<code>Code)?$")
DATE_LINE = re.compile(rf"^(?P<date>{DATE_PATTERN})(?:\s+(?P<upvotes>\d+))?$")
AUTHOR_COUNT = re.compile(r"^[•·*-]?\s*(?P<n>\d+)\s+authors?$", re.IGNORECASE)
SEPARATOR = {"·", "•", "-"}
PAGE_CHROME = {
    "new",
    "get trending papers in your email inbox!",
    "subscribe",
    "daily papers",
    "byak and the research community",
}


def _lines(text: str) -> list[tuple[int, str]]:
    """Non-blank lines, stripped, with their 1-based line numbers (for problem messages)."""
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def detect_layout(text: str) -> str | None:
    """'profile', 'daily' or None when the text looks like neither listing."""
    lines = [line for _, line in _lines(text)]
    if not lines:
        return None
    if PROFILE_HEADER.match(lines[0]) and len(lines) >= 3:
        return "profile"
    head = {line.casefold() for line in lines[:15]}
    if head & PAGE_CHROME or any(AUTHOR_COUNT.match(line) for line in lines):
        return "daily"
    return None


# ------------------------------------------------------------------------------------- author names
_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "di",
    "da",
    "du",
    "le",
    "la",
    "bin",
    "ibn",
    "al",
    "dos",
    "das",
    "ten",
    "ter",
    "y",
}
_PREFIXES = ("Mc", "Mac", "O'", "O’", "D'", "D’", "De", "Di", "Le", "La", "Van", "Von", "Du", "Da")
_INITIALS = re.compile(r"(?:[^\W\d_]\.-?)+")
_LETTERS = re.compile(r"[^\W\d_]+")
_ET_AL = re.compile(r",?\s+et\s+al\.?$")


def _is_word(part: str) -> bool:
    """'Kim', 'Ahmedt' -- an uppercase letter followed only by lowercase letters."""
    return len(part) >= 2 and part[0].isupper() and bool(_LETTERS.fullmatch(part)) and part[1:].islower()


def _is_name_token(tok: str, first: bool, last: bool) -> bool:
    """One whitespace-separated token of a person's name.

    Strict on purpose: a token with an inner capital ('DatasetRahm', 'IJuno') is what a wrong split of
    the glued title/author line produces, so only the usual surname prefixes (Mc, O', De, ...) may have one.
    """
    if _INITIALS.fullmatch(tok) and tok[0].isupper():
        return True
    if tok in _PARTICLES:
        return not first and not last
    parts = tok.split("-")
    if any(not p for p in parts):
        return False
    head, rest = parts[0], parts[1:]
    ok_head = _is_word(head) or any(head.startswith(p) and _is_word(head[len(p) :]) for p in _PREFIXES)
    return ok_head and all(
        _is_word(p) or (p.isalpha() and p.islower()) or _INITIALS.fullmatch(p) for p in rest
    )


def parse_author_list(text: str) -> tuple[list[str], bool] | None:
    """'A B, C D et al.' -> (['A B', 'C D'], True); None when the text is not a list of names."""
    text = text.strip()
    truncated = False
    m = _ET_AL.search(text)
    if m:
        truncated = True
        text = text[: m.start()]
    names = [collapse_ws(n) for n in text.split(",")]
    if not names or any(not n for n in names):
        return None
    for name in names:
        toks = name.split()
        if not 1 <= len(toks) <= 5:
            return None
        if not all(_is_name_token(t, i == 0, i == len(toks) - 1) for i, t in enumerate(toks)):
            return None
    return names, truncated


_MAX_SPLITS = 64  # a title has a few inner capitals ('GANs', 'McDonald'), not dozens


def split_title_authors(glued: str) -> tuple[str, list[str], bool] | None:
    """Split '<title><authors>' at the earliest point where the rest is a valid author list.

    Candidate points are uppercase letters directly preceded by a non-space character. The earliest valid
    one wins, because a later one would cut into the first author's name (e.g. 'McDonald' -> 'Donald');
    earlier ones fail since the glued token ('RobotsJuno', 'IJuno') is never a valid name token.
    """
    glued = collapse_ws(glued)
    tried = 0
    for i in range(1, min(len(glued), MAX_TITLE_CHARS)):
        if not glued[i].isupper() or glued[i - 1].isspace():
            continue
        tried += 1
        if tried > _MAX_SPLITS:  # each try reads the rest of the line: bounded, not quadratic
            break
        title = glued[:i].strip()
        if len(title) < 2:
            continue
        parsed = parse_author_list(glued[i:])
        if parsed is not None:
            return title, parsed[0], parsed[1]
    return None


# ---------------------------------------------------------------------------------------------- profile
def _parse_profile(lines: list[tuple[int, str]], source: str) -> tuple[list[Paper], list[ParseProblem]]:
    papers: list[Paper] = []
    problems: list[ParseProblem] = []
    i = 0
    while i < len(lines):
        n, line = lines[i]
        head = PROFILE_HEADER.match(line)
        if not head:
            problems.append(
                problem(source, f"unexpected line, not a paper header: {line[:60]!r}; skipped", f"line {n}")
            )
            i += 1
            continue
        body = lines[i + 1 : i + 3]
        if len(body) < 2 or any(PROFILE_HEADER.match(b) for _, b in body):
            problems.append(
                problem(source, "paper header without title and abstract lines; skipped", f"line {n}")
            )
            i += 1
            while i < len(lines) and not PROFILE_HEADER.match(lines[i][1]):
                i += 1
            continue
        (tn, glued), (_, abstract) = body
        if len(glued) > MAX_ABSTRACT_CHARS:
            problems.append(
                problem(source, f"title line too long ({len(glued):,} characters); skipped", f"line {tn}")
            )
            i += 3
            continue
        split = split_title_authors(glued)
        authors: list[str]
        if split is None:
            problems.append(
                problem(
                    source,
                    "could not separate the title from the author list; kept the whole line as the title",
                    f"line {tn}",
                )
            )
            title, authors, truncated = collapse_ws(glued), [], False
        else:
            title, authors, truncated = split
        if too_large := oversized(title, collapse_ws(abstract)):
            problems.append(problem(source, too_large, f"line {tn}"))
            i += 3
            continue
        end = head.end("year") if head.group("year") else head.end("day")
        date_text = line[head.start("month") : end]
        papers.append(
            make_paper(
                title,
                collapse_ws(abstract),
                source,
                authors,
                truncated,
                published=make_date(head.group("year"), head.group("month"), head.group("day")),
                date_text=date_text,
                category=head.group("cat"),
                has_code=bool(head.group("code")),
            )
        )
        i += 3
    return papers, problems


# ------------------------------------------------------------------------------------------------ daily
@dataclass
class _Entry:
    line: int
    title: str
    abstract: str | None = None
    author_count: int | None = None
    date_text: str | None = None
    date_parts: tuple[str | None, str | None, str | None] = (None, None, None)
    upvotes: int | None = None


def _looks_like_abstract(line: str) -> bool:
    """Abstracts are long prose; titles are short. Used only to recover from a missing line."""
    return len(line) >= 200 or (len(line.split()) >= 15 and line.rstrip().endswith((".", ")", "]")))


def _parse_daily(lines: list[tuple[int, str]], source: str) -> tuple[list[Paper], list[ParseProblem]]:
    entries: list[_Entry] = []
    problems: list[ParseProblem] = []
    current: _Entry | None = None
    in_chrome = True  # the page header; a bare day marker ('Jan 9') there is page chrome, not data

    def close() -> None:
        nonlocal current
        if current is not None:
            if current.abstract is None:
                problems.append(
                    problem(
                        source,
                        f"title without an abstract: {current.title[:60]!r}; skipped",
                        f"line {current.line}",
                    )
                )
            else:
                entries.append(current)
        current = None

    for idx, (n, line) in enumerate(lines):
        if line.casefold() in PAGE_CHROME:
            close()
            in_chrome = True
            continue
        if line in SEPARATOR:
            continue
        count = AUTHOR_COUNT.match(line)
        if count:
            if current is not None and current.abstract is not None and current.author_count is None:
                current.author_count = int(count.group("n"))
            else:
                problems.append(problem(source, "author count outside a paper entry; ignored", f"line {n}"))
            continue
        dated = DATE_LINE.match(line)
        if dated:
            if current is not None and current.abstract is not None and current.date_text is None:
                current.date_text = dated.group("date")
                current.date_parts = (dated.group("year"), dated.group("month"), dated.group("day"))
                current.upvotes = int(dated.group("upvotes")) if dated.group("upvotes") else None
            elif not in_chrome:
                problems.append(problem(source, "date line outside a paper entry; ignored", f"line {n}"))
            continue
        in_chrome = False
        if current is None or current.abstract is not None:
            close()
            if len(line) > 400:
                problems.append(problem(source, "abstract without a title line; skipped", f"line {n}"))
                continue
            current = _Entry(line=n, title=collapse_ws(line))
            continue
        # current has a title and waits for its abstract. If this line is title-like and the next one is
        # the abstract, the current title lost its abstract: report it and start over with this line.
        nxt = lines[idx + 1][1] if idx + 1 < len(lines) else ""
        if not _looks_like_abstract(line) and _looks_like_abstract(nxt):
            close()
            current = _Entry(line=n, title=collapse_ws(line))
            continue
        current.abstract = collapse_ws(line)
    close()

    kept = []
    for e in entries:
        if too_large := oversized(e.title, e.abstract or ""):
            problems.append(problem(source, too_large, f"line {e.line}"))
        else:
            kept.append(e)
    papers = [
        Paper(
            id=paper_id(e.title),
            title=e.title,
            abstract=e.abstract or "",
            author_count=e.author_count,
            published=make_date(e.date_parts[0], e.date_parts[1], e.date_parts[2]),
            date_text=e.date_text,
            upvotes=e.upvotes,
            sources=[source],
        )
        for e in kept
    ]
    return papers, problems


def parse_listing(text: str, source: str) -> tuple[list[Paper], list[ParseProblem]]:
    """Parse either listing layout; an unrecognised text gives one problem and no papers."""
    layout = detect_layout(text)
    lines = _lines(text)
    if layout == "profile":
        papers, problems = _parse_profile(lines, source)
    elif layout == "daily":
        papers, problems = _parse_daily(lines, source)
    else:
        return [], [problem(source, "no paper listing recognised in this text (unknown layout); skipped")]
    if not papers:
        problems.append(problem(source, f"no paper recognised in this {layout} listing; skipped"))
    return papers, problems
