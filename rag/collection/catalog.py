"""What the collection contains, for reading a question against it: its arXiv groups and their names, its
authors (matched by any part of a name, with typos), the words of its titles and abstracts (a topic word
must be one of them), and its newest date (what "the last two years" counts back from).

Built once per collection (keyed by its paper ids), so a question costs a few lookups, not a pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz, process

from rag.collection.names import name_key, same_person
from rag.models import Paper

_WORD = re.compile(r"[^\W_][\w\-]*")

# arXiv groups by the names people use for them; the code as the collection spells it is matched too
GROUP_NAMES: dict[str, tuple[str, ...]] = {
    "CV": ("computer vision", "vision", "computer vision and pattern recognition"),
    "LG": ("machine learning", "learning", "cs.lg"),
    "ML": ("statistics", "statistical machine learning", "stat", "stat.ml", "stats"),
    "CL": ("computation and language", "natural language processing", "nlp", "computational linguistics"),
    "AI": ("artificial intelligence",),
    "RO": ("robotics",),
    "OC": ("optimization and control", "optimization"),
    "IT": ("information theory",),
    "NE": ("neural and evolutionary computing",),
    "IR": ("information retrieval",),
    "CR": ("cryptography and security", "security"),
}
SURNAME_SCORE = 85  # rapidfuzz ratio (0-100) for a misspelt name: 'Suzuky' ~ 'Suzuki' is 83, 'Aristizabel' 91


@dataclass(frozen=True)
class Catalog:
    categories: frozenset[str] = frozenset()
    authors: tuple[str, ...] = ()
    words: frozenset[str] = frozenset()
    newest: date | None = None
    _keys: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def author_matches(self, asked: str) -> list[str]:
        """Listed names the asked name can be: tolerant first ('J. Kim', 'kim', 'Frechet'), then fuzzy
        ('Taiji Suzuky', 'Aristizabal' for 'Ahmedt-Aristizabal')."""
        key = name_key(asked)
        if not key:
            return []
        exact = [a for a in self.authors if same_person(key, self._keys[a])]
        if exact:
            return exact
        parts = [a for a in self.authors if len(key) == 1 and key[0] in self._keys[a][-1].split("-")]
        if parts:
            return parts
        asked_text = " ".join(key)
        choices = {a: " ".join(self._keys[a] if len(key) > 1 else self._keys[a][-1:]) for a in self.authors}
        scored = process.extract(asked_text, choices, scorer=fuzz.ratio, limit=5, score_cutoff=SURNAME_SCORE)
        return [a for _, _, a in scored]

    def has_word(self, word: str) -> bool:
        w = word.casefold()
        return w in self.words or w.rstrip("s") in self.words or f"{w}s" in self.words

    def group_code(self, name: str) -> str | None:
        """'machine learning' -> 'LG', 'cs.CV' -> 'CV', 'stat.ML' -> 'ML', as the collection spells codes."""
        text = " ".join(name.casefold().split())
        codes = {c.casefold(): c for c in self.categories}
        if text in codes:
            return codes[text]
        tail = text.rpartition(".")[2]
        if "." in text and tail in codes:
            return codes[tail]
        for code, names in GROUP_NAMES.items():
            if text in names or text == code.casefold():
                return codes.get(code.casefold(), code)
        return None


_BUILT: dict[tuple[str, ...], Catalog] = {}


def catalog_of(papers: Iterable[Paper]) -> Catalog:
    """The catalog of these papers, rebuilt only when the collection changes (an edited listing too)."""
    listed = list(papers)
    key = tuple(f"{p.id}:{len(p.abstract)}:{len(p.authors)}:{p.category}" for p in listed)
    if key not in _BUILT:
        if len(_BUILT) > 3:
            _BUILT.clear()
        _BUILT[key] = _build(listed)
    return _BUILT[key]


def _build(papers: list[Paper]) -> Catalog:
    authors = tuple(sorted({a for p in papers for a in p.authors}))
    words = {w.casefold() for p in papers for w in _WORD.findall(f"{p.title} {p.abstract or ''}")}
    words |= {part for w in list(words) if "-" in w for part in w.split("-") if part}
    dates = [p.published for p in papers if p.published]
    return Catalog(
        categories=frozenset(p.category for p in papers if p.category),
        authors=authors,
        words=frozenset(words),
        newest=max(dates) if dates else None,
        _keys={a: name_key(a) for a in authors},
    )
