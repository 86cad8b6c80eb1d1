"""Citation markers: the one grammar of `[n]` that the answerers write, the checker reads, the UI links and
the eval strips.

    [3]  [1, 2]  [1,2;4]  [1-3]  [1–3]  [Source 2]  [paper 1, 3]
"""

from __future__ import annotations

import re

from pydantic import Field

from rag.models import Record

MARKER = re.compile(
    r"\[\s*(?:(?:sources?|papers?|refs?|references?)\s*)?"
    r"(\d{1,4}(?:\s*(?:[,;]|-|–|—|and)\s*\d{1,4})*)\s*\]",
    re.I,
)
_MAX_RANGE = 20


class Marker(Record):
    """One bracketed citation as written in the text."""

    start: int
    end: int
    numbers: list[int] = Field(description="Every number it names, ranges expanded.")


def find_markers(text: str) -> list[Marker]:
    """Bracketed citations, ranges expanded. '[0, 1]' (an interval, not a citation) is left alone."""
    markers = []
    for match in MARKER.finditer(text):
        numbers: list[int] = []
        for part in re.split(r"\s*(?:[,;]|and)\s*", match.group(1)):
            bounds = [int(x) for x in re.split(r"\s*[-–—]\s*", part) if x]
            if len(bounds) == 2 and 0 < bounds[1] - bounds[0] <= _MAX_RANGE:
                numbers.extend(range(bounds[0], bounds[1] + 1))
            else:
                numbers.extend(bounds)
        if 0 in numbers and len(numbers) > 1:
            continue
        markers.append(Marker(start=match.start(), end=match.end(), numbers=numbers))
    return markers


def strip_markers(text: str) -> str:
    """The text without its citation markers (for scoring what an answer says)."""
    return MARKER.sub(" ", text)


def neutralize_markers(text: str) -> str:
    """Untrusted text (an abstract) with '[9]' turned into '(9)', so it can never pass for a citation."""
    return MARKER.sub(lambda m: f"({m.group(1).strip()})", text)
