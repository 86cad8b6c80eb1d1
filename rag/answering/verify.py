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


def _quotes(claim: str, source: Source) -> bool:
    """The claim states one of the source's evidence sentences word for word (the extractive answers do)."""
    return any(len(sentence) >= 20 and sentence in claim for sentence in source.evidence)


def support_scores(
    claim_list: list[tuple[str, str, list[int]]], sources: Sequence[Source], embed: Embed
) -> list[list[float]]:
    """For each claim, the best cosine of the claim with each cited source's evidence sentences and title.

    A claim that quotes one of a cited source's evidence sentences is supported by it (1.0) without
    embedding anything: a list of 15 quoted papers is checked in microseconds instead of half a second.
    """
    if not claim_list:
        return []
    by_n = {s.n: s for s in sources}
    quoted = [{n for n in ns if n in by_n and _quotes(plain, by_n[n])} for _, plain, ns in claim_list]
    # the cited sources each claim must still be compared with, by embedding
    unsettled = [{n for n in ns if n in by_n} - quoted[i] for i, (_, _, ns) in enumerate(claim_list)]
    open_claims = [i for i, todo in enumerate(unsettled) if todo]
    pool: list[str] = []
    rows: dict[int, tuple[int, int]] = {}
    for n in sorted(set().union(*unsettled)):
        texts = [*by_n[n].evidence, by_n[n].title]
        rows[n] = (len(pool), len(pool) + len(texts))
        pool.extend(texts)
    vectors = embed([claim_list[i][1] for i in open_claims] + pool) if open_claims else None
    claim_vecs = {i: vectors[k] for k, i in enumerate(open_claims)} if vectors is not None else {}
    pool_vecs = vectors[len(open_claims) :] if vectors is not None else None
    scores = []
    for i, (_, _, numbers) in enumerate(claim_list):
        row = []
        for n in numbers:
            if n in quoted[i]:
                row.append(1.0)
            elif n in rows and pool_vecs is not None:
                lo, hi = rows[n]
                row.append(float(np.max(pool_vecs[lo:hi] @ claim_vecs[i])))
            else:
                row.append(0.0)
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
