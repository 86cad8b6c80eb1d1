"""`rag eval`: the runner, the outputs and their stable keys, the CI gate and the judge's cache."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from eval.gate import GateFileError, Threshold, check_gate, load_thresholds
from eval.judge import Judge, JudgeError, judge_cache_key, summarize_verdicts
from eval.metrics import fact_present
from eval.report import CHART_FILES
from eval.results import ANSWER_METRICS, RETRIEVAL_METRICS, Summary, percentile
from eval.runner import DEFAULT_QA, numbers_not_in, parse_modes, score_question
from eval.schema import QACase, ResolvedCase
from rag.cli import EXIT_ERROR, app
from rag.indexing.index import PaperIndex
from rag.models import Answer, Citation, Source
from rag.settings import PROJECT_ROOT, Settings
from tests.support.fake_ollama import FakeOllama, serving

runner = CliRunner()
THRESHOLDS = PROJECT_ROOT / "eval" / "thresholds.json"
OUTPUT_FILES = ("results.jsonl", "summary.json", "report.md", *CHART_FILES)


def bundled_lines() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEFAULT_QA.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def mixed_subset() -> list[dict[str, Any]]:
    """The first two cases of every answerable type and one unanswerable case: small and varied."""
    picked: list[dict[str, Any]] = []
    for row in bundled_lines():
        limit = 1 if row["type"] == "unanswerable" else 2
        if sum(r["type"] == row["type"] for r in picked) < limit:
            picked.append(row)
    return picked


def is_rate(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and 0.0 <= value <= 1.0)


# ------------------------------------------------------------------------------------------ end to end


def test_eval_end_to_end_writes_every_output_with_stable_keys(on_corpus: PaperIndex, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["eval", "--limit", "3", "--backend", "extractive", "--out", str(out), "--judge"]
    )
    assert result.exit_code == 0, result.output
    for name in OUTPUT_FILES:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert all((out / c).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for c in CHART_FILES)

    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_questions"] == 3 and summary["backend"] == "extractive"
    assert "model" in summary
    assert set(summary["retrieval"]) == {"bm25", "dense", "hybrid"}  # --retrieval defaults to all
    for mode, block in summary["retrieval"].items():
        assert set(RETRIEVAL_METRICS) <= set(block), mode
        assert all(is_rate(block[m]) and block[m] is not None for m in RETRIEVAL_METRICS), block
    assert set(ANSWER_METRICS) <= set(summary["answer"])
    rates = [m for m in ANSWER_METRICS if m != "invalid_citations"]
    assert all(is_rate(summary["answer"][m]) for m in rates), summary["answer"]
    assert summary["answer"]["invalid_citations"] >= 0
    assert set(summary["by_type"]) == {"topic"}  # the first three bundled cases are topic questions
    assert set(ANSWER_METRICS) <= set(summary["by_type"]["topic"])
    assert all(is_rate(summary["by_type"]["topic"][m]) for m in rates)
    latency = summary["latency"]
    stats = {"retrieval", "first_token", "total", "written_first_token", "written_total"}
    assert set(latency) == {*stats, "written"}
    assert all(set(latency[name]) == {"p50", "p95"} for name in stats)
    assert latency["total"]["p50"] > 0
    # evidence-only: no answer was written by a model, so its timings are undefined, not zero
    assert latency["written"] == 0 and latency["written_first_token"] == {"p50": None, "p95": None}
    # the judge was asked for but Ollama is not there: a one-line notice, kept apart from the metrics
    assert summary["judge"]["status"] == "skipped"
    assert "judge skipped" in result.stderr and "Ollama" in result.stderr

    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["topic-01", "topic-02", "topic-03"]
    for row in rows:
        assert row["answer"] and row["backend"] == "extractive"
        assert set(row["retrieved"]) == {"bm25", "dense", "hybrid"}
        assert all(len(ids) >= 10 for ids in row["retrieved"].values())
        assert all(set(row["retrieval"][m]) == set(RETRIEVAL_METRICS) for m in row["retrieval"])
        for key in ("citation_precision", "citation_recall", "citation_f1", "key_fact_recall"):
            assert key in row and is_rate(row[key])
        assert {"invalid_citations", "abstention_correct", "citations", "time_total"} <= set(row)

    report = (out / "report.md").read_text()
    assert "## Retrieval modes" in report and "## Answers by question type" in report
    assert "## Worst questions" in report and "| metric | bm25 | dense | hybrid |" in report
    assert "recall@10" in result.stdout and "topic" in result.stdout  # the summary table


def test_unknown_title_is_one_line_naming_it(on_corpus: PaperIndex, tmp_path: Path) -> None:
    row = dict(bundled_lines()[0])
    row["gold_titles"] = [*row["gold_titles"], "A Paper That Nobody Wrote"]
    qa = write_jsonl(tmp_path / "qa.jsonl", [row])
    result = runner.invoke(app, ["eval", "--qa", str(qa), "--backend", "extractive", "--out", str(tmp_path)])
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.strip().count("\n") == 0
    assert "A Paper That Nobody Wrote" in result.stderr and "topic-01" in result.stderr
    assert not (tmp_path / "summary.json").exists()


def test_titles_match_after_normalization(on_corpus: PaperIndex, tmp_path: Path) -> None:
    row = dict(bundled_lines()[0])
    row["gold_titles"] = [t.upper().replace(":", " :") for t in row["gold_titles"]]
    qa = write_jsonl(tmp_path / "qa.jsonl", [row])
    out = tmp_path / "out"
    args = ["eval", "--qa", str(qa), "--backend", "extractive", "--retrieval", "bm25", "--out", str(out)]
    result = runner.invoke(app, [*args, "--no-progress"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["retrieval"]) == ["bm25"] and summary["retrieval"]["bm25"]["recall@10"] > 0


def test_malformed_question_file_names_the_line(tmp_path: Path) -> None:
    rows = bundled_lines()[:2]
    qa = tmp_path / "bad.jsonl"
    qa.write_text(json.dumps(rows[0]) + "\n" + json.dumps({**rows[1], "type": "trivia"}) + "\n")
    result = runner.invoke(app, ["eval", "--qa", str(qa), "--out", str(tmp_path / "out")])
    assert result.exit_code == EXIT_ERROR
    assert "bad.jsonl line 2" in result.stderr and "type" in result.stderr
    assert result.stderr.strip().count("\n") == 0

    qa.write_text(json.dumps(rows[0]) + "\n{not json\n")
    result = runner.invoke(app, ["eval", "--qa", str(qa)])
    assert result.exit_code == EXIT_ERROR and "bad.jsonl line 2" in result.stderr and "JSON" in result.stderr


def test_an_explicit_backend_that_cannot_answer_stops_the_run(on_corpus: PaperIndex, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["eval", "--backend", "ollama", "--limit", "1", "--out", str(out)])
    assert result.exit_code == EXIT_ERROR
    assert "error: Ollama is not reachable" in result.stderr and "ollama serve" in result.stderr
    assert not (out / "summary.json").exists()


def test_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "--retrieval", "sparse"])
    assert result.exit_code == EXIT_ERROR and "sparse" in result.stderr
    result = runner.invoke(app, ["eval", "--backend", "gpt"])
    assert result.exit_code == EXIT_ERROR and "gpt" in result.stderr
    result = runner.invoke(app, ["eval", "--gate", str(tmp_path / "missing.json")])
    assert result.exit_code == EXIT_ERROR and "missing.json" in result.stderr


def test_degraded_configuration_fails_the_gate(
    on_corpus: PaperIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thresholds set from a run on a small mixed question set catch a crippled retriever and a wrong gold."""
    qa = write_jsonl(tmp_path / "qa.jsonl", mixed_subset())
    base = ["eval", "--qa", str(qa), "--backend", "extractive", "--retrieval", "hybrid", "--no-progress"]
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "base")])
    assert result.exit_code == 0, result.output
    measured = json.loads((tmp_path / "base" / "summary.json").read_text())
    headline = [
        "retrieval.hybrid.recall@10",
        "retrieval.hybrid.mrr",
        "answer.citation_f1",
        "answer.key_fact_recall",
    ]
    entries = []
    for metric in headline:
        section, *rest = metric.split(".")
        value = measured[section]
        for key in rest:
            value = value[key]
        assert value > 0.3, (metric, value)  # the baseline is good enough for a regression to show
        entries.append({"metric": metric, "min": round(value - 0.05, 4), "measured": value})
    gate = tmp_path / "thresholds.json"
    gate.write_text(json.dumps({"thresholds": entries}))

    # the same configuration passes its own gate ...
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "again"), "--gate", str(gate)])
    assert result.exit_code == 0, result.output
    assert "thresholds met" in result.stdout

    # ... a retriever that fetches one chunk per retriever does not
    monkeypatch.setenv("RAG_RETRIEVAL_CANDIDATES", "1")
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "degraded"), "--gate", str(gate)])
    monkeypatch.delenv("RAG_RETRIEVAL_CANDIDATES")
    assert result.exit_code == 1, result.output
    failed = [line for line in result.stderr.splitlines() if line.startswith("gate:")]
    assert any("retrieval.hybrid.recall@10" in line for line in failed), result.stderr
    assert (tmp_path / "degraded" / "summary.json").is_file()  # outputs are written before the verdict

    # ... and neither does a question set whose gold papers were shuffled between questions
    rows = [r for r in mixed_subset() if r["type"] != "unanswerable"]
    golds = [r["gold_titles"] for r in rows]
    shuffled = []
    for i, r in enumerate(rows):
        gold = golds[(i + 3) % len(rows)]
        shuffled.append({**r, "gold_titles": gold, "acceptable_titles": []})
    qa2 = write_jsonl(tmp_path / "shuffled.jsonl", shuffled)
    args = ["eval", "--qa", str(qa2), "--backend", "extractive", "--retrieval", "hybrid", "--no-progress"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "shuffled"), "--gate", str(gate)])
    assert result.exit_code == 1, result.output
    assert "retrieval.hybrid.mrr" in result.stderr and "answer.citation_f1" in result.stderr


