"""Tolerant author-name matching: 'J. Kim' finds 'Juno Kim', 'Frechet' finds 'Fréchet', 'kim' finds both.

Listings spell one person several ways (initials, middle initials dropped, accents lost), so names are
compared token by token: the surname must agree; a given name agrees with its initial; a middle name only
counts when both spellings have one. Keys are cached per distinct string, so matching a query against a
large collection normalizes each name once per process, not once per query.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPLIT = re.compile(r"[\s.]+")


@lru_cache(maxsize=1 << 16)
def name_key(name: str) -> tuple[str, ...]:
    """'Jason D. Lee' -> ('jason', 'd', 'lee'); 'Kim, Juno' -> ('juno', 'kim'); accents and case dropped."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("’", "'")
    if "," in text:  # "Surname, Given"
        surname, _, given = text.partition(",")
        text = f"{given} {surname}"
    return tuple(t for t in _SPLIT.split(text.replace(",", " ")) if t)


def _compatible(a: str, b: str) -> bool:
    """'j' ~ 'juno', 'juno' ~ 'juno'; 'jo' is no initial of 'juno'."""
    if a == b:
        return True
    return (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def _surname_agrees(a: str, b: str) -> bool:
    return a == b or a.replace("-", "") == b.replace("-", "")


def same_person(asked: tuple[str, ...], listed: tuple[str, ...]) -> bool:
    """Could the name asked for (a key) be this listed name (a key)?"""
    if not asked or not listed or not _surname_agrees(asked[-1], listed[-1]):
        return False
    given_asked, given_listed = asked[:-1], listed[:-1]
    if not given_asked:  # a surname alone
        return True
    if not given_listed or not _compatible(given_asked[0], given_listed[0]):
        return False
    middle_listed = given_listed[1:]
    if not middle_listed:
        return True  # 'Jason D. Lee' asked, 'Jason Lee' listed
    return all(any(_compatible(m, x) for x in middle_listed) for m in given_asked[1:])


class AuthorMatcher:
    """One asked-for name, matched against many author lists."""

    def __init__(self, asked: str) -> None:
        self.asked = name_key(asked)
        self._seen: dict[str, bool] = {}

    def matches(self, name: str) -> bool:
        hit = self._seen.get(name)
        if hit is None:
            hit = self._seen[name] = same_person(self.asked, name_key(name))
        return hit

    def any(self, names: list[str]) -> bool:
        return any(self.matches(n) for n in names)
