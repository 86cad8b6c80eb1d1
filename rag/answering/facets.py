"""Judging papers against the whole question: its conditions (rag/answering/conditions.py), which of them
matter, and which papers meet them.

A condition *matters* (is salient) when it names something specific: a word the collection uses in few
papers and everyday English uses rarely ("randomized smoothing", "regret", "Kolmogorov-Arnold"). Generic
phrasing ("a theoretical account", "new ways", "make inference cheaper") shapes the ranking and the
explanation but never excludes a paper. Papers then fall in tiers:

* tier 1 meets every salient condition;
* tier 2 meets the main one (the most specific) but does not state some other;
* the rest is not listed.

Support of a condition by a paper mixes meaning (cosine of the condition with a sentence or the title) and
words (the share of its specific words, weighted by rarity, that the sentence, or else the paper as a whole,
states), so a paraphrase still counts and a shared common word alone does not. "lower bound" vs "upper bound"
is part of a condition: a sentence that does not state the asked direction cannot support it. Pure given the
vectors: no model is called here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from pydantic import Field

from rag.answering.conditions import question_conditions
from rag.answering.evidence import Vocabulary, content_terms
from rag.models import FacetSupport, Paper, PaperVerdict, Record

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

SEMANTIC_WEIGHT = 0.5  # the rest is word coverage
# specific words: used by at most this share of the collection's papers ...
COMMON_SHARE = 0.25
# ... and either not everyday English (wordfreq's Zipf scale: 'account' 5.2, 'privacy' 4.4, 'regret' 4.4,
# 'smoothing' 3.0) or topical in the papers that use them: said again and again in each, as "face" is in
# the talking-face papers, not once in passing, as "account" is ("take into account"); fitted on the
# tuning split
MAX_ZIPF = 4.8
BURSTY = 1.5  # occurrences per paper that uses the word
MIN_PAPERS = 30  # rarity means nothing in a smaller collection
# a word of the question that no paper uses: weight in the word share, relative to the rarest word of the
# collection (0: it cannot be found, so it is not counted; 1: its absence counts fully against every paper)
ABSENT_WEIGHT = 0.5
# a salient condition is met only by a paper that states at least this share (by rarity) of the specific
# words of one of its phrasings, somewhere in its title or abstract: exclusion on evidence, both ways
SPECIFIC_MIN = 0.5


class Facet(Record):
    text: str
    alternatives: list[str] = Field(description="Phrasings any one of which meets the facet ('A or B').")
    terms: list[list[str]] = Field(description="Stemmed content words of each alternative.")
    specific: list[list[str]] = Field(
        default_factory=list, description="The specific (salient) stemmed words of each alternative."
    )
    salient: bool = Field(True, description="Names something specific: a paper lacking it is excluded.")
    negated: bool = Field(False, description="Asked *without*: a paper stating it is not in tier 1.")
    weight: float = Field(
        0.0, description="Rarity of its specific words (idf sum): the main facet is heaviest."
    )


@lru_cache(maxsize=4096)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def specific_terms(words: Sequence[str], vocabulary: Vocabulary) -> list[str]:
    """Stems of the words that name something specific in this collection (see the module docstring)."""
    n = max(vocabulary.n_papers, 1)
    out: list[str] = []
    for word in words:
        for piece in re.split(r"[-/]", word):
            for stem in content_terms(piece):
                df = vocabulary.doc_freq.get(stem, 0)
                if not df or df / n > COMMON_SHARE or stem in out:
                    continue
                bursty = vocabulary.term_freq.get(stem, 0) / df >= BURSTY
                uncommon = _zipf(piece.lower()) <= MAX_ZIPF
                if bursty or uncommon:  # requiring both lost 0.26 abstention on the tuning split
                    out.append(stem)
    return out


def question_facets(question: str, vocabulary: Vocabulary | None = None) -> list[Facet]:
    """The question's conditions as facets, each marked salient or not against the collection's words.

    Without a vocabulary, or one of fewer than MIN_PAPERS papers, every condition counts as salient.
    """
    facets = []
    for condition in question_conditions(question):
        terms = [list(dict.fromkeys(facet_terms(" ".join(w)))) for w in condition.lemmas]
        if not any(terms):
            continue
        if vocabulary is None or vocabulary.n_papers < MIN_PAPERS:
            specific = terms  # too few papers to tell specific from generic words: every word counts
        else:
            specific = [specific_terms(w, vocabulary) for w in condition.lemmas]
        idf = vocabulary.idf if vocabulary is not None else {}
        weight = max((sum(idf.get(t, 1.0) for t in s) for s in specific), default=0.0)
        facets.append(
            Facet(
                text=condition.text,
                alternatives=condition.alternatives,
                terms=terms,
                specific=specific,
                salient=any(specific),
                negated=condition.negated,
                weight=round(weight, 4),
            )
        )
    return facets


def facet_terms(text: str) -> list[str]:
    """Content words with hyphenated compounds split: "gait-video" must match "gait ... video"."""
    return content_terms(text.replace("-", " "))


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
    """Scores each candidate paper's support for each facet and puts it in a tier; a facet is met when its
    support reaches `threshold` (fitted on the tuning split of the eval questions)."""

    def __init__(
        self,
        embed: Callable[[list[str]], np.ndarray],
        sentences: Callable[[Sequence[Paper]], list[tuple[list[str], np.ndarray]]],
        vocabulary: Callable[[], Vocabulary],
        threshold: float,
    ) -> None:
        self.embed, self.sentences, self.vocabulary, self.threshold = embed, sentences, vocabulary, threshold

    def judge(self, question: str, papers: Sequence[Paper]) -> tuple[list[Facet], list[PaperVerdict]]:
        """Facets of the question, and one verdict per paper: tier 1, then tier 2, then the rest, each
        strongest first. Without a salient facet no paper is put in a tier (similarity decides)."""
        vocabulary = self.vocabulary()
        facets = question_facets(question, vocabulary)
        if not facets or not papers:
            return facets, []
        flat = [a for f in facets for a in f.alternatives]
        vectors_by_alt = self.embed(flat)
        top = max(vocabulary.idf.values(), default=1.0)
        salient = [i for i, f in enumerate(facets) if f.salient and not f.negated]
        # the main condition is the most specific one (the first in the question did slightly worse)
        main = max(salient, key=lambda i: facets[i].weight) if salient else None
        verdicts = []
        for paper, (sents, vectors) in zip(papers, self.sentences(papers), strict=True):
            texts = [*sents, paper.title]
            sims = vectors @ vectors_by_alt.T  # sentences x alternatives
            expansions = abbreviations(paper.abstract)
            term_sets = [_sentence_terms(t, expansions) for t in texts]
            whole = set().union(*term_sets)
            support, column = [], 0
            for facet in facets:
                best_score, best_text, stated = -1.0, None, 0.0
                for terms, specific in zip(facet.terms, facet.specific, strict=True):
                    if specific:
                        rare = {t: vocabulary.idf.get(t, top) for t in specific}
                        found = sum(w for t, w in rare.items() if t in whole) / sum(rare.values())
                        stated = max(stated, found)
                    weights = {t: vocabulary.idf.get(t, top * ABSENT_WEIGHT) for t in terms}
                    total = sum(weights.values()) if specific else 0.0
                    needed = required_terms(terms)
                    for i, text in enumerate(texts):
                        if not needed <= term_sets[i]:
                            continue
                        cosine = float(sims[i, column])
                        if total:
                            share = sum(w for t, w in weights.items() if t in term_sets[i]) / total
                            score = SEMANTIC_WEIGHT * cosine + (1 - SEMANTIC_WEIGHT) * share
                        else:  # nothing specific to find: meaning alone, for the ranking
                            score = cosine
                        if score > best_score:
                            best_score, best_text = score, text
                    if total and not needed and best_text is not None:
                        # the words may be spread over several sentences of the paper (counted as in one:
                        # discounting them by 0.5 or 0 did worse on the tuning split)
                        share = sum(w for t, w in weights.items() if t in whole) / total
                        cosine = float(sims[:, column].max())
                        spread = SEMANTIC_WEIGHT * cosine + (1 - SEMANTIC_WEIGHT) * share
                        best_score = max(best_score, spread)
                    column += 1
                best_score = max(best_score, 0.0)  # no sentence states what the facet requires
                if facet.salient and stated < SPECIFIC_MIN:  # it does not say what the condition names
                    best_score = min(best_score, self.threshold * stated / SPECIFIC_MIN)
                support.append(
                    FacetSupport(
                        facet=facet.text,
                        sentence=best_text,
                        score=round(best_score, 4),
                        salient=facet.salient and not facet.negated,
                    )
                )
            verdicts.append(self._verdict(paper, facets, support, salient, main))
        verdicts.sort(key=lambda v: (v.tier or 3, -v.strength))
        return facets, verdicts

    def _verdict(
        self,
        paper: Paper,
        facets: list[Facet],
        support: list[FacetSupport],
        salient: list[int],
        main: int | None,
    ) -> PaperVerdict:
        meets = [s.score >= self.threshold for s in support]
        scores = [support[i].score for i in salient]
        strength = min(scores) if scores else float(np.mean([s.score for s in support]))
        excluded = any(meets[i] for i, f in enumerate(facets) if f.negated and f.salient)
        tier = None
        if main is not None and not excluded:  # a paper stating what the question excludes is left out
            if all(meets[i] for i in salient):
                tier = 1
            elif meets[main]:
                tier = 2
        return PaperVerdict(
            paper_id=paper.id,
            title=paper.title,
            qualifies=tier == 1,
            tier=tier,
            strength=round(strength, 4),
            support=support,
            main_facet=facets[main].text if main is not None else None,
        )


def describe_lack(verdict: PaperVerdict, threshold: float) -> str:
    """'<title>: regret lower bounds, but no switching costs' — what a near paper has and lacks."""
    has, lacks = verdict.has(threshold), verdict.lacks(threshold)
    if not has:
        return f"{verdict.title}: none of the conditions ({', '.join(lacks)})"
    if not lacks:  # every facet has a sentence, yet the judge (a model) found the whole question unmet
        judge = verdict.judged_by
        return f"{verdict.title}: {', '.join(has)}, but {judge} judged it not to meet them together"
    return f"{verdict.title}: {', '.join(has)}, but not {', '.join(lacks)}"