# ------------------------------------------------------------------------------------------ gate


def measured_dict(thresholds: list[Threshold]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for t in thresholds:
        node = summary
        *parents, leaf = t.metric.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = t.measured
    return summary


def summary_at_measured(thresholds: list[Threshold]) -> Summary:
    return Summary.model_validate(measured_dict(thresholds))


def test_committed_thresholds_are_consistent_and_catch_a_lowered_metric() -> None:
    thresholds = load_thresholds(THRESHOLDS)
    assert len(thresholds) >= 5
    names = {t.metric for t in thresholds}
    assert {"retrieval.hybrid.recall@10", "retrieval.hybrid.mrr", "answer.citation_f1"} <= names
    assert {"answer.key_fact_recall", "answer.abstention_accuracy", "answer.false_abstention_rate"} <= names
    for t in thresholds:
        assert t.measured is not None, t.metric
        assert (t.min is not None and t.min <= t.measured) or (t.max is not None and t.max >= t.measured)
    summary = summary_at_measured(thresholds)
    assert check_gate(summary, thresholds) == []
    for t in thresholds:  # every single regression past its bound is reported, alone
        worse_dict = measured_dict(thresholds)
        node = worse_dict
        *parents, leaf = t.metric.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = t.min - 0.01 if t.min is not None else t.max + 0.01  # type: ignore[operator]
        failures = check_gate(Summary.model_validate(worse_dict), thresholds)
        assert len(failures) == 1 and t.metric in failures[0], (t.metric, failures)


def test_gate_fails_on_missing_or_undefined_metrics(tmp_path: Path) -> None:
    thresholds = [
        Threshold(metric="retrieval.bm25.mrr", min=0.5),
        Threshold(metric="answer.key_fact_recall", min=0.5),
        Threshold(metric="answer.false_abstention_rate", max=0.1),
    ]
    summary = Summary.model_validate(
        {
            "retrieval": {"hybrid": {"mrr": 0.9}},
            "answer": {"key_fact_recall": None, "false_abstention_rate": 0.2},
        }
    )
    failures = check_gate(summary, thresholds)
    assert len(failures) == 3
    assert (
        "not in the summary" in failures[0]
        and "undefined" in failures[1]
        and "above the maximum" in failures[2]
    )

    bad = tmp_path / "t.json"
    bad.write_text(json.dumps({"thresholds": [{"metric": "answer.citation_f1"}]}))
    with pytest.raises(GateFileError, match="exactly one of"):
        load_thresholds(bad)
    bad.write_text("[1, 2")
    with pytest.raises(GateFileError, match="t.json"):
        load_thresholds(bad)
    bad.write_text(json.dumps({"thresholds": [{"metric": "answer.citation_f2", "min": 0.5}]}))
    with pytest.raises(GateFileError, match="unknown metric 'answer.citation_f2'"):
        load_thresholds(bad)


def test_gate_module_command_line(tmp_path: Path) -> None:
    from eval.gate import main

    thresholds = load_thresholds(THRESHOLDS)
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps(measured_dict(thresholds)))
    assert main([str(summary), str(THRESHOLDS)]) == 0
    lowered = measured_dict(thresholds)
    lowered["answer"]["citation_f1"] = 0.0
    summary.write_text(json.dumps(lowered))
    assert main([str(summary), str(THRESHOLDS)]) == 1


