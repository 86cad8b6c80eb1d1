"""Citation checks: every [n] must name a source the answerer was given, and say what that source says.

Parsing and rewriting are pure string functions. Support is scored with the embedding model (passed in as a
function), against exactly the evidence sentences and title the answerer saw for that source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import Field

from rag.answering.markers import find_markers, strip_markers
from rag.models import Citation, FlaggedCitation, Record, Source

_CLAIM_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(*])|\n+")
_EMPHASIS = re.compile(r"\*\*|__|`")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.M)

Embed = Callable[[list[str]], np.ndarray]


class CheckedText(Record):
    """The answer after removing citations to sources that do not exist."""

    text: str
    used: list[int] = Field(default_factory=list, description="Valid source numbers, in order of first use.")
    invalid: int = Field(0, description="Out-of-range or invented numbers removed.")


class Verification(Record):
    text: str
    citations: list[Citation] = Field(default_factory=list)
    invalid_citations: int = 0
    flagged: list[FlaggedCitation] = Field(default_factory=list)


def check_markers(text: str, n_sources: int) -> CheckedText:
    """Drop numbers outside 1..n_sources; a marker left empty disappears with the space before it."""
    out: list[str] = []
    pos, invalid = 0, 0
    used: dict[int, None] = {}
    for marker in find_markers(text):
        valid = list(dict.fromkeys(n for n in marker.numbers if 1 <= n <= n_sources))
        invalid += len(set(marker.numbers)) - len(valid)
        head = text[pos : marker.start]
        if valid:
            out.append(head + "[" + ", ".join(map(str, valid)) + "]")
            used.update(dict.fromkeys(valid))
        else:
            out.append(head.rstrip(" \t"))
        pos = marker.end
    out.append(text[pos:])
    cleaned = "".join(out)
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", cleaned) if invalid else cleaned
    return CheckedText(text=cleaned, used=list(used), invalid=invalid)


def claims(text: str) -> list[tuple[str, str, list[int]]]:
    """(sentence as written, sentence without markers or markdown, cited numbers) for each citing sentence."""
    result = []
    for piece in _CLAIM_BREAK.split(text):
        markers = find_markers(piece)
        if not markers:
            continue
        numbers = list(dict.fromkeys(n for m in markers for n in m.numbers))
        plain = strip_markers(piece)
        plain = " ".join(_BULLET.sub(" ", _EMPHASIS.sub("", plain)).split())
        plain = re.sub(r"\s+([.,;:!?])", r"\1", plain).strip(" :;,-")
        if len(re.findall(r"[A-Za-z]{2,}", plain)) >= 3:  # a bare "[1]" line or "See [2]." says nothing
            result.append((piece.strip(), plain, numbers))
    return result


def support_scores(
    claim_list: list[tuple[str, str, list[int]]], sources: Sequence[Source], embed: Embed
) -> list[list[float]]:
    """For each claim, the best cosine of the claim with each cited source's evidence sentences and title."""
    if not claim_list:
        return []
    by_n = {s.n: s for s in sources}
    pool: list[str] = []
    rows: dict[int, tuple[int, int]] = {}
    for n in sorted({n for _, _, ns in claim_list for n in ns if n in by_n}):
        texts = [*by_n[n].evidence, by_n[n].title]
        rows[n] = (len(pool), len(pool) + len(texts))
        pool.extend(texts)
    vectors = embed([plain for _, plain, _ in claim_list] + pool)
    claim_vecs, pool_vecs = vectors[: len(claim_list)], vectors[len(claim_list) :]
    scores = []
    for i, (_, _, numbers) in enumerate(claim_list):
        row = []
        for n in numbers:
            if n not in rows:
                row.append(0.0)
                continue
            lo, hi = rows[n]
            row.append(float(np.max(pool_vecs[lo:hi] @ claim_vecs[i])))
        scores.append(row)
    return scores


NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")  # a number as written: 94, 1,874, 0.5


def unsourced_numbers(claim: str, sources: Sequence[Source]) -> list[str]:
    """Numbers a claim states that none of its cited sources' evidence or titles contains: likely invented."""
    pool = " ".join(f"{s.title} {' '.join(s.evidence)}" for s in sources)
    found = {n.rstrip(".,") for n in NUMBER.findall(pool)}
    return [n for n in (m.rstrip(".,") for m in NUMBER.findall(claim)) if n not in found]


def verify(
    text: str, sources: Sequence[Source], embed: Embed | None, threshold: float, check_numbers: bool = False
) -> Verification:
    """Remove invalid markers, list the citations used, flag claims their cited source does not support.

    `check_numbers` (for written answers; quoted ones carry their numbers by construction) also flags a claim
    stating a number that none of its cited evidence contains.
    """
    checked = check_markers(text, len(sources))
    by_n = {s.n: s for s in sources}
    citations = [
        Citation(n=n, paper_id=by_n[n].paper_id, title=by_n[n].title) for n in checked.used if n in by_n
    ]
    flagged: list[FlaggedCitation] = []
    if embed is not None:
        claim_list = claims(checked.text)
        scores = support_scores(claim_list, sources, embed)
        for (claim, plain, numbers), row in zip(claim_list, scores, strict=True):
            cited = [by_n[n] for n in numbers if n in by_n]
            invented = check_numbers and bool(unsourced_numbers(plain, cited))
            for n, score in zip(numbers, row, strict=True):
                if n in by_n and (score < threshold or invented):
                    flagged.append(
                        FlaggedCitation(
                            n=n,
                            paper_id=by_n[n].paper_id,
                            sentence=claim,
                            support=0.0 if invented else round(score, 4),
                        )
                    )
    return Verification(
        text=checked.text, citations=citations, invalid_citations=checked.invalid, flagged=flagged
    )
