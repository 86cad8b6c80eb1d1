"""Questions about one paper's listing: its authors, author count, date, group or upvotes.

"How many upvotes does the Kolmogorov-Arnold Attention listing show?" names one paper and asks for a field
of its catalog entry. Such a field is read from the catalog, never from an abstract sentence or a model, and
the answer cites exactly that one paper. The caller finds the paper by searching for the reference the
question makes ("the Kolmogorov-Arnold Attention listing") and decides whether the best hit is close enough.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from rag.answering.extractive import Composition
from rag.answering.prompts import sanitize
from rag.collection.execute import exact_author_count
from rag.models import Paper, Record, Source

PaperField = Literal["authors", "author_count", "date", "category", "upvotes"]


def _compiled(*table: tuple[str, PaperField]) -> tuple[tuple[re.Pattern[str], PaperField], ...]:
    return tuple((re.compile(pattern, re.I), field) for pattern, field in table)


# the question's lead names the field and the paper: group "ref" is what to search for
_LEADS: tuple[tuple[re.Pattern[str], PaperField], ...] = _compiled(
    (
        r"^how\s+many\s+(?:authors|co-?authors|people|researchers)\s+(?:does|did|do)\s+(?P<ref>.+?)\s+"
        r"(?:have|has|list|lists|show|shows|name|names|state|states)\b",
        "author_count",
    ),
    (
        r"^how\s+many\s+(?:up-?votes|votes|likes)\s+(?:does|did|do)\s+(?P<ref>.+?)\s+"
        r"(?:have|has|show|shows|get|gets|got|receive|received|list|lists|carry|carries)\b",
        "upvotes",
    ),
    (r"^who\s+(?:are|were|is)\s+the\s+(?:authors?|co-?authors?)\s+of\s+(?P<ref>.+)$", "authors"),
    (r"^who\s+(?:wrote|authored|co-?authored|published)\s+(?P<ref>.+)$", "authors"),
    (
        r"^when\s+(?:was|were|is)\s+(?P<ref>.+?)\s+(?:listed|posted|published|dated|released|submitted|"
        r"added|written|put\s+online)\b",
        "date",
    ),
    (
        r"^(?:what|which)\s+(?:is\s+the\s+)?date\s+(?:does|did|is|was)\s+(?P<ref>.+?)(?:\s+have|\s+show)?$",
        "date",
    ),
    (
        r"^(?:what|which)\s+(?:arxiv\s+)?(?:group|category)\s+(?:is|was|does)\s+(?P<ref>.+?)\s+"
        r"(?:in|listed\s+(?:in|under)|filed\s+under|belong\s+to|under)\b",
        "category",
    ),
)
# further fields asked in the same question: "... have, and in which year was it listed?"
_ALSO: tuple[tuple[re.Pattern[str], PaperField], ...] = _compiled(
    (r"\b(?:which|what)\s+(?:year|month|date)\b|\bwhen\b", "date"),
    (r"\bhow\s+many\s+(?:authors|co-?authors)\b", "author_count"),
    (r"\bwho\b.*\bauthors?\b|\bwho\s+(?:wrote|authored)\b", "authors"),
    (r"\bhow\s+many\s+(?:up-?votes|votes)\b", "upvotes"),
    (r"\b(?:which|what)\s+(?:arxiv\s+)?(?:group|category)\b", "category"),
)
# words of the reference that say "a paper", not which one
_SCAFFOLD = re.compile(r"^(?:the\s+)?|\s+(?:paper|listing|work|article|preprint|entry)$", re.I)


class FieldQuestion(Record):
    """Which fields of one paper's listing a question asks for, and how it names the paper."""

    fields: list[PaperField] = Field(description="Fields asked for, in the question's order.")
    reference: str = Field(description="How the question names the paper: what to search for.")


def parse_field_question(question: str) -> FieldQuestion | None:
    """The fields and the paper reference of a one-paper metadata question; None for any other question."""
    text = " ".join(question.split()).rstrip("?.! ")
    lead = next(((m, f) for pattern, f in _LEADS if (m := pattern.search(text))), None)
    if lead is None:
        return None
    match, first = lead
    reference = re.split(
        r",?\s+and\s+(?:in\s+)?(?:which|what|when|who|how)\b", match.group("ref"), maxsplit=1
    )[0]
    reference = _SCAFFOLD.sub("", reference.strip(" ,;")).strip()
    if len(re.findall(r"[A-Za-z0-9]{2,}", reference)) < 1:
        return None
    fields: list[PaperField] = [first]
    rest = text[match.end("ref") :]
    for pattern, field in _ALSO:
        if field not in fields and pattern.search(rest):
            fields.append(field)
    return FieldQuestion(fields=fields, reference=reference)


def compose_field_answer(asked: FieldQuestion, paper: Paper) -> Composition:
    """'**Title**: 8 authors; dated Oct 9, 2023. [1]': each field from the catalog, or what it lacks."""
    parts = [_field_text(field, paper) for field in asked.fields]
    label = f"**{sanitize(paper.title)}**"
    text = f"{label}: {'; '.join(parts)}. [1]"
    return Composition(text=text, sources=[Source(n=1, paper_id=paper.id, title=paper.title, evidence=[])])


def _field_text(field: PaperField, paper: Paper) -> str:
    if field == "author_count":
        count = exact_author_count(paper)
        if count is None:
            known = f" (it names {len(paper.authors)} before “et al.”)" if paper.authors else ""
            return f"the listing does not state its number of authors{known}"
        return f"{count} author{'s' if count != 1 else ''}" + (
            f" ({sanitize(', '.join(paper.authors))})"
            if paper.authors and not paper.authors_truncated
            else ""
        )
    if field == "authors":
        if not paper.authors:
            return "the listing names no authors"
        names = sanitize(", ".join(paper.authors))
        return f"by {names}" + (
            " et al. (the listing cuts the list short)" if paper.authors_truncated else ""
        )
    if field == "date":
        return f"dated {sanitize(paper.date_text)}" if paper.date_text else "the listing gives no date"
    if field == "category":
        return (
            f"listed in the {paper.category} group" if paper.category else "the listing gives no arXiv group"
        )
    if paper.upvotes is None:
        return "the listing shows no upvote count"
    return f"{paper.upvotes} upvote{'s' if paper.upvotes != 1 else ''}"
