"""Judging papers against the whole question: split it into facets, and keep a paper only when every facet is
supported by its title or one sentence of its abstract.

"Which papers prove regret lower bounds for bandits with switching costs?" has the facets {regret lower
bounds} AND {bandits} AND {switching costs}. "lower bound" vs "upper bound" and "regret" vs "error
probability" are part of a facet, so a paper that bounds only error probabilities does not support it.

Support of a facet by a sentence mixes meaning (cosine of the two embeddings) and words (the share of the
facet's stemmed content words, weighted by rarity, that the sentence states), so a paraphrase still counts
and a shared topic word alone does not. Pure given the vectors: no model is called here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import Field

from rag.answering.evidence import content_terms
from rag.models import FacetSupport, Paper, PaperVerdict, Record

# question scaffolding: what asks for papers, not what they must be about
_LEAD = re.compile(
    r"^\s*(?:(?:which|what|are\s+there\s+any|are\s+there|is\s+there\s+an?y?|is\s+there|list|name|find|show"
    r"(?:\s+me)?|give\s+me|do\s+any|does\s+any|did\s+any)\s+)?"
    r"(?:(?:of\s+)?(?:the\s+)?(?:\w+\s+){0,2}?(?:papers?|works?|studies|study|articles?|ones?|methods?)\s*)?"
    r"(?:in\s+the\s+collection\s*)?(?:(?:that|which|who)\s+)?",
    re.I,
)
_VERB = re.compile(
    r"^\s*(?:(?:do|does|did|can|could)\s+)?(?:(?:both|also|actually|explicitly|formally)\s+)?"
    r"(?:prove[sd]?|propose[sd]?|present[sd]?|introduce[sd]?|stud(?:y|ies|ied)|address(?:es|ed)?|"
    r"analy[sz]e[sd]?|report(?:s|ed)?|show[sn]?|give[sn]?|derive[sd]?|establish(?:es|ed)?|develop(?:s|ed)?|"
    r"use[sd]?|appl(?:y|ies|ied)|evaluate[sd]?|focus(?:es|ed)?\s+on|work(?:s|ed)?\s+on|deal(?:s|t)?\s+with|"
    r"investigate[sd]?|examine[sd]?|provide[sd]?|offer(?:s|ed)?|describe[sd]?|discuss(?:es|ed)?|"
    r"are\s+about|is\s+about|about|on|concern(?:s|ed)?|tackle[sd]?|explore[sd]?|target(?:s|ed)?|"
    r"have|has|contain(?:s|ed)?|include[sd]?|release[sd]?|build|builds|built|learn(?:s|ed)?|train(?:s|ed)?)\b",
    re.I,
)
# examples after these do not add a condition: "... regret lower bounds, including minimax ones"
_EXAMPLES = re.compile(
    r"[,;(]?\s*\b(?:including|such\s+as|e\.g\.|for\s+example|for\s+instance|like|especially)\b.*$", re.I
)
# "... kernels to speed up inference": a purpose is a condition of its own ("to" alone joins too much)
_PURPOSE = (
    r"(?:speed|improve|reduce|accelerate|detect|generate|predict|estimate|solve|learn|enable|make|"
    r"help|find|identify|classify|recognize|track|compress|protect|prevent|explain|evaluate|measure)"
)
# where one condition ends and the next begins
_JOINS = re.compile(
    r"\s*(,|;|\bwith(?:out)?\b|\bfor\b|\bin\b|\busing\b|\bvia\b|\bunder\b|\bwhile\b|\bwhose\b|"
    r"\bwhere\b|\bthat\b|\bwhich\b|\band\s+(?:also|that|which)\b|\bas\s+well\s+as\b|\bbut\b|"
    r"\bwithin\b|\bbased\s+on\b|\bapplied\s+to\b|\band\b|\bto\s+(?=" + _PURPOSE + r"\b))\s*",
    re.I,
)
# after these a one-word fragment is still a condition: a setting or a modality ("for vision models")
_SETTING = re.compile(r"(?:with(?:out)?|for|in|using|via|under|within|based\s+on|applied\s+to)", re.I)
# alternatives inside one facet: "stock prices or other financial time series" is met by either
_OR = re.compile(r"\s*(?:\bor\b|/)\s*", re.I)
# words that say nothing a paper must satisfy on their own
_HOLLOW = frozenset(
    content_terms(
        "problem problems task tasks setting settings way ways kind type types approach framework result "
        "results question questions paper papers specific specifically particular certain other different "
        "many much does did contain contains report reported explain explains achieve achieved reach "
        "reached obtain obtained number value main key exactly actually both either need needs needed "
        "require requires required"
    )
)
# notations that state a bound's direction though the words are absent: Omega(...) is a lower bound
_NOTATION = (
    (re.compile(r"\bOmega\s*\(|Ω\s*\(|\bminimax\b|\bany\s+algorithm\b|\bimpossib", re.I), "lower bound"),
    (re.compile(r"\bTheta\s*\(|Θ\s*\(|\btight\b", re.I), "lower upper bound tight"),
    (re.compile(r"\bO\s*\(|\bmathcal\s*O|𝒪", re.I), "upper bound"),
)

# a bound's direction is part of the claim: a sentence that does not state the asked direction (in words or
# notation) cannot support "lower bounds", however many other words it shares ("a regret upper bound")
_DIRECTIONS = frozenset(content_terms("lower upper"))
_BOUND = content_terms("bound")[0]
SHORT_BOUND_PHRASE = 3  # content words
SHARED_PHRASE = 4  # content words of an alternative that a one-word alternative borrows from

SEMANTIC_WEIGHT = 0.5  # the rest is word coverage
# word coverage raised to this power; squaring it (to punish a sentence missing one word of three, "regret"
# of "regret lower bound") scored lower on the tuning split (objective 0.660 vs 0.673), so it stays linear
WORD_EXPONENT = 1.0


class Facet(Record):
    text: str
    alternatives: list[str] = Field(description="Phrasings any one of which meets the facet ('A or B').")
    terms: list[list[str]] = Field(description="Stemmed content words of each alternative.")


def question_facets(question: str) -> list[Facet]:
    """The conditions a paper must meet, in the question's order; [] when the question names none.

    A fragment of one content word ("as needed", "design") is no condition of its own: it stays with the
    fragment before it, unless a preposition introduces it: "for vision models" is a modality to meet.
    """
    text = " ".join(question.split()).rstrip("?.! ")
    text = _EXAMPLES.sub("", text)
    text = _LEAD.sub("", text, count=1)
    text = _VERB.sub("", text, count=1)
    pieces: list[str] = []
    parts = _JOINS.split(text)  # piece, join, piece, join, ...
    for i in range(0, len(parts), 2):
        piece = _VERB.sub("", parts[i].strip(" ,;-"), count=1).strip(" ,;-")
        terms = condition_terms(piece)
        if not terms:
            continue
        setting = i > 0 and _SETTING.fullmatch(parts[i - 1].strip()) is not None
        if pieces and len(terms) < 2 and not setting:
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    if len(pieces) > 1 and len(condition_terms(pieces[0])) < 2:
        pieces[:2] = [f"{pieces[0]} {pieces[1]}"]
    facets = []
    for piece in pieces:
        alternatives = [a for a in _OR.split(piece) if condition_terms(a)]
        alternatives = _distribute(alternatives) if alternatives else [piece]
        alt_terms = [list(dict.fromkeys(condition_terms(a))) for a in alternatives]
        facets.append(Facet(text=piece, alternatives=alternatives, terms=alt_terms))
    return facets


def _content_words(text: str) -> list[str]:
    return [w for w in text.split() if condition_terms(w)]


def _distribute(alternatives: list[str]) -> list[str]:
    """A one-word alternative shares the other's words: "question-answering datasets or benchmarks" asks
    for question-answering benchmarks, not any benchmark; "multi-armed or linear bandit problems" for
    multi-armed bandit problems."""
    first, last = alternatives[0].split(), alternatives[-1].split()
    lender = range(2, SHARED_PHRASE + 1)  # a noun phrase lends its words; a long clause does not
    out = list(alternatives)
    if len(_content_words(alternatives[0])) in lender:
        for k in range(1, len(out)):
            if len(_content_words(out[k])) == 1:
                out[k] = " ".join([*first[:-1], *out[k].split()])
    elif len(alternatives) > 1 and len(_content_words(alternatives[-1])) in lender:
        out[0] = " ".join([*first, *last[1:]])
    return out


def facet_terms(text: str) -> list[str]:
    """Content words with hyphenated compounds split: "gait-video" must match "gait ... video"."""
    return content_terms(text.replace("-", " "))


def condition_terms(text: str) -> list[str]:
    """The facet words of `text` that say something a paper must meet (hollow words such as "task" out)."""
    return [t for t in facet_terms(text) if t not in _HOLLOW]


def required_terms(terms: list[str]) -> set[str]:
    """Words a supporting sentence must state: the direction of an asked-for bound, and in a short bound
    phrase ("regret lower bounds") what is bounded too, so "lower bounds on error probability" does not do."""
    if _BOUND not in terms or not set(terms) & _DIRECTIONS:
        return set()
    return set(terms) if len(terms) <= SHORT_BOUND_PHRASE else set(terms) & _DIRECTIONS


_DEFINED = re.compile(r"((?:[A-Za-z][\w-]*\s+){1,6})\(([A-Z][A-Za-z]*[A-Z]s?)\)")


def abbreviations(text: str) -> dict[str, str]:
    """'complete policy regret (CPR)' -> {'CPR': 'complete policy regret'}: the words an acronym stands for,
    when their initials spell it, so a later sentence that says only 'CPR' still states 'regret'."""
    found = {}
    for words, short in _DEFINED.findall(text):
        letters = short.rstrip("s").upper()
        tokens = re.split(r"[\s-]+", words.strip())
        for start in range(len(tokens)):
            phrase = tokens[start:]
            if "".join(t[0] for t in phrase).upper() == letters:
                found[short] = " ".join(phrase)
                break
    return found


def _sentence_terms(sentence: str, expansions: dict[str, str] | None = None) -> set[str]:
    terms = set(facet_terms(sentence))
    for short, long in (expansions or {}).items():
        if re.search(rf"\b{re.escape(short)}\b", sentence):
            terms.update(facet_terms(long))
    for pattern, implied in _NOTATION:
        if pattern.search(sentence):
            terms.update(content_terms(implied))
    return terms


class FacetJudge:
    """Scores each candidate paper's support for each facet; a paper qualifies when its weakest facet's
    support reaches `threshold` (fitted on the tuning split of the eval questions)."""

    def __init__(
        self,
        embed: Callable[[list[str]], np.ndarray],
        sentences: Callable[[Sequence[Paper]], list[tuple[list[str], np.ndarray]]],
        idf: Callable[[], dict[str, float]],
        threshold: float,
    ) -> None:
        self.embed, self.sentences, self.idf, self.threshold = embed, sentences, idf, threshold

    def judge(self, question: str, papers: Sequence[Paper]) -> tuple[list[Facet], list[PaperVerdict]]:
        """Facets of the question, and one verdict per paper, strongest first."""
        facets = question_facets(question)
        if not facets or not papers:
            return facets, []
        flat = [a for f in facets for a in f.alternatives]
        vectors_by_alt = self.embed(flat)
        idf = self.idf()
        top = max(idf.values(), default=1.0)
        verdicts = []
        for paper, (sents, vectors) in zip(papers, self.sentences(papers), strict=True):
            texts = [*sents, paper.title]
            sims = vectors @ vectors_by_alt.T  # sentences x alternatives
            expansions = abbreviations(paper.abstract)
            term_sets = [_sentence_terms(t, expansions) for t in texts]
            support, column = [], 0
            for facet in facets:
                best_score, best_text = -1.0, None
                for terms in facet.terms:
                    weights = {t: idf.get(t, top) for t in terms}
                    total = sum(weights.values()) or 1.0
                    needed = required_terms(terms)
                    for i, text in enumerate(texts):
                        if not needed <= term_sets[i]:
                            continue
                        share = sum(w for t, w in weights.items() if t in term_sets[i]) / total
                        words = share**WORD_EXPONENT
                        score = SEMANTIC_WEIGHT * float(sims[i, column]) + (1 - SEMANTIC_WEIGHT) * words
                        if score > best_score:
                            best_score, best_text = score, text
                    column += 1
                best_score = max(best_score, 0.0)  # no sentence states what the facet requires
                support.append(FacetSupport(facet=facet.text, sentence=best_text, score=round(best_score, 4)))
            strength = min(s.score for s in support)
            verdicts.append(
                PaperVerdict(
                    paper_id=paper.id,
                    title=paper.title,
                    qualifies=strength >= self.threshold,
                    strength=round(strength, 4),
                    support=support,
                )
            )
        verdicts.sort(key=lambda v: -v.strength)
        return facets, verdicts


def describe_lack(verdict: PaperVerdict, threshold: float) -> str:
    """'<title>: regret lower bounds, but no switching costs' — what a near paper has and lacks."""
    has, lacks = verdict.has(threshold), verdict.lacks(threshold)
    if not has:
        return f"{verdict.title}: none of the conditions ({', '.join(lacks)})"
    if not lacks:  # every facet has a sentence, yet the judge (a model) found the whole question unmet
        judge = verdict.judged_by
        return f"{verdict.title}: {', '.join(has)}, but {judge} judged it not to meet them together"
    return f"{verdict.title}: {', '.join(has)}, but not {', '.join(lacks)}"
