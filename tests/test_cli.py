"""The `rag` command line, driven in-process (typer's CliRunner) against real indexes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.cli import EXIT_ERROR, EXIT_SKIPPED, app
from rag.indexing.index import PaperIndex

runner = CliRunner()
PAPER_FIELDS = {
    "id",
    "title",
    "abstract",
    "authors",
    "authors_truncated",
    "author_count",
    "published",
    "date_text",
    "category",
    "upvotes",
    "has_code",
    "sources",
}


def test_papers_json_lists_every_paper_once(on_corpus: PaperIndex) -> None:
    result = runner.invoke(app, ["papers", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == len(on_corpus.papers) == len({r["id"] for r in rows})
    assert all(set(r) >= PAPER_FIELDS for r in rows)
    gait = next(r for r in rows if r["title"].startswith("Computer Vision for Clinical Gait Analysis"))
    assert gait["published"] == "2024-07-05" and gait["category"] == "CV" and gait["has_code"] is True
    assert gait["authors"][:2] == ["Rahm Ranjan", "David Ahmedt-Aristizabal"] and gait["authors_truncated"]


def test_search_json_shape_and_filters(on_corpus: PaperIndex) -> None:
    result = runner.invoke(app, ["search", "regret lower bounds", "-k", "4", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 4 and all(set(r) == {"id", "title", "score", "snippet"} for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    filtered = json.loads(
        runner.invoke(app, ["search", "learning", "--year-from", "2025", "--category", "ML", "--json"]).stdout
    )
    assert filtered and all(
        on_corpus.papers[r["id"]].category == "ML" and on_corpus.papers[r["id"]].year == 2025
        for r in filtered
    )
    assert runner.invoke(app, ["search", "x", "--mode", "fuzzy"]).exit_code == EXIT_ERROR


def test_stats(on_corpus: PaperIndex) -> None:
    result = runner.invoke(app, ["stats", "--json"])
    info = json.loads(result.stdout)
    assert info["papers"] == len(on_corpus.papers) and info["chunks"] == info["vectors"] > 0
    assert info["embedding_model"] == "all-MiniLM-L6-v2"


def test_ingest_reports_skipped_files_with_exit_status(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(
        json.dumps(
            {
                "id": "2401.00001",
                "title": "Sand Dune Migration",
                "authors": "A. Author",
                "abstract": "Dunes migrate with wind.",
                "categories": "physics.geo-ph",
                "update_date": "2024-01-02",
            }
        )
        + "\n{broken\n"
    )
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{noabs, title={No Abstract Here}, author={B. Writer}, year={2020}}\n")
    result = runner.invoke(app, ["ingest", str(good), str(bib), "--no-progress"])
    assert result.exit_code == EXIT_SKIPPED
    assert "good.jsonl" in result.stderr and "line 2" in result.stderr
    assert "refs.bib" in result.stderr and "noabs" in result.stderr
    assert "1 papers" in result.stdout
    listed = json.loads(runner.invoke(app, ["papers", "--json"]).stdout)
    assert [p["title"] for p in listed] == ["Sand Dune Migration"]


def test_ingest_missing_path_is_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope.txt")])
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.strip().count("\n") == 0 and "nope.txt" in result.stderr


def test_bad_setting_is_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_RETRIEVAL_TOP_K", "zero")
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == EXIT_ERROR and "top_k" in result.stderr
