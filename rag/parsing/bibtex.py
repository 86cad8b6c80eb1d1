"""BibTeX files whose entries carry an ``abstract`` field (bibtexparser; v1 API, v2 also understood).

Only what a paper record needs is taken: title, abstract, authors, date, arXiv class. LaTeX is
stripped just enough for the text to read and search well (accents, braces, a few text macros);
math in ``$...$`` is left alone. Entries without an abstract or title are reported by key.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import bibtexparser

from rag.models import Paper, ParseProblem
from rag.parsing.arxiv_jsonl import category_group
from rag.parsing.common import (
    MONTH_NAMES,
    collapse_ws,
    make_date,
    make_paper,
    month_number,
    oversized,
    problem,
)

_ACCENTS = {
    "`": "\u0300",
    "'": "\u0301",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
_SYMBOL_ACCENT = re.compile(r"\\([`'^\"~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))")
_LETTER_ACCENT = re.compile(r"\\([uvHckrdb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+(\\?[A-Za-z]))")
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "aa": "å",
    "AA": "Å",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
}
_LETTER_MACRO = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i|j)(?![A-Za-z])\s*(?:\{\s*\})?")
_TEXT_MACRO = re.compile(r"\\(?:emph|textit|textbf|texttt|textsc|textrm|textsf|text|mbox)\s*\{([^{}]*)\}")
_ESCAPED = re.compile(r"\\([&%_#$])")
_MONTH_ABBR = [name[:3].capitalize() for name in MONTH_NAMES]
_SKIP_TYPES = {"string", "comment", "preamble"}
_ENTRY_HEAD = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]*)", re.MULTILINE)


def _accent(match: re.Match[str]) -> str:
    letter = match.group(2) or match.group(3)
    if letter.startswith("\\"):  # \'{\i} -> í
        letter = {"\\i": "i", "\\j": "j"}.get(letter, letter[1:])
    return unicodedata.normalize("NFC", letter + _ACCENTS[match.group(1)])


def clean_latex(text: str) -> str:
    """'Fr{\\'e}chet \\emph{nets} --- {GAN}s' -> 'Fréchet nets --- GANs' (minimal, meant for reading)."""
    if not text:
        return ""
    out = _SYMBOL_ACCENT.sub(_accent, text)
    out = _LETTER_ACCENT.sub(_accent, out)
    out = _LETTER_MACRO.sub(lambda m: _LETTERS[m.group(1)], out)
    for _ in range(3):  # nested \emph{\textbf{x}}
        out = _TEXT_MACRO.sub(r"\1", out)
    out = _ESCAPED.sub(r"\1", out)
    out = out.replace("\\\\", " ").replace("~", " ").replace("{", "").replace("}", "")
    return collapse_ws(unicodedata.normalize("NFC", out))


