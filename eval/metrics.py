"""Evaluation metrics: pure functions over ids and strings, no I/O.

Conventions shared by every function here:

* **Undefined is ``None``, not 0.** A metric that has no meaning for a question (retrieval metrics of an
  unanswerable question with an empty gold set, key-fact recall of a question without key facts, ...)
  returns ``None``. :func:`mean_ignoring_none` and the aggregation helpers leave such values out of the
  averages (they are *excluded*, not counted as 0 or 1), and report how many values were averaged.
* **Paper level.** Retrieval metrics work on paper ids. A ranked list usually holds several chunks of
  one paper, so it is de-duplicated first, keeping each paper's first (best) position.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "abstention_scores",
    "aggregate_metrics",
    "citation_prf",
    "dedupe_ranked",
    "fact_present",
    "key_fact_recall",
    "mean_ignoring_none",
    "mrr",
    "ndcg_at_k",
    "normalize_text",
    "recall_at_k",
]


# --------------------------------------------------------------------------------------------- retrieval


def dedupe_ranked(ranked: Iterable[str]) -> list[str]:
    """The ranked ids with repeats removed, each id kept at its first position."""
    seen: set[str] = set()
    out: list[str] = []
    for pid in ranked:
        if pid not in seen:
            seen.add(pid)
            out.append(pid)
    return out


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")


def recall_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float | None:
    """Share of the gold papers found among the first ``k`` distinct papers; ``None`` if gold is empty.

    When there are more gold papers than ``k`` the best possible value is ``k / len(gold)``.
    """
    _check_k(k)
    gold_set = set(gold)
    if not gold_set:
        return None
    top = dedupe_ranked(ranked)[:k]
    return sum(1 for pid in top if pid in gold_set) / len(gold_set)


def ndcg_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float | None:
    """Binary-relevance nDCG over the first ``k`` distinct papers; ``None`` if gold is empty.

    DCG = sum over relevant papers at (1-based) rank ``i <= k`` of ``1 / log2(i + 1)``; the ideal DCG puts
    ``min(len(gold), k)`` relevant papers at the top, so a perfect top-k scores 1 even with many golds.
    """
    _check_k(k)
    gold_set = set(gold)
    if not gold_set:
        return None
    top = dedupe_ranked(ranked)[:k]
    dcg = sum(1.0 / math.log2(i + 1) for i, pid in enumerate(top, start=1) if pid in gold_set)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold_set), k) + 1))
    return dcg / ideal


def mrr(ranked: Sequence[str], gold: Collection[str]) -> float | None:
    """Reciprocal rank of the first gold paper in the de-duplicated list (0 if none; ``None`` if no gold).

    Averaged over questions this is the mean reciprocal rank.
    """
    gold_set = set(gold)
    if not gold_set:
        return None
    for rank, pid in enumerate(dedupe_ranked(ranked), start=1):
        if pid in gold_set:
            return 1.0 / rank
    return 0.0


# --------------------------------------------------------------------------------------------- citations


def citation_prf(
    cited_ids: Iterable[str], gold_ids: Collection[str], acceptable_ids: Collection[str] = ()
) -> tuple[float | None, float | None, float | None]:
    """Precision, recall and F1 of the papers an answer cites.

    Citing an *acceptable* paper (one that is not gold) is neither a hit nor a false positive: those ids
    are removed from the cited set first. A paper listed as both gold and acceptable counts as gold.
    Repeated citations count once. With ``C`` the remaining cited set and ``G`` the gold set:

    ============================  =============  ==========  ==========
    case                          precision      recall      F1
    ============================  =============  ==========  ==========
    ``C`` empty, ``G`` empty      1.0            1.0         1.0         (correctly cites nothing)
    ``C`` non-empty, ``G`` empty  0.0            1.0         0.0         (nothing to miss; all wrong)
    ``C`` empty, ``G`` non-empty  ``None``       0.0         0.0         (nothing cited to judge)
    otherwise                     ``|C∩G|/|C|``  ``|C∩G|/|G|``  harmonic mean (0.0 if P = R = 0)
    ============================  =============  ==========  ==========

    A ``None`` precision is left out of precision averages, so answers that cite nothing are judged by
    recall and F1 (both 0), not rewarded with a perfect precision.
    """
    gold = set(gold_ids)
    ignored = set(acceptable_ids) - gold
    cited = {pid for pid in cited_ids if pid not in ignored}
    if not gold:
        return (1.0, 1.0, 1.0) if not cited else (0.0, 1.0, 0.0)
    if not cited:
        return None, 0.0, 0.0
    hits = len(cited & gold)
    precision = hits / len(cited)
    recall = hits / len(gold)
    f1 = 0.0 if hits == 0 else 2 * precision * recall / (precision + recall)
    return precision, recall, f1


# --------------------------------------------------------------------------------------------- key facts

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d"), "-")
_SINGLE_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u0060"), "'")
_DOUBLE_QUOTES = dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"), '"')
_TRANSLATE = {**_DASHES, **_SINGLE_QUOTES, **_DOUBLE_QUOTES, ord("\u00d7"): "x"}
_WS = re.compile(r"\s+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_SPACE_PERCENT = re.compile(r"(?<=\d) %")
_DIGIT = re.compile(r"\d")


def normalize_text(text: str) -> str:
    """Normalize answer text and key facts the same way before matching.

    NFKC; Unicode dashes and minus signs -> ``-``; curly/prime quotes -> ``'`` / ``"``; ``×`` -> ``x``;
    casefold; LaTeX ``\\%`` -> ``%``; whitespace runs -> one space (stripped); thousands separators between
    digits removed (``1,874`` -> ``1874``, ``1,234,567`` -> ``1234567``); a space between a number and ``%``
    removed (``94 %`` -> ``94%``).
    """
    t = unicodedata.normalize("NFKC", text or "").translate(_TRANSLATE).casefold()
    t = t.replace("\\%", "%")
    t = _WS.sub(" ", t).strip()
    t = _THOUSANDS.sub("", t)
    return _SPACE_PERCENT.sub("%", t)


def _is_digit(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isdigit()


def _numeric_match_at(text: str, start: int, end: int, fact: str) -> bool:
    """The occurrence ``text[start:end]`` of ``fact`` is not part of a longer number."""
    if fact[0].isdigit():
        if _is_digit(text, start - 1):
            return False
        if start >= 2 and text[start - 1] == "." and _is_digit(text, start - 2):
            return False  # '5' inside '0.5'
    if fact[-1].isdigit():
        if _is_digit(text, end):
            return False
        if end < len(text) - 1 and text[end] == "." and _is_digit(text, end + 1):
            return False  # '1' inside '1.5'
    return True


def table_rows_as_pairs(text: str) -> str:
    """Markdown table rows read as "key: value": ``| 2023 | 23 | ███ |`` states the fact ``2023: 23``."""
    rows = []
    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append(": ".join(cells[:2]) + (" " + " ".join(cells[2:]) if cells[2:] else ""))
    return "\n".join(rows)


def fact_present(answer_text: str, fact: str) -> bool:
    """Whether one key fact is stated in the answer (see :func:`key_fact_recall` for the rule)."""
    pairs = table_rows_as_pairs(answer_text)
    text = normalize_text(answer_text + ("\n" + pairs if pairs else ""))
    needle = normalize_text(fact)
    if not needle:
        return False
    if not _DIGIT.search(needle):
        return needle in text
    start = text.find(needle)
    while start != -1:
        if _numeric_match_at(text, start, start + len(needle), needle):
            return True
        start = text.find(needle, start + 1)
    return False


def key_fact_recall(answer_text: str, key_facts: Sequence[str]) -> float | None:
    """Share of the key facts present in the answer; ``None`` when there are no key facts.

    Both sides go through :func:`normalize_text` (casefold, unified dashes and quotes, collapsed
    whitespace, ``1,874`` == ``1874``, ``94 %`` == ``94%``). A fact containing a digit is *numeric* and
    must match as a whole number: the digits at its edges may not continue into a longer number, so
    ``9`` does not match inside ``94``, ``1.5`` not inside ``1.55`` and ``5`` not inside ``0.5``; other
    characters may follow (``94%`` matches ``94%,``; ``2.33`` matches ``2.33x``). A fact without digits
    matches as a normalized substring. Numbers written as words (``eight``) are not recognised. A table row
    counts as its cells joined by ``: `` (:func:`table_rows_as_pairs`).
    """
    if not key_facts:
        return None
    return sum(1 for fact in key_facts if fact_present(answer_text, fact)) / len(key_facts)


# --------------------------------------------------------------------------------------------- abstention


def abstention_scores(items: Iterable[tuple[bool, bool]]) -> tuple[float | None, float | None]:
    """``(accuracy_on_unanswerable, false_abstention_rate)`` from ``(is_unanswerable, abstained)`` pairs.

    * accuracy on unanswerable: share of unanswerable questions the system abstained on (higher is better);
      ``None`` when there is no unanswerable question.
    * false abstention rate: share of answerable questions it abstained on (lower is better); ``None``
      when there is no answerable question.
    """
    unanswerable = answerable = abstained_unanswerable = abstained_answerable = 0
    for is_unanswerable, abstained in items:
        if is_unanswerable:
            unanswerable += 1
            abstained_unanswerable += bool(abstained)
        else:
            answerable += 1
            abstained_answerable += bool(abstained)
    accuracy = abstained_unanswerable / unanswerable if unanswerable else None
    false_rate = abstained_answerable / answerable if answerable else None
    return accuracy, false_rate


# --------------------------------------------------------------------------------------------- aggregation


def mean_ignoring_none(values: Iterable[float | None]) -> float | None:
    """Arithmetic mean of the values that are not ``None``; ``None`` if there are none."""
    kept = [float(v) for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _metric_names(rows: Sequence[Mapping[str, Any]], exclude: set[str]) -> list[str]:
    """Keys (in first-seen order) whose values are numbers or ``None`` in every row that has them and a
    number in at least one row."""
    names: list[str] = []
    bad: set[str] = set()
    numeric: set[str] = set()
    for row in rows:
        for key, value in row.items():
            if key in exclude:
                continue
            if key not in names:
                names.append(key)
            if value is None:
                continue
            if _is_number(value):
                numeric.add(key)
            else:
                bad.add(key)
    return [n for n in names if n in numeric and n not in bad]


def _summarize(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> dict[str, Any]:
    metrics: dict[str, dict[str, float | int | None]] = {}
    for name in names:
        values = [row.get(name) for row in rows]
        for v in values:
            if v is not None and not isinstance(v, int | float):
                raise TypeError(f"metric {name!r} has a non-numeric value {v!r}")
        kept = [v for v in values if v is not None]
        metrics[name] = {"mean": mean_ignoring_none(kept), "n": len(kept)}
    return {"n_questions": len(rows), "metrics": metrics}


def aggregate_metrics(
    rows: Sequence[Mapping[str, Any]],
    metric_names: Sequence[str] | None = None,
    group_key: str = "type",
    id_key: str = "id",
) -> dict[str, Any]:
    """Average per-question metric dicts overall and per question type.

    ``rows`` are dicts such as ``{"id": "topic-01", "type": "topic", "recall@5": 0.5, "mrr": None}``.
    ``metric_names`` defaults to every key (other than ``group_key`` and ``id_key``) whose values are
    numbers or ``None``. Returns::

        {"overall": {"n_questions": 72, "metrics": {"recall@5": {"mean": 0.61, "n": 64}, ...}},
         "by_type": {"topic": {"n_questions": 20, "metrics": {...}}, ...}}

    ``n`` is the number of non-``None`` values averaged; a metric with none has ``mean`` ``None``.
    Types appear in order of first occurrence.
    """
    names = list(metric_names) if metric_names is not None else _metric_names(rows, {group_key, id_key})
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row.get(group_key)), []).append(row)
    return {
        "overall": _summarize(rows, names),
        "by_type": {group: _summarize(members, names) for group, members in groups.items()},
    }