# ------------------------------------------------------------------------------------------ scoring


def resolved(case: dict[str, Any], gold: tuple[str, ...], acceptable: tuple[str, ...] = ()) -> ResolvedCase:
    return ResolvedCase(case=QACase.model_validate(case), gold_ids=gold, acceptable_ids=acceptable)


def test_score_question_counts_acceptable_as_neutral_and_finds_missing_facts() -> None:
    rc = resolved(
        {
            "id": "fact-x",
            "type": "fact",
            "question": "How fast is it?",
            "gold_titles": ["Paper G"],
            "acceptable_titles": ["Paper A"],
            "reference_answer": "2.33x faster with 94% accuracy.",
            "key_facts": ["2.33x", "94%"],
        },
        gold=("g",),
        acceptable=("a",),
    )
    answer = Answer(
        question="How fast is it?",
        text="It is 2.33x faster [1] and reaches 97% [2].",
        citations=[
            Citation(n=1, paper_id="g", title="Paper G"),
            Citation(n=2, paper_id="a", title="Paper A"),
        ],
        sources=[Source(n=1, paper_id="g", title="Paper G"), Source(n=2, paper_id="a", title="Paper A")],
        backend="extractive",
        invalid_citations=1,
    )
    r = score_question(
        rc, answer, {"hybrid": ["x", "g", "g", "a"]}, source_texts=["a 2.33x speed-up, 94% acc"]
    )
    assert (r.citation_precision, r.citation_recall, r.citation_f1) == (1.0, 1.0, 1.0)  # 'a' is acceptable
    assert r.key_fact_recall == 0.5 and r.missing_facts == ["94%"]
    assert r.unsourced_numbers == ["97"]
    assert r.retrieval["hybrid"]["mrr"] == 0.5 and r.retrieval["hybrid"]["recall@5"] == 1.0
    assert r.invalid_citations == 1 and r.abstention_correct and r.cited_ids == ["g", "a"]


