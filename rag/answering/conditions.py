"""What a list question asks of a paper: its conditions, read from the question's parse (spaCy), not from
regexes over its words.

"Which papers compress large language models to make inference cheaper?" has the conditions
{compress large language models} and {inference cheaper}. A condition is a run of content words (nouns,
adjectives, numbers, and the verb that governs them); "or" joins alternatives of one condition, "and" and
prepositions start a new one, "without"/"not" negate one, and examples ("such as ...", "including ...")
add none. Which of them *matter* is decided later against the collection (`salience`), not here: a parse
cannot tell "a theoretical account" (generic) from "randomized smoothing" (specific); word rarity can.
"""

from __future__ import annotations

from pydantic import Field
from spacy.tokens import Doc, Token

from rag.models import Record
from rag.nlp import parse

# the question's form, not its subject: what asks for papers ("papers", "anyone", "the collection")
_FORM_LEMMAS = frozenset(
    [
        "paper",
        "work",
        "study",
        "article",
        "publication",
        "preprint",
        "research",
        "researcher",
        "author",
        "collection",
        "anyone",
        "someone",
        "anything",
        "something",
        "one",
        "thing",
        "lot",
        "kind",
        "type",
        "sort",
        "way",
        "here",
    ]
)
_CONTENT_POS = frozenset({"NOUN", "PROPN", "ADJ", "NUM", "X"})
_EXAMPLE_WORDS = frozenset({"including", "include", "includes", "e.g.", "e.g", "especially"})
_NEGATIONS = frozenset({"without", "not", "no", "never", "excluding", "except"})
# comparatives and superlatives praise or rank ("cheaper", "best"): they never name what a paper is about
_EVALUATIVE_TAGS = frozenset({"JJR", "JJS", "RBR", "RBS"})
# ... except a bound's direction, which is what "regret lower bounds" asks for (domain knowledge)
_DIRECTIONS = frozenset({"lower", "upper"})


class Condition(Record):
    """One thing the question asks a paper to be about, do or state."""

    text: str = Field(description="The condition as the question words it, without its verb.")
    alternatives: list[str] = Field(description="Phrasings any one of which meets it ('A or B').")
    words: list[list[str]] = Field(
        description="Each alternative's content words as written, without its verb: the words a paper's "
        "text is searched for ('prove' is how the question asks, 'regret lower bounds' what it asks)."
    )
    lemmas: list[list[str]] = Field(
        default_factory=list,
        description="The same words as dictionary forms ('analyses' -> 'analysis'), what is matched.",
    )
    negated: bool = Field(False, description="The question asks for papers *without* it.")


# nouns the tagger reads as verbs in questions about theory ("a lower bound on ...": bound, from bind)
_NOUNS = frozenset({"bound", "bounds"})


def _pos(token: Token) -> str:
    return "NOUN" if token.lower_ in _NOUNS else token.pos_


def _is_content(token: Token) -> bool:
    if token.is_punct or token.is_space or token.like_url:
        return False
    if token.lemma_.lower() in _FORM_LEMMAS or token.lower_ in _FORM_LEMMAS:
        return False
    if token.lower_ in _DIRECTIONS:
        return True
    if token.tag_ in _EVALUATIVE_TAGS:
        return False
    if _pos(token) in _CONTENT_POS:
        return not token.is_stop or _pos(token) == "NUM"
    if _pos(token) == "VERB":
        return not token.is_stop and token.dep_ not in {"aux", "auxpass"}
    return False


def _is_verb(token: Token) -> bool:
    """A verb of the question ('prove', 'use'), not a gerund naming a thing: 'switching costs',
    'speculative decoding', 'question answering'."""
    if _pos(token) != "VERB" or token.dep_ in {"amod", "compound"}:
        return False
    if token.tag_ != "VBG":
        return True
    doc = token.doc
    after = doc[token.i + 1] if token.i + 1 < len(doc) else None
    before = doc[token.i - 1] if token.i > 0 else None
    named = after is not None and _pos(after) in {"NOUN", "PROPN"}
    modified = before is not None and _pos(before) in {"NOUN", "PROPN", "ADJ"} and _is_content(before)
    return not (named or modified)


