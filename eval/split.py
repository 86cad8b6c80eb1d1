"""The tuning / test / blind split of the question set: fixed by a seed, stable as questions are added.

Each case falls in `test` or `tuning` by a seeded random draw on its id alone, so adding a question never
moves another one. Thresholds are fitted on `tuning`. Questions whose id starts with `blind-` were written
by someone who had not read the code (eval/blind/README.md): they form the `blind` split, are never tuned
on, and their figures are reported first. Questions whose id starts with `tune-` were written the same way
but to be tuned on: they are always in `tuning`.
"""

from __future__ import annotations

import random
from typing import Literal, get_args

Split = Literal["tuning", "test", "blind", "all"]
SPLITS: tuple[str, ...] = get_args(Split)
SEED = 20261123
TEST_SHARE = 0.5


BLIND_PREFIX = "blind-"
TUNING_PREFIX = "tune-"  # questions written to be tuned on (eval/qa_tuning_r2.jsonl): never in test


def split_of(case_id: str, seed: int = SEED) -> Literal["tuning", "test", "blind"]:
    if case_id.startswith(BLIND_PREFIX):
        return "blind"
    if case_id.startswith(TUNING_PREFIX):
        return "tuning"
    return "test" if random.Random(f"{seed}:{case_id}").random() < TEST_SHARE else "tuning"


def in_split(case_id: str, split: Split) -> bool:
    return split == "all" or split_of(case_id) == split
