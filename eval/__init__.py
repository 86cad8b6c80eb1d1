"""Evaluation of the assistant: the handwritten question set (``qa.jsonl``), its schema and the metrics.

* :mod:`eval.schema` -- ``QACase``, ``load_cases`` (errors name the file and line) and ``resolve_titles``.
* :mod:`eval.metrics` -- pure retrieval, citation, key-fact and abstention metrics plus aggregation.
"""

from __future__ import annotations

from pathlib import Path

QA_PATH = Path(__file__).resolve().parent / "qa.jsonl"

__all__ = ["QA_PATH"]