def _lemma(token: Token) -> str:
    """A noun's singular ('analyses' -> 'analysis'); other words, and names, as written."""
    if _pos(token) == "NOUN" and token.lemma_ and "-" not in token.text and token.text.islower():
        return token.lemma_
    return token.text


def _negates(token: Token) -> bool:
    """'without', 'not', 'rather than', 'instead of', 'other than', 'except': what follows is excluded."""
    if token.lower_ in _NEGATIONS or token.dep_ == "neg":
        return True
    before = token.doc[token.i - 1].lower_ if token.i > 0 else ""
    return (token.lower_, before) in {("than", "rather"), ("than", "other"), ("of", "instead")}


def _examples_start(doc: Doc) -> int:
    """Index of the first token of an examples tail ("..., including X", "such as X"), or len(doc)."""
    for token in doc:
        low = token.lower_
        if low in _EXAMPLE_WORDS and token.i > 2:
            return token.i
        if low == "such" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "as":
            return token.i
        if low == "for" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ in {"example", "instance"}:
            return token.i
    return len(doc)


def question_conditions(question: str) -> list[Condition]:
    """The conditions of a question, in its order; [] when it names none ("Which papers are there?")."""
    doc = parse(" ".join(question.split()))
    end = _examples_start(doc)
    runs: list[tuple[list[Token], str]] = []  # (tokens, what joined it to the previous run)
    current: list[Token] = []
    joiner = ""
    pending = ""
    for token in doc[:end]:
        if _is_content(token):
            starts_new_verb = _is_verb(token) and current and not _is_verb(current[-1])
            if starts_new_verb:
                runs.append((current, joiner))
                current, joiner = [], pending or "and"
                pending = ""
            if not current:
                joiner, pending = pending or joiner, ""
            current.append(token)
            continue
        if token.lower_ in {"-", "/"} and current:
            pending = "or" if token.lower_ == "/" else pending
            continue
        if current:
            runs.append((current, joiner))
            current, joiner = [], ""
        low = token.lower_
        if _negates(token):
            pending = "not"
        elif low == "or" and pending != "not":
            pending = "or"
        elif not pending:
            pending = "and"
    if current:
        runs.append((current, joiner))
    return _group(runs)


def _group(runs: list[tuple[list[Token], str]]) -> list[Condition]:
    """Merge a verb with the object after it, and 'A or B' into one condition with two alternatives."""
    merged: list[tuple[list[Token], str]] = []
    for tokens, joiner in runs:
        if merged and all(_pos(t) == "VERB" for t in merged[-1][0]) and joiner == "and":
            merged[-1] = ([*merged[-1][0], *tokens], merged[-1][1])
        else:
            merged.append((tokens, joiner))
    groups: list[tuple[list[list[Token]], bool]] = []
    for tokens, joiner in merged:
        if joiner == "or" and groups:
            groups[-1][0].append(tokens)
        else:
            groups.append(([tokens], joiner == "not"))
    conditions = []
    for alternatives, negated in groups:
        alternatives = _share_words(alternatives)
        texts = [" ".join(t.text for t in alt) for alt in alternatives]
        words = [[t.text for t in alt if not _is_verb(t)] for alt in alternatives]
        lemmas = [[_lemma(t) for t in alt if not _is_verb(t)] for alt in alternatives]
        shown = " or ".join(" ".join(w) for w in words if w) or " or ".join(texts)
        conditions.append(
            Condition(text=shown, alternatives=texts, words=words, lemmas=lemmas, negated=negated)
        )
    return conditions


def _share_words(alternatives: list[list[Token]]) -> list[list[Token]]:
    """'question-answering datasets or benchmarks' asks for question-answering benchmarks: a one-word
    alternative takes the modifiers of the phrase beside it."""
    if len(alternatives) < 2:
        return alternatives
    first = alternatives[0]
    modifiers = [t for t in first[:-1] if _pos(t) != "VERB"]
    out = [first]
    for alt in alternatives[1:]:
        out.append([*modifiers, *alt] if len(alt) == 1 and modifiers else alt)
    return out