def test_score_question_abstention() -> None:
    rc = resolved(
        {
            "id": "u",
            "type": "unanswerable",
            "question": "Music?",
            "gold_titles": [],
            "acceptable_titles": [],
            "reference_answer": "None.",
            "key_facts": [],
        },
        gold=(),
    )
    abstained = Answer(question="Music?", text="Not covered.", abstained=True, backend="extractive")
    r = score_question(rc, abstained, {"hybrid": ["x"]})
    assert r.abstention_correct and r.citation_f1 == 1.0 and r.key_fact_recall is None
    assert r.retrieval["hybrid"]["recall@10"] is None
    answered = Answer(
        question="Music?",
        text="See [1].",
        citations=[Citation(n=1, paper_id="x", title="X")],
        backend="extractive",
    )
    r = score_question(rc, answered, {})
    assert not r.abstention_correct and r.citation_f1 == 0.0


def test_score_question_aggregation_is_scored_by_its_numbers() -> None:
    rc = resolved(
        {
            "id": "m",
            "type": "metadata",
            "question": "How many papers per year?",
            "gold_titles": [],
            "acceptable_titles": [],
            "reference_answer": "2023: 23, 2024: 18.",
            "key_facts": ["2023: 23", "2024: 18"],
        },
        gold=(),
    )
    answer = Answer(
        question="How many papers per year?",
        text="| 2023 | 23 |\n2024: 18 [1]",
        citations=[Citation(n=1, paper_id="x", title="X")],
        backend="extractive",
    )
    r = score_question(rc, answer, {})
    assert (r.citation_precision, r.citation_recall, r.citation_f1) == (None, None, None)
    assert r.key_fact_recall == 1.0  # the table row | 2023 | 23 | states "2023: 23"
    assert fact_present("| 2023 | 23 | ███ |", "2023: 23") and not fact_present("| 2023 | 230 |", "2023: 23")


