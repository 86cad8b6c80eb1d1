"""Merge the papers of several parsed files into one record per paper.

The same paper is listed by several files, each with part of its metadata (one has the authors, another
the upvotes and the full date). Records are grouped by normalized title and their fields combined
without inventing anything: a value is only ever taken from some listing.
"""

from __future__ import annotations

from rag.models import Paper, ParsedFile
from rag.parsing.ids import normalize_title, paper_id


def _merge_group(group: list[Paper]) -> Paper:
    first = group[0]
    title = next((p.title for p in group if p.title.strip()), first.title)

    # Authors: the longest explicit list; on a tie a complete list beats an 'et al.' one.
    with_authors = [p for p in group if p.authors]
    best = max(with_authors, key=lambda p: (len(p.authors), not p.authors_truncated), default=None)
    authors = list(best.authors) if best else []
    truncated = best.authors_truncated if best else False

    # Parsers only set author_count from a stated "N authors" or a complete list, so any value is real;
    # the largest wins because a list can only under-count.
    counts = [p.author_count for p in group if p.author_count is not None]
    author_count = max(counts) if counts else None

    # Keep published and date_text from the same listing so the two always agree.
    dated = next((p for p in group if p.published is not None), None)
    if dated is not None:
        published, date_text = dated.published, dated.date_text
    else:
        published, date_text = None, next((p.date_text for p in group if p.date_text), None)

    upvotes = [p.upvotes for p in group if p.upvotes is not None]
    sources: list[str] = []
    for p in group:
        sources.extend(s for s in p.sources if s not in sources)

    return Paper(
        id=paper_id(title),
        title=title,
        abstract=max((p.abstract for p in group), key=len),
        authors=authors,
        authors_truncated=truncated,
        author_count=author_count,
        published=published,
        date_text=date_text,
        category=next((p.category for p in group if p.category), None),
        upvotes=max(upvotes) if upvotes else None,
        has_code=any(p.has_code for p in group),
        external_id=next((p.external_id for p in group if p.external_id), None),
        sources=sources,
    )


def merge_papers(parsed: list[ParsedFile]) -> list[Paper]:
    """One Paper per normalized title across all files (and within a file), sorted by id for stability.

    Within a group the files' order decides ties ("first non-empty value"), so callers pass files in a
    stable (sorted) order.
    """
    groups: dict[str, list[Paper]] = {}
    for pf in parsed:
        for paper in pf.papers:
            key = normalize_title(paper.title)
            if key:
                groups.setdefault(key, []).append(paper)
    return sorted((_merge_group(g) for g in groups.values()), key=lambda p: p.id)
