"""Follow-up questions: filters stated in words, narrowing to the previous answer, standalone questions.

Pure functions, no model: every backend gets the same narrowing ("of those, which are from 2025?" searches
only the papers the previous answer cited) and the same filters read from the question ("since 2024",
"CV papers", "by Juno Kim"). LLM backends additionally rewrite the follow-up with the condense prompt.
"""

from __future__ import annotations

import re

from pydantic import Field

from rag.models import Record, SearchFilters, Turn
from rag.parsing.common import MONTH_NAMES

_YEAR = r"((?:19|20)\d\d)"
_MONTH = r"(?:(" + "|".join(m.capitalize() for m in MONTH_NAMES) + r")\s+)?"
_RANGE = re.compile(
    rf"\b(?:between|from)\s+{_YEAR}\s+(?:and|to|until|through)\s+{_YEAR}\b"
    rf"|\b(?:from\s+)?{_YEAR}\s*(?:-|–|to)\s*{_YEAR}\b",
    re.I,
)
_FROM_ON = re.compile(rf"\bfrom\s+{_YEAR}\s+(?:on(?:wards?)?|or\s+later)\b", re.I)
_SINCE = re.compile(rf"\b(since|after|starting(?:\s+in)?)\s+{_YEAR}\b", re.I)
_BEFORE = re.compile(rf"\b(before|until|through|up\s+to|prior\s+to|no\s+later\s+than)\s+{_YEAR}\b", re.I)
_IN_YEAR = re.compile(
    rf"\b(?:in|of|from|for|about|during|dated|published\s+in|listed\s+in|appeared\s+in|from\s+the\s+year)\s+"
    rf"{_MONTH}{_YEAR}\b|\b{_YEAR}(?=\s+(?:papers?|ones?|works?|articles?|studies)\b)|^\s*(?:and\s+)?{_YEAR}\s*\??\s*$",
    re.I,
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# arXiv groups as the listings name them; bare codes only where they cannot be an ordinary word
_CATEGORY_NAMES = {
    "computer vision": "CV",
    "machine learning": "LG",
    "statistical machine learning": "ML",
    "statistics": "ML",
    "computation and language": "CL",
    "natural language processing": "CL",
    "nlp": "CL",
    "artificial intelligence": "AI",
}
_CODE = re.compile(
    r"\b(?:cs\.|stat\.)?(CV|LG|CL)\b|\b(?:cs\.|stat\.)(AI|ML)\b"
    r"|\b(AI|ML)(?=\s+(?:group|category|section|listing|papers))|\b(?:in|under)\s+(?:the\s+)?(AI|ML)\b"
)
_NAMES = "|".join(sorted(_CATEGORY_NAMES, key=len, reverse=True))
_NAMED = re.compile(
    rf"\b(?:(?:in|under|from|within)\s+(?:the\s+)?)?({_NAMES})(\s*\((?:CV|LG|ML|CL|AI)\))?"
    r"\s+(group|category|section|papers?|ones|articles)\b",
    re.I,
)

_NAME = r"((?:[A-Z][\w'’\-]+|[A-Z]\.)(?:\s+(?:[A-Z][\w'’\-]+|[A-Z]\.)){1,3})"
_AUTHOR = re.compile(
    rf"\b(?:(?:written|authored|co-?authored)\s+)?by\s+{_NAME}|{_NAME}['’]s\s+(?:papers?|work)"
    rf"|\b(?:did|has|have)\s+{_NAME}\s+(?:co-?)?(?:author|write|wr[io]te|publish)"
    rf"|\b(?:list|lists|listing|with)\s+{_NAME}\s+as\s+(?:an?\s+)?(?:co-?)?author|\bauthor(?:ed)?\s+{_NAME}"
)

_PLURAL_REF = re.compile(
    r"\b(those|these|them|they|their|theirs|among\s+which|of\s+which|the\s+above|the\s+same\s+papers"
    r"|the\s+(?:cited|listed|previous)\s+(?:papers|ones)|which\s+of\s+them)\b",
    re.I,
)
_SINGULAR_REF = re.compile(
    r"\b(it|its|this\s+(?:one|paper|work|study)|that\s+(?:one|paper|work|study)"
    r"|the\s+(?:first|second|third|last|latter|former)\s+(?:one|paper)?)\b",
    re.I,
)
_CONTINUATION = re.compile(
    r"^\s*(and|also|what\s+about|how\s+about|only|just|but|same|now|ok(?:ay)?|then)\b", re.I
)

# words that say which papers, not what about: a question made only of these and filters is a listing
_META_WORDS = _words(
    "which what who whom when where how is are was were do does did the a an of in on from to and or "
    "any all papers paper works work articles article ones one studies study listed list show shows "
    "give me collection group category section arxiv dated date dates published appeared appear "
    "written wrote write authored author authors co-author co-authored by as there that have has "
    "with within under only just also please tell year years about those these them they their its "
    "it this same previous above among cited now ok okay then but other"
)


class ResolvedQuestion(Record):
    """What to search for, within which papers, after reading the question against the conversation."""

    question: str = Field(description="The question as asked (after trimming).")
    search_query: str = Field(description="Standalone text to retrieve with.")
    filters: SearchFilters | None = None
    stated: SearchFilters = Field(default_factory=SearchFilters, description="Filters read from the text.")
    followup: bool = False
    narrowed: bool = Field(False, description="Restricted to the papers the previous answer cited.")
    listing: bool = Field(False, description="Only filters, no topic: list every matching paper.")
    month: int | None = Field(None, description="Month stated with the year ('November 2025'), for listings.")


def extract_filters(question: str) -> tuple[SearchFilters, str]:
    """Filters stated in the question, and the question with those phrases removed."""
    filters, _, rest = _extract(question)
    return filters, rest


def stated_month(question: str) -> int | None:
    """'dated November 2025' -> 11 (SearchFilters has years only; listings narrow by month themselves)."""
    return _extract(question)[1]


def _extract(question: str) -> tuple[SearchFilters, int | None, str]:
    found: dict[str, object] = {}
    month: int | None = None
    rest = question

    def cut(match: re.Match[str], keep: str = "") -> None:
        nonlocal rest
        rest = rest[: match.start()] + f" {keep} " + rest[match.end() :]

    if m := _RANGE.search(rest):
        years = sorted(int(y) for y in m.groups() if y)
        found.update(year_from=years[0], year_to=years[-1])
        cut(m)
    else:
        if m := _SINCE.search(rest) or _FROM_ON.search(rest):
            year = int(m.groups()[-1])
            found["year_from"] = year + 1 if m.group(0).lower().startswith("after") else year
            cut(m)
        if m := _BEFORE.search(rest):
            year = int(m.group(2))
            found["year_to"] = year - 1 if m.group(1).lower() in ("before", "prior to") else year
            cut(m)
        if not found and (m := _IN_YEAR.search(rest)):
            groups = [g for g in m.groups() if g]
            year = int(groups[-1])
            if len(groups) == 2:
                month = MONTH_NAMES.index(groups[0].lower()) + 1
            found.update(year_from=year, year_to=year)
            cut(m)
    if m := _NAMED.search(rest):
        found["category"] = _CATEGORY_NAMES[m.group(1).lower()]
        cut(m, m.group(3) if m.group(3).lower().startswith(("paper", "article", "one")) else "")
    elif m := _CODE.search(rest):
        found["category"] = next(g for g in m.groups() if g)
        cut(m)
    if "category" in found:  # "the CV (computer vision) group": the spelled-out name is no topic either
        rest = re.sub(rf"\(?\b(?:{_NAMES})\b\)?", " ", rest, flags=re.I)
    if m := _AUTHOR.search(rest):
        found["author"] = next(g for g in m.groups() if g)
        cut(m)
    rest = re.sub(r"\(\s*\)", " ", rest)
    return SearchFilters(**found), month, " ".join(rest.split())


def merge_filters(*parts: SearchFilters | None) -> SearchFilters | None:
    """Intersection of all constraints: the narrowest year range, earlier parts win on category/author."""
    merged: dict[str, object] = {}
    for part in parts:
        if part is None:
            continue
        for key, value in part.model_dump().items():
            if value in (None, [], ""):
                continue
            if key not in merged:
                merged[key] = value
            elif key == "year_from":
                merged[key] = max(merged[key], value)  # type: ignore[call-overload]
            elif key == "year_to":
                merged[key] = min(merged[key], value)  # type: ignore[call-overload]
            elif key == "paper_ids":
                merged[key] = [p for p in merged[key] if p in value]  # type: ignore[attr-defined]
    result = SearchFilters(**merged)
    return None if result.is_empty() and "paper_ids" not in merged else result


def has_topic(text: str) -> bool:
    """Does anything remain besides question words, metadata words and filler?"""
    words = re.findall(r"[A-Za-z][\w\-]*", text.lower())
    return any(w not in _META_WORDS and len(w) > 1 for w in words)


def is_followup(question: str, history: list[Turn] | None) -> bool:
    """Does the question lean on the conversation (pronouns, 'what about ...', a bare filter)?"""
    if not history:
        return False
    if _PLURAL_REF.search(question) or _SINGULAR_REF.search(question) or _CONTINUATION.search(question):
        return True
    _, rest = extract_filters(question)
    return not has_topic(rest)


def previous_citations(history: list[Turn] | None) -> list[str]:
    """Paper ids the last answer cited (the papers 'those' refers to)."""
    if not history:
        return []
    answer = history[-1].answer
    return list(dict.fromkeys(c.paper_id for c in answer.citations))


def previous_question(history: list[Turn]) -> str:
    last = history[-1]
    return last.answer.standalone_question or last.question


def refers_back(question: str) -> bool:
    return bool(_PLURAL_REF.search(question) or _SINGULAR_REF.search(question))


def resolve(
    question: str, history: list[Turn] | None = None, filters: SearchFilters | None = None
) -> ResolvedQuestion:
    """Read the question against the conversation: search text, merged filters, narrowing, listing."""
    stated, month, rest = _extract(question)
    followup = is_followup(question, history)
    topic = _strip_references(rest) if followup else rest
    narrowed, search_query, narrowing = False, question, None
    if followup and history:
        cited = previous_citations(history)
        if cited and refers_back(question):
            narrowed, narrowing = True, SearchFilters(paper_ids=cited)
        # "of those, which are from 2025?" / "what about 2023?" have no topic of their own
        search_query = topic if has_topic(topic) else previous_question(history)
    merged = merge_filters(filters, stated, narrowing)
    topicless = not has_topic(topic) and not (followup and not narrowed)
    listing = merged is not None and not merged.is_empty() and topicless
    return ResolvedQuestion(
        question=question,
        search_query=search_query,
        filters=merged,
        stated=stated,
        followup=followup,
        narrowed=narrowed,
        listing=listing,
        month=month,
    )


def _strip_references(text: str) -> str:
    text = _PLURAL_REF.sub(" ", text)
    text = _SINGULAR_REF.sub(" ", text)
    text = _CONTINUATION.sub(" ", text)
    return " ".join(text.split())


def history_text(history: list[Turn], turns: int = 3, answer_chars: int = 400) -> str:
    """The last turns, compactly, for the condense prompt (answers cut: the question matters most)."""
    lines = []
    for turn in history[-turns:]:
        answer = " ".join(turn.answer.text.split())
        if len(answer) > answer_chars:
            answer = answer[: answer_chars - 1] + "…"
        lines.append(f"User: {turn.question}\nAssistant: {answer}")
    return "\n".join(lines)


_QUESTION_START = re.compile(
    r"^(which|what|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|could|"
    r"should|would|will|has|have|had|list|name|find|show|give|compare|tell)\b",
    re.I,
)


def accept_condensed(candidate: str, question: str, limit: int = 400) -> str | None:
    """A model's standalone question, or None when unusable (empty, rambling, markup, not a question)."""
    text = " ".join(candidate.strip().strip('"').split())
    text = re.sub(
        r"^(standalone question|rewritten question|question|rewritten)\s*:\s*", "", text, flags=re.I
    )
    if not text or len(text) > max(limit, 3 * len(question)) or re.search(r"[<>\[\]{}]", text):
        return None
    if not (text.endswith("?") or _QUESTION_START.match(text)) or not re.search(r"[A-Za-z]{3}", text):
        return None
    return text
