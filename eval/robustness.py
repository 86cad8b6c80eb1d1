"""Does the decision survive a new phrasing? Each list and unanswerable question of eval/qa_rephrasings.jsonl
is asked in its original wording and three rephrasings (written by helpers who had not read the code).

Reported per split: the share of questions whose decision (answer or decline) is the same in all four
phrasings, and the mean Jaccard overlap of the cited sets between the original and each rephrasing.
Run: ``python -m eval.robustness --split blind`` (writes bench/results/rephrasing-<split>.md).
"""

from __future__ import annotations

import argparse
import json
from itertools import combinations

from pydantic import Field

from eval.schema import load_cases
from eval.split import split_of
from rag.models import Record
from rag.settings import PROJECT_ROOT, load_settings

# three rephrasings of each list and unanswerable question: test and first blind batch, the third and
# fourth blind batches (each written with its questions), and the tuning split (to tune on)
REPHRASINGS = [
    PROJECT_ROOT / "eval" / name
    for name in ("qa_rephrasings.jsonl", "qa_rephrasings_r3.jsonl", "qa_rephrasings_r4.jsonl", "qa_rephrasings_tuning.jsonl")
]
QUESTIONS = [
    PROJECT_ROOT / "eval" / name
    for name in ("qa.jsonl", "qa_blind.jsonl", "qa_blind_r3.jsonl", "qa_blind_r4.jsonl", "qa_tuning_r2.jsonl")
]


class Rephrased(Record):
    id: str
    rephrasings: list[str] = Field(min_length=1, description="Same question, other words.")


class Robustness(Record):
    id: str
    decisions: list[bool] = Field(description="Declined, per phrasing (original first).")
    jaccard: float = Field(description="Mean overlap of cited sets, over all pairs of phrasings.")

    @property
    def agrees(self) -> bool:
        return len(set(self.decisions)) == 1


def jaccard(a: set[str], b: set[str]) -> float:
    return 1.0 if not a and not b else len(a & b) / len(a | b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="blind", choices=["tuning", "test", "blind"])
    parser.add_argument("--only", default="", help="Only ids starting with this (one batch: blind-r3-).")
    args = parser.parse_args()
    from rag.assemble import open_assistant

    questions = {c.id: c.question for path in QUESTIONS for c in load_cases(path)}
    rows = [
        Rephrased.model_validate_json(line)
        for path in REPHRASINGS
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rows = [
        r for r in rows if split_of(r.id) == args.split and r.id in questions and r.id.startswith(args.only)
    ]
    batch_name = f" {args.only}*" if args.only else ""
    assistant = open_assistant(load_settings(), say=lambda _: None)
    results = []
    for row in rows:
        answers = [assistant.ask(q, backend="extractive") for q in [questions[row.id], *row.rephrasings]]
        cited = [{c.paper_id for c in a.citations} for a in answers]
        pairs = [jaccard(x, y) for x, y in combinations(cited, 2)]
        results.append(
            Robustness(id=row.id, decisions=[a.abstained for a in answers], jaccard=sum(pairs) / len(pairs))
        )
    agree = sum(r.agrees for r in results) / len(results)
    mean_j = sum(r.jaccard for r in results) / len(results)
    lines = [
        f"# Rephrasing robustness, {args.split} split{batch_name} "
        f"({len(results)} questions x 4 phrasings, extractive)",
        "",
        "| measure | value |",
        "|---|---|",
        f"| same decision (answer or decline) in all 4 phrasings | **{agree:.3f}** |",
        f"| mean Jaccard overlap of the cited sets (all pairs) | **{mean_j:.3f}** |",
        "",
        "| id | declined (original, then rephrasings) | Jaccard |",
        "|---|---|---|",
        *[
            f"| {r.id} | {' '.join('D' if d else 'A' for d in r.decisions)} | {r.jaccard:.2f} |"
            for r in results
        ],
    ]
    name = args.only.rstrip("-") if args.only else args.split
    out = PROJECT_ROOT / "bench" / "results" / f"rephrasing-{name}.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:7]))
    print(json.dumps({"split": args.split, "agreement": round(agree, 3), "jaccard": round(mean_j, 3)}))


if __name__ == "__main__":
    main()