def _split_top_level_and(text: str) -> list[str]:
    """Split an author field on ' and ' outside braces ('{Barnes and Noble}' stays one name)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and (m := re.match(r"\s+and\s+", text[i:], re.IGNORECASE)) and i > start:
            parts.append(text[start:i])
            i += m.end()
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def bibtex_authors(field: str) -> tuple[list[str], bool]:
    """'Kim, Juno and Taiji Suzuki and others' -> (['Juno Kim', 'Taiji Suzuki'], True)."""
    names: list[str] = []
    truncated = False
    for raw in _split_top_level_and(collapse_ws(field or "")):
        if raw.strip().casefold() == "others":
            truncated = True
            continue
        pieces = [p.strip() for p in raw.split(",")]
        if len(pieces) == 2:  # Last, First
            raw = f"{pieces[1]} {pieces[0]}"
        elif len(pieces) >= 3:  # Last, Jr, First
            raw = f"{pieces[2]} {pieces[0]} {pieces[1]}"
        name = clean_latex(raw)
        if name:
            names.append(name)
    return names, truncated


def _date(entry: dict[str, str]) -> tuple[date | None, str | None]:
    """published only when year, month and day are all given; date_text spells what was given."""
    year = collapse_ws(entry.get("year", "")) or None
    month_raw = clean_latex(entry.get("month", "")) or None
    day = collapse_ws(entry.get("day", "")) or None
    month = month_number(month_raw) if month_raw else None
    published = make_date(year, month, day)
    if not year:
        return None, None
    month_text = _MONTH_ABBR[month - 1] if month else month_raw
    if month_text and day:
        return published, f"{month_text} {day}, {year}"
    if month_text:
        return published, f"{month_text} {year}"
    return published, year


def _key_of(raw: str) -> str | None:
    m = _ENTRY_HEAD.search(raw or "")
    return m.group(2) if m and m.group(2) else None


def _load(text: str) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """Entries as v1-style dicts (lower-case field names, 'ID', 'ENTRYTYPE') and (entry, reason) failures.

    The project pins bibtexparser v1 (``loads`` + ``BibTexParser``), but an environment may carry v2, whose
    API differs (``parse_string``, ``failed_blocks``); both are mapped to the same shape here.
    """
    if hasattr(bibtexparser, "parse_string"):  # bibtexparser 2.x
        library = bibtexparser.parse_string(text)
        entries = [
            {"ID": e.key, "ENTRYTYPE": e.entry_type, **{f.key.lower(): str(f.value) for f in e.fields}}
            for e in library.entries
        ]
        failures = []
        for block in library.failed_blocks:
            duplicate = type(block).__name__ == "DuplicateBlockKeyBlock"
            key = getattr(block, "key", None) or _key_of(getattr(block, "raw", ""))
            where = key or f"line {getattr(block, 'start_line', 0) + 1}"
            failures.append(
                (where, "duplicate entry key; skipped" if duplicate else "malformed BibTeX entry; skipped")
            )
        return entries, failures
    from bibtexparser.bparser import BibTexParser  # bibtexparser 1.x

    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    return list(bibtexparser.loads(text, parser=parser).entries), []


def parse_bibtex(text: str, source: str) -> tuple[list[Paper], list[ParseProblem]]:
    """Parse all entries; every entry that cannot become a paper is one problem naming its key."""
    papers: list[Paper] = []
    problems: list[ParseProblem] = []
    try:
        entries, failures = _load(text)
    except Exception as exc:  # bibtexparser/pyparsing raise assorted errors on broken input
        return [], [problem(source, f"malformed BibTeX ({type(exc).__name__}); skipped")]
    problems.extend(problem(source, reason, where) for where, reason in failures)
    seen = {where for where, _ in failures}
    for entry in entries:
        raw_key = entry.get("ID") or "?"
        seen.add(raw_key)
        key = collapse_ws(raw_key) or "?"
        title = clean_latex(entry.get("title", ""))
        abstract = clean_latex(entry.get("abstract", ""))
        if not title:
            problems.append(problem(source, "no title; skipped", key))
            continue
        if not abstract:
            problems.append(problem(source, "no abstract; skipped", key))
            continue
        if too_large := oversized(title, abstract):
            problems.append(problem(source, too_large, key))
            continue
        authors, truncated = bibtex_authors(entry.get("author", ""))
        published, date_text = _date(entry)
        primary = collapse_ws(entry.get("primaryclass") or entry.get("eprintclass") or "")
        papers.append(
            make_paper(
                title,
                abstract,
                source,
                authors,
                truncated,
                published=published,
                date_text=date_text,
                category=category_group(primary) if primary else None,
                external_id=key if key != "?" else None,
            )
        )
    # bibtexparser v1 silently drops entries it cannot parse; name them so they are not lost unnoticed.
    for etype, key in _ENTRY_HEAD.findall(text):
        if etype.casefold() not in _SKIP_TYPES and key and key not in seen:
            problems.append(problem(source, "malformed BibTeX entry; skipped", key))
            seen.add(key)
    return papers, problems
