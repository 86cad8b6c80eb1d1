"""Title normalization and stable paper ids.

The same paper is listed by several files with small differences in case, punctuation and
Unicode form; everything that deduplicates or cites papers keys on these two functions so the
ids stay identical across runs and across files.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_ALNUM = re.compile(r"[\W_]+")
_SLUG_WORDS = 6
_SLUG_MAX = 40


def normalize_title(title: str) -> str:
    """NFKC, casefold, every run of non-alphanumerics -> one space, stripped.

    Two listings of one paper that differ only in case, dashes, colons or spacing normalize equal.
    """
    text = unicodedata.normalize("NFKC", title or "").casefold()
    return _NON_ALNUM.sub(" ", text).strip()


def _ascii_fold(text: str) -> str:
    """Drop accents (é -> e) and anything else outside ASCII so ids stay URL- and filename-safe."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def paper_id(title: str) -> str:
    """A readable id that is stable for a title: ``<slug of first 6 words>-<8 hex of sha256>``.

    The slug makes ids recognisable in logs and citations; the hash of the full normalized title keeps
    two papers that share their first words apart.
    """
    norm = normalize_title(title)
    digest = hashlib.sha256(norm.encode("utf-8")).hexdigest()[:8]
    words = [w for w in _ascii_fold(norm).split() if w][:_SLUG_WORDS]
    words = [re.sub(r"[^a-z0-9]+", "", w) for w in words]
    slug = "-".join(w for w in words if w)[:_SLUG_MAX].strip("-")
    return f"{slug or 'paper'}-{digest}"
