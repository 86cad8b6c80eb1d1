"""Seeded arXiv-snapshot JSONL files of made-up papers, in the words of the bundled abstracts.

Tests and bench/concurrent_ingest.py use them to ingest a few hundred or thousand papers whose titles
are all different, so a dense search for a title should find its own paper.
"""

from __future__ import annotations

import json
import random
import re
from functools import lru_cache
from pathlib import Path

from rag.parsing import discover_files, merge_papers, parse_path
from rag.settings import BUNDLED_CORPUS


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    papers = merge_papers([parse_path(f) for f in discover_files([BUNDLED_CORPUS])])
    words = {w for p in papers for w in re.findall(r"[a-z]{4,}", p.abstract.lower())}
    return tuple(sorted(words))


def records(n: int, seed: int, sentences: tuple[int, int] = (3, 5)) -> list[dict[str, object]]:
    """`n` snapshot records; the seed decides every word, and titles never repeat across seeds."""
    rng = random.Random(seed)
    words = vocabulary()
    topical = [w for w in words if len(w) >= 8]
    out: list[dict[str, object]] = []
    for i in range(n):
        topic = rng.sample(topical, 5)
        title = " ".join(topic).capitalize() + f" {seed}-{i}"
        # like a real abstract, the first sentence states the topic the title names
        first = f"We study {' '.join(topic[:3])} for {' '.join(topic[3:])}."
        abstract = " ".join(
            [first]
            + [
                " ".join(rng.sample(words, rng.randint(12, 22))).capitalize() + "."
                for _ in range(rng.randint(*sentences) - 1)
            ]
        )
        out.append(
            {
                "id": f"{2400 + seed % 100}.{i:05d}",
                "title": title,
                "authors": f"{rng.choice(words).title()} {rng.choice(words).title()} and A. Writer",
                "abstract": abstract,
                "categories": rng.choice(["cs.LG", "cs.CV", "cs.CL", "stat.ML"]),
                "update_date": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            }
        )
    return out


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
