"""CI gate: compare a ``summary.json`` with the thresholds in ``eval/thresholds.json``.

The thresholds file is a JSON object with a ``thresholds`` list; each entry names a metric by its dotted path
in the summary and a bound, plus the value measured when the bound was set (documentation only)::

    {"thresholds": [
        {"metric": "retrieval.hybrid.recall@10", "min": 0.80, "measured": 0.84},
        {"metric": "answer.false_abstention_rate", "max": 0.10, "measured": 0.04}
    ]}

``min`` fails a value below it, ``max`` a value above it. A metric that the summary lacks (e.g. a retrieval
mode that was not run) or that is ``null`` fails too: a gate that silently skips is no gate. A metric name
that no summary can have (a typo) is refused when the file is loaded.

    python -m eval.gate eval/out/summary.json eval/thresholds.json      # exit 1 and one line per failure
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from eval.results import Summary, is_known_metric

__all__ = ["GateFileError", "Threshold", "check_gate", "load_thresholds"]


class GateFileError(ValueError):
    """An unusable thresholds file; ``str()`` is one line naming it."""


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    min: float | None = None
    max: float | None = None
    measured: float | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Threshold:
        if (self.min is None) == (self.max is None):
            raise ValueError(f"{self.metric}: give exactly one of 'min' or 'max'")
        if not is_known_metric(self.metric):
            raise ValueError(f"unknown metric {self.metric!r} (see eval/results.py for the summary's fields)")
        return self


def load_thresholds(path: str | Path) -> list[Threshold]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GateFileError(f"{p}: file not found") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise GateFileError(f"{p}: cannot read thresholds ({' '.join(str(exc).split())})") from None
    items = data.get("thresholds") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise GateFileError(f"{p}: expected an object with a non-empty 'thresholds' list")
    out: list[Threshold] = []
    for i, item in enumerate(items):
        try:
            out.append(Threshold.model_validate(item))
        except ValidationError as exc:
            msg = "; ".join(str(e.get("msg", "invalid")).removeprefix("Value error, ") for e in exc.errors())
            raise GateFileError(f"{p}: threshold #{i + 1}: {msg}") from None
    return out


def check_gate(summary: Summary, thresholds: Sequence[Threshold]) -> list[str]:
    """One line per threshold that the summary misses; empty when the gate passes."""
    failures: list[str] = []
    for t in thresholds:
        bound = f"min {t.min:g}" if t.min is not None else f"max {t.max:g}"
        measured = f" (measured {t.measured:g})" if t.measured is not None else ""
        try:
            value = summary.metric(t.metric)
        except KeyError:
            failures.append(f"gate: {t.metric} is not in the summary (needs {bound})")
            continue
        if value is None:
            failures.append(f"gate: {t.metric} is undefined (None; needs {bound})")
        elif t.min is not None and value < t.min:
            failures.append(f"gate: {t.metric} = {value:.4f} is below the minimum {t.min:g}{measured}")
        elif t.max is not None and value > t.max:
            failures.append(f"gate: {t.metric} = {value:.4f} is above the maximum {t.max:g}{measured}")
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m eval.gate SUMMARY.json THRESHOLDS.json", file=sys.stderr)
        return 2
    try:
        summary = Summary.model_validate_json(Path(args[0]).read_text(encoding="utf-8"))
        thresholds = load_thresholds(args[1])
    except (OSError, ValueError) as exc:  # ValidationError and GateFileError are ValueErrors
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    failures = check_gate(summary, thresholds)
    for line in failures:
        print(line, file=sys.stderr)
    if not failures:
        print(f"gate: all {len(thresholds)} thresholds met")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