def test_helpers() -> None:
    assert parse_modes("all") == ["bm25", "dense", "hybrid"]
    assert parse_modes("hybrid,bm25") == ["bm25", "hybrid"]
    with pytest.raises(ValueError, match="sparse"):
        parse_modes("sparse")
    assert percentile([None, 1.0, 2.0, 3.0], 50) == 2.0 and percentile([], 95) is None
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)
    assert numbers_not_in("reaches 94% in 2024 [3]", ["94 % accuracy"]) == ["2024"]
    assert numbers_not_in("9 layers", ["94 layers"]) == ["9"]


# ------------------------------------------------------------------------------------------ judge
# The judge's Ollama path runs against tests/support/fake_ollama.py, whose replies a real GGUF model (Gemma 3
# 270M, a base model) generates at temperature 0 under the JSON grammar that "format": "json" asks for.
# Nothing here is canned text: the tests assert what holds for whatever that model writes.

JUDGE_TAG = "judge-test:latest"
JUDGE_CASE = (
    "Which paper introduced the Transformer?",
    "Attention Is All You Need [1].",
    "The Transformer was introduced in Attention Is All You Need [1].",
    "[1] Attention Is All You Need (2017)\n- We propose the Transformer, based solely on attention.",
)


def test_judge_cache_key_is_a_pure_function_of_its_four_inputs() -> None:
    key = judge_cache_key("q", "a", "c", "m")
    assert key == judge_cache_key("q", "a", "c", "m") and len(key) == 64
    assert int(key, 16) >= 0
    variants = {
        judge_cache_key(*args)
        for args in [("Q", "a", "c", "m"), ("q", "A", "c", "m"), ("q", "a", "C", "m"), ("q", "a", "c", "M")]
    }
    assert len(variants) == 4 and key not in variants
    assert judge_cache_key("qa", "", "c", "m") != judge_cache_key("q", "a", "c", "m")  # no ambiguous joins


def test_judge_prompt_is_a_file_and_its_text_is_in_the_cache_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import eval.judge as judge_module
    from rag.answering.prompts import load_prompt

    assert judge_module.judge_prompt() == load_prompt("judge") and '"verdict"' in load_prompt("judge")
    assert (PROJECT_ROOT / "prompts" / "judge.md").is_file()
    key = judge_cache_key("q", "a", "c", "m")
    monkeypatch.setattr(judge_module, "judge_prompt", lambda: load_prompt("judge") + "\nBe strict.")
    assert judge_cache_key("q", "a", "c", "m") != key  # an edited prompt never reuses old verdicts


@dataclass
class JudgeServer:
    fake: FakeOllama
    url: str


@pytest.fixture(scope="module")
def judge_server(gguf_path: Path) -> Iterator[JudgeServer]:
    """The GGUF loads once for this module. 4096 tokens of context hold an eval case with its papers;
    64 generated tokens are enough for a verdict and keep the tests quick."""
    fake = FakeOllama(gguf_path, JUDGE_TAG, n_ctx=4096, n_threads=2, num_predict=64)
    with serving(fake) as url:
        yield JudgeServer(fake, url)


def judge_settings(settings: Settings, server: JudgeServer) -> Settings:
    return settings.model_copy(update={"ollama": settings.ollama.model_copy(update={"host": server.url})})


def chat_requests(server: JudgeServer) -> list[dict[str, Any]]:
    """What the fake server received on /api/chat, in order (its request log)."""
    return [body for method, path, body in server.fake.requests if method == "POST" and path == "/api/chat"]


