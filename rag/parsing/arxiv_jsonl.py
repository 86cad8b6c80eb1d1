"""JSON Lines in the arXiv metadata-snapshot schema (the Kaggle ``arxiv-metadata-oai-snapshot`` file).

One object per line with ``id``, ``title``, ``authors`` ("A, B and C"; ``authors_parsed`` is used when
present because it is already split), ``abstract``, ``categories`` and ``update_date``. A bad line is
reported by number and the rest of the file is still used. A ``.json`` file holding one object or a
list of objects is accepted too.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rag.models import Paper, ParseProblem
from rag.parsing.common import collapse_ws, make_date, make_paper, oversized, problem

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_AND = re.compile(r"\s*,?\s+and\s+|\s*,\s*", re.IGNORECASE)
_PARENS = re.compile(r"\([^()]*\)")


def category_group(categories: str | None) -> str | None:
    """'cs.LG stat.ML' -> 'LG': the short group of the first (primary) category.

    'cs.CV' -> 'CV', 'stat.ML' -> 'ML', 'math.OC' -> 'OC'; an archive without subject class such as
    'hep-th' is kept as is.
    """
    first = (categories or "").split()
    if not first:
        return None
    cat = first[0]
    if "." in cat:
        return cat.split(".", 1)[1].upper() or cat
    return cat


def split_authors(authors: str) -> tuple[list[str], bool]:
    """'A, B and C' -> ['A', 'B', 'C']; affiliations in parentheses are dropped; 'et al.' marks truncation."""
    text = collapse_ws(_PARENS.sub(" ", authors or ""))
    truncated = False
    m = re.search(r",?\s+(et\s+al\.?|and\s+others)$", text, re.IGNORECASE)
    if m:
        truncated = True
        text = text[: m.start()]
    names = [collapse_ws(n) for n in _AND.split(text)]
    return [n for n in names if n], truncated


def _authors_from_parsed(parsed: Any) -> list[str] | None:
    """[[last, first, suffix], ...] -> ['First Last Suffix', ...]; None if not in that shape."""
    if not isinstance(parsed, list) or not parsed:
        return None
    names = []
    for item in parsed:
        if not isinstance(item, list) or not item or not all(isinstance(x, str) for x in item):
            return None
        last, first, suffix = (item + ["", ""])[:3]
        name = collapse_ws(" ".join(p for p in (first, last, suffix) if p))
        if name:
            names.append(name)
    return names or None


def record_to_paper(obj: dict[str, Any], source: str) -> Paper | str:
    """One snapshot record -> Paper, or a one-line reason why it cannot be used."""
    title = collapse_ws(str(obj.get("title") or ""))
    abstract = collapse_ws(str(obj.get("abstract") or ""))
    if not title:
        return "no title; skipped"
    if not abstract:
        return "no abstract; skipped"
    if too_large := oversized(title, abstract):
        return too_large
    truncated = False
    authors = _authors_from_parsed(obj.get("authors_parsed"))
    if authors is None:
        authors, truncated = split_authors(str(obj.get("authors") or ""))
    date_text = collapse_ws(str(obj.get("update_date") or "")) or None
    published = None
    if date_text and (m := _ISO_DATE.match(date_text)):
        published = make_date(m.group(1), int(m.group(2)), m.group(3))
    arxiv_id = collapse_ws(str(obj.get("id") or "")) or None
    return make_paper(
        title,
        abstract,
        source,
        authors,
        truncated,
        published=published,
        date_text=date_text,
        category=category_group(
            collapse_ws(obj["categories"]) if isinstance(obj.get("categories"), str) else None
        ),
        external_id=arxiv_id,
    )


def _records(text: str) -> list[tuple[str, Any]]:
    """(entry label, decoded value) pairs; malformed lines are returned as ``_Malformed``.

    The whole text is tried first so a pretty-printed ``.json`` object or array also works; otherwise
    it is read as JSON Lines, one object per line.
    """
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, list):
        return [(f"item {i}", v) for i, v in enumerate(whole, start=1)]
    if isinstance(whole, dict):
        first = next(n for n, line in enumerate(text.splitlines(), start=1) if line.strip())
        return [(f"line {first}", whole)]
    out: list[tuple[str, Any]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((f"line {n}", json.loads(line)))
        except json.JSONDecodeError as exc:
            out.append((f"line {n}", _Malformed(exc.msg)))
    return out


class _Malformed:
    def __init__(self, reason: str) -> None:
        self.reason = reason


def parse_arxiv_jsonl(text: str, source: str) -> tuple[list[Paper], list[ParseProblem]]:
    """Parse every record; malformed lines and unusable records become problems naming the line."""
    papers: list[Paper] = []
    problems: list[ParseProblem] = []
    for label, value in _records(text):
        if isinstance(value, _Malformed):
            problems.append(problem(source, f"malformed JSON ({value.reason}); skipped", label))
            continue
        if not isinstance(value, dict):
            problems.append(problem(source, "not a JSON object; skipped", label))
            continue
        result = record_to_paper(value, source)
        if isinstance(result, str):
            problems.append(problem(source, result, label))
        else:
            papers.append(result)
    return papers, problems
