"""The evaluation question set: one JSON object per line, validated strictly.

Every line of ``eval/qa.jsonl`` is a :class:`QACase`. :func:`load_cases` turns any problem in the file
into a single-line :class:`QAFileError` that names the file and the line, e.g.::

    eval/qa.jsonl line 7: field 'type': Input should be 'topic', 'fact', ... or 'paraphrase'

:func:`resolve_titles` maps the titles of the cases to the paper ids of the parsed collection and fails
loudly (naming the title and the case) when a title is not in the collection, so a typo in the question set
can never silently turn into "no relevant paper".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from rag.parsing import normalize_title

__all__ = [
    "QA_TYPES",
    "QACase",
    "QAFileError",
    "QAType",
    "ResolvedCase",
    "UnknownTitleError",
    "index_papers_by_title",
    "load_cases",
    "normalize_title",
    "resolve_titles",
]

QAType = Literal["topic", "fact", "metadata", "synthesis", "unanswerable", "paraphrase"]
QA_TYPES: tuple[str, ...] = get_args(QAType)


class QAFileError(ValueError):
    """A question file that cannot be used. ``str(err)`` is one line naming the file (and line, if any)."""

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.detail = _one_line(message)
        where = f"{self.path} line {line}" if line is not None else self.path
        super().__init__(f"{where}: {self.detail}")


class UnknownTitleError(ValueError):
    """Some gold or acceptable titles of the question set are not in the collection."""

    def __init__(self, unknown: list[tuple[str, str]]) -> None:
        self.unknown = unknown  # (case id, title) pairs, in file order
        listed = "; ".join(f"{title!r} (case {case_id})" for case_id, title in unknown)
        super().__init__(_one_line(f"{len(unknown)} title(s) not in the collection: {listed}"))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _check_titles(titles: list[str]) -> list[str]:
    cleaned = [t.strip() for t in titles]
    if any(not t for t in cleaned):
        raise ValueError("titles must be non-empty strings")
    seen: set[str] = set()
    for t in cleaned:
        key = normalize_title(t)
        if key in seen:
            raise ValueError(f"title listed twice: {t!r}")
        seen.add(key)
    return cleaned


class QACase(BaseModel):
    """One evaluation question with what a correct answer must cite and state.

    * ``gold_titles`` -- every paper a complete answer must cite (for ``topic`` questions: the complete set
      of papers of the collection on that topic); empty exactly for ``unanswerable`` questions.
    * ``acceptable_titles`` -- related papers whose citation is not wrong, but not required either.
    * ``key_facts`` -- short strings a correct answer must state (numbers as written in the abstract);
      empty for ``unanswerable`` questions.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str
    type: QAType
    question: str
    gold_titles: list[str]
    acceptable_titles: list[str]
    reference_answer: str
    key_facts: list[str]

    @field_validator("id")
    @classmethod
    def _id_is_a_token(cls, value: str) -> str:
        if not value or any(ch.isspace() for ch in value):
            raise ValueError("id must be a non-empty string without spaces")
        return value

    @field_validator("question", "reference_answer")
    @classmethod
    def _non_empty_text(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("gold_titles", "acceptable_titles")
    @classmethod
    def _clean_titles(cls, value: list[str]) -> list[str]:
        return _check_titles(value)

    @field_validator("key_facts")
    @classmethod
    def _clean_facts(cls, value: list[str]) -> list[str]:
        if any(not f.strip() for f in value):
            raise ValueError("key facts must be non-empty strings")
        return [f.strip() for f in value]

    @model_validator(mode="after")
    def _consistent_with_type(self) -> QACase:
        if self.type == "unanswerable":
            if self.gold_titles:
                raise ValueError("an unanswerable case must have empty gold_titles")
            if self.key_facts:
                raise ValueError("an unanswerable case must have empty key_facts")
        elif not self.gold_titles and not (self.type == "metadata" and self.key_facts):
            # an aggregation ("how many papers per year?") or an empty selection is checked by its numbers
            raise ValueError(
                f"a {self.type} case needs at least one gold title"
                + (" (or, for an aggregation, the key facts of its answer)" * (self.type == "metadata"))
            )
        gold = {normalize_title(t) for t in self.gold_titles}
        both = [t for t in self.acceptable_titles if normalize_title(t) in gold]
        if both:
            raise ValueError(f"title is both gold and acceptable: {both[0]!r}")
        return self


def _format_validation_error(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e.get("loc", ()))
        msg = str(e.get("msg", "invalid"))
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if e.get("type") == "extra_forbidden":
            msg = "unexpected field (allowed: " + ", ".join(QACase.model_fields) + ")"
        parts.append(f"field {loc!r}: {msg}" if loc else msg)
    return "; ".join(parts)


def parse_case(obj: Any) -> QACase:
    """Validate one decoded JSON value; raises ``ValueError`` with a one-line reason."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    try:
        return QACase.model_validate(obj)
    except ValidationError as exc:
        raise ValueError(_format_validation_error(exc)) from None


def load_cases(path: str | Path) -> list[QACase]:
    """Read a JSONL question file. Blank lines are skipped; line numbers are 1-based physical lines.

    Raises :class:`QAFileError` on the first problem: unreadable file, invalid JSON, a value that is not
    an object, a schema violation, a duplicate id (naming both lines) or a file without any case.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise QAFileError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise QAFileError(path, f"cannot read ({reason})") from None

    cases: list[QACase] = []
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QAFileError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", lineno) from None
        try:
            case = parse_case(obj)
        except ValueError as exc:
            raise QAFileError(path, str(exc), lineno) from None
        if case.id in first_line:
            raise QAFileError(
                path, f"duplicate id {case.id!r} (first used on line {first_line[case.id]})", lineno
            )
        first_line[case.id] = lineno
        cases.append(case)
    if not cases:
        raise QAFileError(path, "no cases in file")
    return cases


@dataclass(frozen=True)
class ResolvedCase:
    """A case with its titles mapped to paper ids (order kept, duplicates dropped)."""

    case: QACase
    gold_ids: tuple[str, ...]
    acceptable_ids: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.case.id

    @property
    def type(self) -> str:
        return self.case.type


def index_papers_by_title(papers: Iterable[Any]) -> dict[str, Any]:
    """``{normalize_title(p.title): p}`` for objects with ``title`` (e.g. ``rag.models.Paper``)."""
    return {normalize_title(p.title): p for p in papers}


def _paper_id(value: Any) -> str:
    return value if isinstance(value, str) else str(value.id)


def resolve_titles(
    cases: Iterable[QACase], papers_by_normalized_title: Mapping[str, Any]
) -> list[ResolvedCase]:
    """Map every gold and acceptable title to a paper id.

    ``papers_by_normalized_title`` maps :func:`normalize_title` keys to papers (anything with an ``id``)
    or directly to id strings; see :func:`index_papers_by_title`. Titles are looked up after
    normalization, so case, punctuation and Unicode form do not matter. Raises
    :class:`UnknownTitleError` listing every unknown title with its case id.
    """
    resolved: list[ResolvedCase] = []
    unknown: list[tuple[str, str]] = []

    def ids_for(case: QACase, titles: list[str]) -> list[str]:
        out: list[str] = []
        for title in titles:
            hit = papers_by_normalized_title.get(normalize_title(title))
            if hit is None:
                unknown.append((case.id, title))
                continue
            pid = _paper_id(hit)
            if pid not in out:
                out.append(pid)
        return out

    for case in cases:
        gold = ids_for(case, case.gold_titles)
        acceptable = [pid for pid in ids_for(case, case.acceptable_titles) if pid not in gold]
        resolved.append(ResolvedCase(case=case, gold_ids=tuple(gold), acceptable_ids=tuple(acceptable)))
    if unknown:
        raise UnknownTitleError(unknown)
    return resolved