@pytest.mark.slow
def test_judge_grades_through_ollama_and_caches_verdicts_on_disk(
    judge_server: JudgeServer, settings: Settings, tmp_path: Path
) -> None:
    from eval.judge import SCORES, judge_prompt

    settings = judge_settings(settings, judge_server)
    cache = tmp_path / "cache"
    before = len(chat_requests(judge_server))
    judge = Judge(settings, JUDGE_TAG, cache_dir=cache)
    # JSON-constrained output from the real model: it parses (at temperature 0 this is deterministic)
    first = judge.grade(*JUDGE_CASE)
    assert first.verdict in SCORES and first.score == SCORES[first.verdict] and not first.cached
    assert first.model == JUDGE_TAG and "\n" not in first.reason
    requests = chat_requests(judge_server)[before:]
    assert len(requests) == 1 and judge.calls == 1
    sent = requests[0]
    assert sent["model"] == JUDGE_TAG and sent["format"] == "json" and sent["stream"] is False
    assert sent["options"]["temperature"] == 0 and sent["options"]["seed"] == 0
    assert sent["messages"][0] == {"role": "system", "content": judge_prompt()}
    question, _, answer, context = JUDGE_CASE
    path = cache / f"{judge_cache_key(question, answer, context, JUDGE_TAG)}.json"
    assert path.is_file() and json.loads(path.read_text())["verdict"] == first.verdict

    again = Judge(settings, JUDGE_TAG, cache_dir=cache)
    second = again.grade(*JUDGE_CASE)
    assert second.cached and second.verdict == first.verdict and second.reason == first.reason
    assert again.calls == 0 and len(chat_requests(judge_server)) == before + 1  # the server was not asked
    # the same server model under another pinned name is another cache key: graded afresh, cached apart
    untagged = Judge(settings, "judge-test", cache_dir=cache).grade(*JUDGE_CASE)
    assert not untagged.cached and chat_requests(judge_server)[-1]["model"] == "judge-test"
    assert len(chat_requests(judge_server)) == before + 2 and len(list(cache.glob("*.json"))) == 2

    block = summarize_verdicts(JUDGE_TAG, [("fact", first), ("topic", second)])
    assert block["n"] == 2 and block["cached"] == 1 and block["mean_score"] == first.score
    assert block["correct_rate"] == (1.0 if first.verdict == "correct" else 0.0)


@pytest.mark.slow
def test_judge_failures_are_one_line_errors(
    judge_server: JudgeServer, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = judge_settings(settings, judge_server)
    # a different judge model is a different cache key: its grading goes to the server, never to the cache
    Judge(settings, JUDGE_TAG, cache_dir=tmp_path).grade(*JUDGE_CASE)
    cached = set(tmp_path.glob("*.json"))
    before = len(chat_requests(judge_server))
    with pytest.raises(JudgeError) as missing:
        Judge(settings, "other-judge:1b", cache_dir=tmp_path).grade(*JUDGE_CASE)
    assert chat_requests(judge_server)[before:][0]["model"] == "other-judge:1b"
    message = str(missing.value)
    assert (
        "\n" not in message and message.startswith("judge other-judge:1b failed") and "not found" in message
    )
    # the model cut off after 4 tokens (a server-side length limit): no complete JSON, no verdict
    monkeypatch.setattr(judge_server.fake, "num_predict", 4)
    with pytest.raises(JudgeError, match="unparseable judge reply") as cut:
        Judge(settings, JUDGE_TAG, cache_dir=tmp_path).grade(JUDGE_CASE[0], JUDGE_CASE[1], "no idea", "")
    assert "\n" not in str(cut.value)
    assert set(tmp_path.glob("*.json")) == cached  # failures are never cached


@pytest.mark.slow
def test_judge_verdicts_are_reported_apart_from_the_metrics(
    judge_server: JudgeServer, on_corpus: PaperIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_OLLAMA_HOST", judge_server.url)
    cache = Path(os.environ["RAG_DATA_DIR"]) / "eval-judge-cache"  # the session index's folder
    shutil.rmtree(cache, ignore_errors=True)
    before = len(chat_requests(judge_server))
    out = tmp_path / "out"
    # the first two tuning questions (KANs, speculative decoding): on the file's first two, whose answers grew
    # this round, the 270M base model gave one judge reply that did not parse
    args = ["eval", "--limit", "2", "--split", "tuning", "--backend", "extractive", "--retrieval", "hybrid"]
    args += ["--out", str(out)]
    try:
        result = runner.invoke(app, [*args, "--judge", "--judge-model", JUDGE_TAG, "--no-progress"])
        assert result.exit_code == 0, result.output
        assert len(list(cache.glob("*.json"))) == 2
    finally:
        shutil.rmtree(cache, ignore_errors=True)  # the session index stays as the other tests expect it
    assert [r["model"] for r in chat_requests(judge_server)[before:]] == [JUDGE_TAG, JUDGE_TAG]
    summary = json.loads((out / "summary.json").read_text())
    block = summary["judge"]
    assert block["status"] == "ok" and block["model"] == JUDGE_TAG and block["temperature"] == 0
    assert block["n"] == 2 and block["errors"] == 0 and block["cached"] == 0
    assert is_rate(block["correct_rate"]) and is_rate(block["mean_score"])
    assert all("judge" not in key for key in summary["answer"])
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and all(r["judge"]["model"] == JUDGE_TAG for r in rows)
    assert "LLM judge" in (out / "report.md").read_text()
