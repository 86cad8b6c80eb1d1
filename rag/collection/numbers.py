"""Number words as digits ("eight or more" -> "8 or more", "a dozen" -> "12", "twenty-one" -> "21"), read by
Recognizers-Text's number model, so the count patterns of ``parse.py`` only ever see digits.

"one" stays a word unless it counts authors or upvotes ("which one", "one of the papers" are no counts), and
fractions ("half") and ordinals are left alone: dates read those first.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

_COUNTED = re.compile(r"^\s*(?:(?:co-?)?authors?|upvotes?|votes?|(?:co-?)?authored|author[-\s])", re.I)
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _model() -> Any:
    from recognizers_number import NumberRecognizer
    from recognizers_text import Culture

    return NumberRecognizer(Culture.English).get_number_model()


def spell_numbers(text: str) -> str:
    """The text with every whole-number phrase written in words replaced by its digits."""
    with _LOCK:
        found = list(_model().parse(text))
    out, last = [], 0
    for result in sorted(found, key=lambda r: r.start):
        phrase = text[result.start : result.end + 1]
        value = str((result.resolution or {}).get("value", ""))
        if not value.isdigit() or phrase.isdigit() or result.start < last:
            continue
        if phrase.lower() == "one" and not _COUNTED.match(text[result.end + 1 :]):
            continue
        out += [text[last : result.start], value]
        last = result.end + 1
    return "".join(out) + text[last:]
