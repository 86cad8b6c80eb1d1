"""The tuning / test split of the question set: fixed by a seed, stable as questions are added.

Each case falls in `test` or `tuning` by a seeded random draw on its id alone, so adding a question never
moves another one. Thresholds are fitted on `tuning`; the figures reported are those of `test`.
"""

from __future__ import annotations

import random
from typing import Literal, get_args

Split = Literal["tuning", "test", "all"]
SPLITS: tuple[str, ...] = get_args(Split)
SEED = 20261123
TEST_SHARE = 0.5


def split_of(case_id: str, seed: int = SEED) -> Literal["tuning", "test"]:
    return "test" if random.Random(f"{seed}:{case_id}").random() < TEST_SHARE else "tuning"


def in_split(case_id: str, split: Split) -> bool:
    return split == "all" or split_of(case_id) == split
