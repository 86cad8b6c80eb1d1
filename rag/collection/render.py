"""A metadata answer in markdown: the query it ran, the computed number, every matching paper cited.

Nothing here is generated: counts, extremes and groups come from ``run_query``; every listed paper gets a
[n] marker and a Source; papers that could not be judged are stated with the reason ("4 papers have no
author count in their listing"). Short results are bullets in the style of ``compose_listing``; long
ones a table, one [n] per row, so a 60-paper answer stays scannable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from rag.answering.extractive import Composition
from rag.answering.prompts import sanitize
from rag.collection.execute import CollectionResult, exact_author_count
from rag.collection.query import CollectionQuery
from rag.models import Distribution, GroupCount, Paper, Source

TABLE_FROM = 13  # rows; fewer are bullets
MAX_ROWS = 200  # cited papers; the rest are counted, with the command that lists them all

# why a paper could not be judged, said of several papers and of one
_MISSING = {
    "date": ("have no date with a year in their listing", "has no date with a year in its listing"),
    "category": ("have no arXiv group in their listing", "has no arXiv group in its listing"),
    "authors": (
        "have no author list, or one cut short by “et al.” without the name",
        "has no author list, or one cut short by “et al.” without the name",
    ),
    "author_count": ("have no author count in their listing", "has no author count in its listing"),
    "upvotes": ("show no upvote count", "shows no upvote count"),
    "code": ("do not say whether code is available", "does not say whether code is available"),
}
_MEASURE_UNIT = {"author_count": "authors", "upvotes": "upvotes"}


def compose_collection_answer(
    query: CollectionQuery,
    result: CollectionResult,
    papers: Mapping[str, Paper] | Iterable[Paper],
    max_rows: int = MAX_ROWS,
) -> Composition:
    """Markdown text stating the query and its computed answer, citing every matching paper."""
    by_id = papers if isinstance(papers, Mapping) else {p.id: p for p in papers}
    title = _sentence(query.describe())
    shown = [by_id[pid] for pid in result.paper_ids if pid in by_id][:max_rows]
    numbers = {p.id: n for n, p in enumerate(shown, start=1)}
    lines = [_headline(title, query, result)]
    if query.unused:
        lines.insert(0, not_understood_line(query))
    if query.aggregate == "group" and result.groups:
        lines += ["", *distribution_table(query, result), ""]
    unknown = unknown_line(result)
    if unknown:
        lines.append(unknown)
    if query.topic:
        lines.append(f"The topic (“{sanitize(query.topic)}”) was judged by search; the metadata exactly.")
    if not shown:
        return Composition(text="\n\n".join(lines))
    lines.append("")
    if query.aggregate == "group" and result.groups:
        for key, ids in result.groups.items():
            if query.group_by == "author" and key not in top_authors(query, result):
                continue  # an author below the cut: counted in the table, not listed
            rows = [by_id[pid] for pid in ids if pid in numbers]
            lines.append(f"**{key}** — {_papers(len(ids))}")
            lines += _rows(rows, numbers, query, table=len(shown) >= TABLE_FROM)
            lines.append("")
    else:
        lines += _rows(shown, numbers, query, table=len(shown) >= TABLE_FROM)
    hidden = len(result.paper_ids) - len(shown)
    if hidden > 0:
        lines.append(f"… and {hidden} more (`rag papers` lists them all).")
    sources = [Source(n=numbers[p.id], paper_id=p.id, title=p.title, evidence=[]) for p in shown]
    return Composition(text="\n".join(lines).rstrip(), sources=sources)


def _headline(title: str, query: CollectionQuery, result: CollectionResult) -> str:
    if query.aggregate in ("min", "max") and query.measure:
        if result.extreme is None:
            return f"{title}: no paper of the collection gives this."
        value = _value(result.extreme, query.measure)
        ties = len(result.paper_ids)
        tie = f" ({ties} papers tied)" if ties > 1 else ""
        return f"{title}: {value}{tie}."
    if query.aggregate == "group" and query.group_by == "author":
        top = [f"{sanitize(k)} ({_papers(len(v))})" for k, v in top_authors(query, result).items()]
        if not top:
            return f"{title}: no paper of the collection names its authors."
        if query.limit:
            return f"{_sentence(query.describe())}: {', '.join(top)}."
        return f"{title}: {len(result.groups)} authors, {result.matched} papers."
    if query.aggregate == "group":
        counts = "; ".join(f"{k}: {len(v)}" for k, v in result.groups.items())
        return f"{title}: {result.matched} in all" + (f" ({counts})." if counts else ".")
    if query.aggregate == "list" and query.limit and result.matched > query.limit:
        return f"{title}: {query.limit} shown of {result.matched}."
    if not result.matched:
        return f"{title}: 0 — no paper in the collection matches."
    return f"{title}: {result.matched}."


BAR_WIDTH = 24  # characters of the longest bar
TABLE_GROUPS = 15  # rows of an author table; the rest are summed up


def not_understood_line(query: CollectionQuery) -> str:
    """One line: what was not understood, and that the answer is only for the query stated after it."""
    words = ", ".join(f"“{sanitize(w)}”" for w in dict.fromkeys(query.unused))
    return (
        f"Part of the question was not understood ({words}); this answers only: {sanitize(query.describe())}."
    )


def top_authors(query: CollectionQuery, result: CollectionResult) -> dict[str, list[str]]:
    """The authors a group-by-author answer cites: the `limit` most frequent (ties kept), or all."""
    sizes = [len(ids) for ids in result.groups.values()]
    cut = sizes[query.limit - 1] if query.limit and len(sizes) >= query.limit else 0
    return {k: ids for k, ids in result.groups.items() if len(ids) >= cut}


def distribution_table(query: CollectionQuery, result: CollectionResult) -> list[str]:
    """Counts per group as a markdown table with a bar per row: the chart of a distribution."""
    by = query.group_by or "group"
    items = list(result.groups.items())
    shown = items[:TABLE_GROUPS] if by == "author" else items
    most = max((len(ids) for _, ids in shown), default=1)
    rows = [f"| {by.capitalize()} | Papers | |", "|---|---:|---|"]
    for key, ids in shown:
        bar = "█" * max(1, round(BAR_WIDTH * len(ids) / most))
        rows.append(f"| {_cell(key) or '–'} | {len(ids)} | {bar} |")
    if len(items) > len(shown):
        rest = items[len(shown) :]
        rows.append(f"| {len(rest)} more authors | {sum(len(ids) for _, ids in rest)} | |")
    return rows


def distribution_of(query: CollectionQuery, result: CollectionResult) -> Distribution | None:
    """The counts `distribution_table` shows, as a record the app draws as a chart; None without groups."""
    if query.aggregate != "group" or not query.group_by or not result.groups:
        return None
    items = list(result.groups.items())
    shown = items[:TABLE_GROUPS] if query.group_by == "author" else items
    counts = [GroupCount(key=key, papers=len(ids)) for key, ids in shown]
    return Distribution(by=query.group_by, groups=counts, total_groups=len(items))


def unknown_line(result: CollectionResult) -> str:
    """'4 papers could not be judged: 4 have no author count in their listing.' ('' when none)."""
    if not result.unknown:
        return ""
    reasons = "; ".join(f"{n} {_missing(field, n)}" for field, n in result.missing.items())
    many = result.unknown != 1
    overlap = " (some lack more than one)" if sum(result.missing.values()) > result.unknown else ""
    return (
        f"{result.unknown} paper{'s' if many else ''} could not be judged and {'are' if many else 'is'} "
        f"left out: {reasons}{overlap}."
    )


def _missing(field: str, n: int) -> str:
    several, one = _MISSING.get(field, (f"lack {field}", f"lacks {field}"))
    return one if n == 1 else several


def _value(value: object, measure: str) -> str:
    if isinstance(value, date):
        return f"{value:%b} {value.day}, {value.year}"
    return f"{value} {_MEASURE_UNIT.get(measure, '')}".strip()


def _rows(papers: list[Paper], numbers: dict[str, int], query: CollectionQuery, table: bool) -> list[str]:
    if not table:
        return [f"- {_bullet(p, query)} [{numbers[p.id]}]" for p in papers]
    show_votes = _about_upvotes(query)
    head = "| # | Title | Date | Group | Authors |" + (" Upvotes |" if show_votes else "")
    rule = "|---|---|---|---|---|" + ("---|" if show_votes else "")
    rows = [head, rule]
    for p in papers:
        cells = [
            f"[{numbers[p.id]}]",
            _cell(p.title),
            p.date_text or "–",
            p.category or "–",
            _cell(_authors(p, with_count=True)) or "–",
        ]
        if show_votes:
            cells.append("–" if p.upvotes is None else str(p.upvotes))
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _bullet(paper: Paper, query: CollectionQuery) -> str:
    label = f"**{sanitize(paper.title)}**" + (f" ({paper.date_text})" if paper.date_text else " (no date)")
    extra = [paper.category or "", _authors(paper, with_count=True)]
    if _about_upvotes(query) and paper.upvotes is not None:
        extra.append(f"{paper.upvotes} upvote{'s' if paper.upvotes != 1 else ''}")
    if paper.has_code:
        extra.append("code")
    details = "; ".join(x for x in extra if x)
    return label + (f" — {details}" if details else "")


def _authors(paper: Paper, with_count: bool) -> str:
    """'Juno Kim, Taiji Suzuki (2 authors)', 'A, B, C et al.', '8 authors' (count stated, names not)."""
    count = exact_author_count(paper)
    names = sanitize(", ".join(paper.authors[:3]))
    if paper.authors_truncated or len(paper.authors) > 3:
        names += " et al."
    counted = f"{count} author{'s' if count != 1 else ''}" if with_count and count else ""
    if names and counted:
        return f"{names} ({counted})"
    return names or counted


def _about_upvotes(query: CollectionQuery) -> bool:
    return query.min_upvotes is not None or query.sort == "upvotes" or query.measure == "upvotes"


def _cell(text: str) -> str:
    return sanitize(text).replace("|", "\\|")


def _papers(n: int) -> str:
    return f"{n} paper{'s' if n != 1 else ''}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
