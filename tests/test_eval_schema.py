"""eval.schema: the bundled question set is valid and grounded in the corpus; bad files name the line."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from eval import QA_PATH
from eval.metrics import fact_present
from eval.schema import (
    QA_TYPES,
    QACase,
    QAFileError,
    UnknownTitleError,
    index_papers_by_title,
    load_cases,
    resolve_titles,
)
from rag.models import Paper
from rag.parsing import discover_files, merge_papers, parse_path

CORPUS_DIR = Path(__file__).resolve().parents[1] / "data" / "corpus"


@pytest.fixture(scope="module")
def corpus_papers() -> list[Paper]:
    files = discover_files([CORPUS_DIR])
    assert files, f"no corpus files under {CORPUS_DIR}"
    return merge_papers([parse_path(f) for f in files])


@pytest.fixture(scope="module")
def bundled_cases() -> list[QACase]:
    return load_cases(QA_PATH)


# ------------------------------------------------------------------------------------------- bundled set


def test_bundled_set_loads_with_enough_cases_of_every_type(bundled_cases: list[QACase]) -> None:
    assert len(bundled_cases) >= 50
    counts = Counter(c.type for c in bundled_cases)
    for qa_type in QA_TYPES:
        assert counts[qa_type] >= 5, f"only {counts[qa_type]} {qa_type} cases"


def test_bundled_ids_are_unique_and_named_after_their_type(bundled_cases: list[QACase]) -> None:
    ids = [c.id for c in bundled_cases]
    assert len(ids) == len(set(ids))
    for c in bundled_cases:
        assert c.id.startswith(f"{c.type}-"), c.id


def test_every_bundled_title_is_in_the_corpus(
    bundled_cases: list[QACase], corpus_papers: list[Paper]
) -> None:
    resolved = resolve_titles(bundled_cases, index_papers_by_title(corpus_papers))  # raises on unknown titles
    assert len(resolved) == len(bundled_cases)
    known = {p.id for p in corpus_papers}
    for rc in resolved:
        assert len(rc.gold_ids) == len(rc.case.gold_titles), rc.id  # no two gold titles merge into one paper
        assert set(rc.gold_ids) <= known and set(rc.acceptable_ids) <= known
        assert not set(rc.gold_ids) & set(rc.acceptable_ids)
        if rc.type == "unanswerable":
            assert rc.gold_ids == () and rc.case.key_facts == []


def _paper_text(p: Paper) -> str:
    meta = [", ".join(p.authors), str(p.author_count), str(p.date_text), str(p.upvotes), str(p.category)]
    return " ".join([p.title, p.abstract, *meta])


def test_key_facts_are_stated_by_the_gold_papers_and_the_reference_answer(
    bundled_cases: list[QACase], corpus_papers: list[Paper]
) -> None:
    """A key fact nobody could find in the cited papers would make the metric measure the wrong thing."""
    by_id = {p.id: p for p in corpus_papers}
    for rc in resolve_titles(bundled_cases, index_papers_by_title(corpus_papers)):
        source = " ".join(_paper_text(by_id[pid]) for pid in rc.gold_ids)
        for fact in rc.case.key_facts:
            assert fact_present(source, fact), f"{rc.id}: {fact!r} not in its gold papers"
            assert fact_present(rc.case.reference_answer, fact), f"{rc.id}: {fact!r} not in reference answer"


# ------------------------------------------------------------------------------------------- malformed files


def _case(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "fact-01",
        "type": "fact",
        "question": "What accuracy was reported?",
        "gold_titles": ["Some Paper"],
        "acceptable_titles": [],
        "reference_answer": "It reports 94%.",
        "key_facts": ["94%"],
    }
    base.update(overrides)
    return base


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _line(**overrides: Any) -> str:
    return json.dumps(_case(**overrides))


def _error(path: Path) -> QAFileError:
    with pytest.raises(QAFileError) as info:
        load_cases(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return info.value


def test_valid_file_with_blank_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, [_line(id="a-1"), "", "   ", _line(id="a-2")])
    cases = load_cases(path)
    assert [c.id for c in cases] == ["a-1", "a-2"]
    assert cases[0].gold_titles == ["Some Paper"]


def test_bad_json_names_line_3(tmp_path: Path) -> None:
    path = _write(tmp_path, [_line(id="a-1"), _line(id="a-2"), '{"id": "a-3", "type": '])
    err = _error(path)
    assert err.line == 3
    assert f"{path} line 3: invalid JSON" in str(err)


def test_blank_lines_keep_physical_line_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, [_line(id="a-1"), "", "not json"])
    assert _error(path).line == 3


def test_wrong_type_names_field_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, [_line(id="a-1"), _line(id="a-2", type="trivia")])
    message = str(_error(path))
    assert message.startswith(f"{path} line 2: field 'type': Input should be 'topic', 'fact'")
    assert "'paraphrase'" in message


def test_missing_field(tmp_path: Path) -> None:
    obj = _case()
    del obj["key_facts"]
    path = _write(tmp_path, [json.dumps(obj)])
    assert str(_error(path)) == f"{path} line 1: field 'key_facts': Field required"


def test_extra_field(tmp_path: Path) -> None:
    path = _write(tmp_path, [_line(), _line(id="fact-02", difficulty="hard")])
    message = str(_error(path))
    assert message.startswith(f"{path} line 2: field 'difficulty': unexpected field")


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, [_line(id="x-1"), _line(id="dup"), _line(id="x-2"), _line(id="dup")])
    err = _error(path)
    assert err.line == 4
    assert str(err) == f"{path} line 4: duplicate id 'dup' (first used on line 2)"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"question": "   "}, "field 'question': must not be empty"),
        ({"type": "unanswerable"}, "unanswerable case must have empty gold_titles"),
        ({"type": "unanswerable", "gold_titles": []}, "unanswerable case must have empty key_facts"),
        ({"gold_titles": []}, "a fact case needs at least one gold title"),
        ({"type": "metadata", "gold_titles": [], "key_facts": []}, "or, for an aggregation, the key facts"),
        ({"gold_titles": ["A", "a"]}, "title listed twice"),
        ({"acceptable_titles": ["Some Paper"]}, "both gold and acceptable"),
        ({"key_facts": [""]}, "key facts must be non-empty"),
        ({"id": "has space"}, "field 'id'"),
        ({"gold_titles": "Some Paper"}, "field 'gold_titles': Input should be a valid list"),
    ],
)
def test_schema_violations_name_the_line(tmp_path: Path, overrides: dict[str, Any], expected: str) -> None:
    path = _write(tmp_path, [_line(id="ok-1"), _line(**overrides)])
    message = str(_error(path))
    assert message.startswith(f"{path} line 2: ")
    assert expected in message


def test_unanswerable_case_is_valid_with_empty_gold_and_facts(tmp_path: Path) -> None:
    path = _write(
        tmp_path, [_line(type="unanswerable", gold_titles=[], key_facts=[], acceptable_titles=["X"])]
    )
    (case,) = load_cases(path)
    assert case.gold_titles == [] and case.acceptable_titles == ["X"]


def test_aggregation_case_is_checked_by_its_numbers(tmp_path: Path) -> None:
    """'How many papers per year?' selects no set of papers: its key facts are the answer."""
    path = _write(tmp_path, [_line(type="metadata", gold_titles=[], key_facts=["2023: 23"])])
    (case,) = load_cases(path)
    assert case.gold_titles == [] and case.key_facts == ["2023: 23"]


def test_non_object_line(tmp_path: Path) -> None:
    path = _write(tmp_path, ["[1, 2]"])
    assert "expected a JSON object, got list" in str(_error(path))


def test_missing_and_empty_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    assert str(_error(missing)) == f"{missing}: file not found"
    empty = _write(tmp_path, ["", ""])
    assert str(_error(empty)) == f"{empty}: no cases in file"


# ------------------------------------------------------------------------------------------- title resolution


def test_resolve_titles_normalizes_and_reports_unknown_titles(corpus_papers: list[Paper]) -> None:
    index = index_papers_by_title(corpus_papers)
    good = QACase(**_case(id="t-1", gold_titles=["dynamical linear bandits"], acceptable_titles=[]))
    (resolved,) = resolve_titles([good], index)
    assert len(resolved.gold_ids) == 1
    assert resolved.gold_ids[0] == next(p.id for p in corpus_papers if p.title == "Dynamical Linear Bandits")

    bad = QACase(**_case(id="t-2", gold_titles=["Dynamical Linear Bandits", "A Paper That Does Not Exist"]))
    worse = QACase(**_case(id="t-3", gold_titles=["Dynamical Linear Bandits"], acceptable_titles=["Nope"]))
    with pytest.raises(UnknownTitleError) as info:
        resolve_titles([good, bad, worse], index)
    message = str(info.value)
    assert "'A Paper That Does Not Exist' (case t-2)" in message
    assert "'Nope' (case t-3)" in message
    assert info.value.unknown == [("t-2", "A Paper That Does Not Exist"), ("t-3", "Nope")]


def test_resolve_titles_accepts_plain_id_mapping() -> None:
    case = QACase(**_case(gold_titles=["Some Paper", "Other: Paper"], acceptable_titles=["Third Paper"]))
    mapping = {"some paper": "p1", "other paper": "p2", "third paper": "p3"}
    (resolved,) = resolve_titles([case], mapping)
    assert resolved.gold_ids == ("p1", "p2")
    assert resolved.acceptable_ids == ("p3",)
