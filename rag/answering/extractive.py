"""Answers composed from the evidence itself, with no language model: instant, deterministic, always cited.

A list question ("which papers ...") gets one bullet per relevant paper: its title and the sentence of its
abstract that answers the question. A fact question leads with the single best sentence, then names the
other relevant papers. Every sentence shown is quoted from an abstract, so every citation is supported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from pydantic import Field

from rag.answering.evidence import (
    ANSWER_TYPE_MARGIN,
    Evidence,
    ScoredSentence,
    answer_type,
    content_terms,
    states_answer_type,
)
from rag.answering.prompts import sanitize
from rag.models import Paper, Record, SearchFilters, Source

_LIST_QUESTION = re.compile(
    r"^\s*(?:which|what|list|name|show|find|give\s+me)\s+(?:(?:of\s+)?(?:the\s+)?(?:\w+\s+){0,3}?)?"
    r"(?:papers|works|studies|articles|ones)\b|^\s*(?:are|is)\s+there\s+(?:any\s+)?(?:papers|works|studies)\b"
    r"|^\s*(?:list|name)\b|\bany\s+papers\b|^\s*(?:which|what)\s+(?:of\s+)?(?:them|those|these)\b",
    re.I,
)

_ASKS_AUTHORS = re.compile(r"\b(authors?|who\s+(wrote|are|is|wrote)|written\s+by|co-?authored)\b", re.I)

# list membership: near the best paper and good enough on its own (fit on eval/qa.jsonl's topic questions)
LIST_FLOOR, LIST_MARGIN, LIST_MAX = 0.35, 0.25, 10
JUDGED_LIST_MAX = 30  # papers judged to qualify are all listed, up to the screening pool
# fact answers: other papers named after the lead when this close to it
RELATED_MARGIN, RELATED_MAX = 0.15, 3
# fact answers: papers this close to the best sentence score are tied for the lead
LEAD_TIE = 0.05


class Composition(Record):
    text: str
    sources: list[Source] = Field(default_factory=list)


# "Which paper ...", "Is there a study ...": one paper is asked for, so the answer names one
_ONE_PAPER = re.compile(
    r"^\s*(?:which|what)\s+(?:single\s+|one\s+)?(?:paper|work|study|article|preprint)\b(?!s)"
    r"|^\s*(?:is|was)\s+there\s+(?:a|an|one)\s+(?:\w+\s+)?(?:paper|study|article|preprint)\b(?!s)"
    r"|^\s*(?:is|was)\s+there\s+(?:work|research)\b",
    re.I,
)


def asks_for_one_paper(question: str) -> bool:
    return bool(_ONE_PAPER.search(question))


def question_kind(question: str) -> str:
    """'list' for questions that ask for a set of papers, else 'fact'."""
    return "list" if _LIST_QUESTION.search(question) else "fact"


def relevant(
    evidence: list[Evidence], kind: str, limit: int = LIST_MAX, floor: float = LIST_FLOOR
) -> list[Evidence]:
    """The papers worth showing, best first: close to the best one and above an absolute floor."""
    if not evidence:
        return []
    ranked = sorted(evidence, key=lambda e: -lead_score(e))
    top = lead_score(ranked[0])
    margin = LIST_MARGIN if kind == "list" else RELATED_MARGIN
    keep = [e for e in ranked if lead_score(e) >= max(floor, top - margin)]
    return (keep or ranked[:1])[: limit if kind == "list" else RELATED_MAX + 1]


def lead_score(e: Evidence) -> float:
    return max(e.best, e.ranked[0].score if e.ranked else 0.0)


def _source(n: int, e: Evidence, evidence_sentences: int) -> Source:
    return Source(n=n, paper_id=e.paper.id, title=e.paper.title, evidence=e.chosen(evidence_sentences))


def _label(paper: Paper) -> str:
    return f"**{sanitize(paper.title)}**" + (f" ({paper.date_text})" if paper.date_text else "")


def _bullet(e: Evidence, n: int) -> str:
    return f"- {_label(e.paper)}: {_quote(e.ranked[0].text)} [{n}]"


def _quote(text: str) -> str:
    """An abstract sentence as answer text: a '[9]' inside it must not pass for a citation."""
    text = sanitize(text).strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def compose(
    question: str,
    evidence: list[Evidence],
    evidence_sentences: int = 2,
    kind: str | None = None,
    judged: bool = False,
    related: Sequence[Evidence] = (),
    lacks: Mapping[str, list[str]] | None = None,
) -> Composition:
    """The answer text and the sources it cites, numbered in order of appearance.

    `judged`: every paper of `evidence` was judged to meet the whole question, so a list names all of them
    in the given order (strongest first), and a fact answer needs no absolute floor. `related`: a list's
    tier 2, shown apart under "may also be relevant", each with the conditions it does not state (`lacks`).
    """
    kind = kind or question_kind(question)
    if judged and kind == "list":
        chosen = evidence[:JUDGED_LIST_MAX]
        if not chosen and related:
            return _compose_related(related, lacks or {}, evidence_sentences)
    else:
        chosen = relevant(evidence, kind, floor=0.0 if judged else LIST_FLOOR)
    if not chosen:
        return Composition(text="")
    if kind != "list":
        chosen = lead_first(question, evidence, chosen)
        if asks_for_one_paper(question):
            chosen = chosen[:1]
    sources = [_source(i, e, evidence_sentences) for i, e in enumerate(chosen, start=1)]
    if kind == "list":
        count = f"{len(chosen)} paper{'s' if len(chosen) != 1 else ''} in the collection"
        lines = [f"{count} {'address' if len(chosen) != 1 else 'addresses'} this:", ""]
        lines += [_bullet(e, i) for i, e in enumerate(chosen, start=1)]
        if related:
            lines += ["", "May also be relevant (on the main topic, but not stating every condition):"]
            for i, e in enumerate(related, start=len(chosen) + 1):
                missing = (lacks or {}).get(e.paper.id, [])
                source = _source(i, e, evidence_sentences)
                sources.append(source.model_copy(update={"tier": 2, "lacks": missing}))
                note = f" — does not state {sanitize(_joined(missing))}" if missing else ""
                lines.append(f"{_bullet(e, i)}{note}")
        return Composition(text="\n".join(lines), sources=sources)
    lead, others = chosen[0], chosen[1:]
    quoted = lead_sentences(question, lead)
    label = _label(lead.paper)
    if _ASKS_AUTHORS.search(question) and lead.paper.authors:
        label += f" — {_author_list(lead.paper)}"
    lines = [f"{label}: " + " ".join(f"{_quote(q.text)} [1]" for q in quoted)]
    shown = {q.position for q in quoted}
    sources[0].evidence = [
        s.text for s in sorted(lead.ranked, key=lambda s: s.position)
        if s.position in shown or s.text in sources[0].evidence
    ]  # fmt: skip
    if others:
        lines += ["", "Also relevant:"]
        lines += [_bullet(e, i) for i, e in enumerate(others, start=2)]
    return Composition(text="\n".join(lines), sources=sources)


def _compose_related(
    related: Sequence[Evidence], lacks: Mapping[str, list[str]], evidence_sentences: int
) -> Composition:
    """No paper states every condition, but some state the others: they are shown as possibly relevant,
    each with what it does not state, so a condition worded as no abstract words it does not hide them."""
    missing = list(dict.fromkeys(x for e in related for x in lacks.get(e.paper.id, [])))
    lines = [
        f"No paper states {_joined(missing)} in so many words; these may be relevant:"
        if missing
        else "These papers may be relevant:",
        "",
    ]
    sources = []
    for i, e in enumerate(related, start=1):
        source = _source(i, e, evidence_sentences)
        sources.append(source.model_copy(update={"tier": 2, "lacks": lacks.get(e.paper.id, [])}))
        lines.append(_bullet(e, i))
    return Composition(text="\n".join(lines), sources=sources)


def _joined(items: Sequence[str]) -> str:
    quoted = [f"“{x}”" for x in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def lead_first(question: str, evidence: list[Evidence], chosen: list[Evidence]) -> list[Evidence]:
    """Settle a near-tie for the lead by what the question asks for, then by the search's own ranking.

    Sentence scores of two papers on one topic differ by noise ("What accuracy did the gait-video paper
    report?": 0.353 vs 0.348); the paper stating a percentage, first for both BM25 and dense, should lead.
    """
    top = lead_score(chosen[0])
    asked = answer_type(question)
    tied = [e for e in evidence if lead_score(e) >= top - LEAD_TIE]

    def preference(e: Evidence) -> tuple[bool, float]:
        states = bool(asked) and any(states_answer_type(s.text, asked) for s in e.ranked)
        return (not states, -e.hit_score)

    lead = min(tied, key=preference)
    return [lead, *(e for e in chosen if e.paper.id != lead.paper.id)][: RELATED_MAX + 1]


def lead_sentences(question: str, lead: Evidence, most: int = 3) -> list[ScoredSentence]:
    """What a fact answer quotes, in the abstract's order: the best sentence; for a question asking for
    numbers, every sentence close to the best stating one ("how many sequences, and how many subjects?")."""
    best = lead.ranked[0]
    asked = answer_type(question)
    if asked:
        near = max(s.similarity for s in lead.ranked) - ANSWER_TYPE_MARGIN
        numbers = [s for s in lead.ranked if s.similarity >= near and states_answer_type(s.text, asked)]
        # "1874 sequences", "400 subjects": a number counting what the question names goes first
        terms = set(content_terms(question))
        numbers.sort(key=lambda s: not _counts_a_term(s.text, terms))
        # none near the best: the best sentence stating the asked kind still answers "what accuracy?"
        stating = [s for s in lead.ranked if states_answer_type(s.text, asked)][:1]
        chosen = numbers[:most] or [best, *(s for s in stating if s.position != best.position)]
    else:
        chosen = [best] + [s for s in lead.ranked[1:2] if s.score >= best.score - 0.05]
    return sorted(chosen, key=lambda s: s.position)


def describe_filters(filters: SearchFilters | None, month: int | None = None) -> str:
    """'from 2025, category CV, by Juno Kim' — how a listing says what it matched."""
    if filters is None:
        return "these filters"
    parts = []
    lo, hi = filters.year_from, filters.year_to
    if lo is not None and lo == hi:
        months = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
        parts.append(f"dated {months[month - 1]} {lo}" if month else f"from {lo}")
    elif lo is not None and hi is not None:
        parts.append(f"from {lo} to {hi}")
    elif lo is not None:
        parts.append(f"from {lo} on")
    elif hi is not None:
        parts.append(f"up to {hi}")
    if filters.category:
        parts.append(f"in the {filters.category} group")
    if filters.author:
        parts.append(f"by {filters.author}")
    if filters.paper_ids is not None:
        parts.append("among the papers cited before")
    return ", ".join(parts) or "these filters"


def compose_listing(papers: list[Paper], description: str, limit: int = 20) -> Composition:
    """Every paper matching a metadata-only question ('Which papers by Juno Kim appeared in 2025?')."""
    ordered = sorted(papers, key=lambda p: (p.published is None, p.published or date.min, p.title.casefold()))
    shown = ordered[:limit]
    many = len(papers) != 1
    lines = [
        f"{len(papers)} paper{'s' if many else ''} in the collection {'match' if many else 'matches'} "
        f"({description}):",
        "",
    ]
    for i, paper in enumerate(shown, start=1):
        extra = "; ".join(x for x in (paper.category, _authors(paper)) if x)
        lines.append(f"- {_label(paper)}{f' — {extra}' if extra else ''} [{i}]")
    if len(papers) > limit:
        lines.append(f"… and {len(papers) - limit} more.")
    sources = [Source(n=i, paper_id=p.id, title=p.title, evidence=[]) for i, p in enumerate(shown, start=1)]
    return Composition(text="\n".join(lines), sources=sources)


def _counts_a_term(sentence: str, terms: set[str]) -> bool:
    counted = re.findall(r"\d[\d,.]*\s*[%kKMB]?\s+([A-Za-z][\w-]+)(?:\s+([A-Za-z][\w-]+))?", sentence)
    return bool(terms & set(content_terms(" ".join(w for pair in counted for w in pair))))


def _author_list(paper: Paper) -> str:
    """'4 authors: A, B, C, D' (the count only when the listing gives it or names everyone)."""
    count = paper.author_count or (None if paper.authors_truncated else len(paper.authors))
    names = ", ".join(paper.authors) + (" et al." if paper.authors_truncated else "")
    return f"{count} author{'s' if count != 1 else ''}: {names}" if count else f"authors: {names}"


def _authors(paper: Paper) -> str:
    if not paper.authors:
        return ""
    names = ", ".join(paper.authors[:3])
    return names + (" et al." if paper.authors_truncated or len(paper.authors) > 3 else "")
