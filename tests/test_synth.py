"""bench.synth: the synthetic scale corpus is deterministic, complete and readable by the ingest parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.synth import load_real_papers, write
from rag.parsing import normalize_title, parse_path

N = 300


@pytest.fixture(scope="module")
def synth_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synth") / "synth.jsonl"
    write(path, N, seed=7)
    return path


def test_same_seed_same_bytes(synth_file: Path, tmp_path: Path) -> None:
    again, other = tmp_path / "again.jsonl", tmp_path / "other.jsonl"
    write(again, N, seed=7)
    write(other, N, seed=8)
    assert again.read_bytes() == synth_file.read_bytes()
    assert other.read_bytes() != synth_file.read_bytes()


def test_n_synthetic_records_plus_the_real_papers(synth_file: Path, tmp_path: Path) -> None:
    real = load_real_papers()
    lines = synth_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == N + len(real) == N + 186
    only = tmp_path / "only.jsonl"
    assert write(only, 25, seed=7, include_real=False) == 25


def test_the_parser_reads_every_record_and_finds_every_real_paper(synth_file: Path) -> None:
    parsed = parse_path(synth_file)
    assert parsed.problems == []
    assert len(parsed.papers) == N + 186  # titles are unique, so nothing was merged away
    by_title = {normalize_title(p.title): p for p in parsed.papers}
    for paper in load_real_papers():
        found = by_title[normalize_title(paper.title)]
        assert found.abstract == paper.abstract
        assert found.authors == paper.authors
        assert found.published == paper.published
        assert found.category == paper.category


def test_metadata_is_realistic(synth_file: Path) -> None:
    records = [json.loads(line) for line in synth_file.read_text(encoding="utf-8").splitlines()]
    synthetic = [r for r in records if r.get("authors_parsed") and r["versions"]]
    assert len(synthetic) == N
    years = {int(r["update_date"][:4]) for r in synthetic if "update_date" in r}
    assert min(years) >= 2019 and max(years) <= 2026 and len(years) >= 6
    counts = [len(r["authors_parsed"]) for r in synthetic]
    assert min(counts) >= 1 and max(counts) <= 30 and max(counts) >= 10
    assert len({r["categories"].split()[0] for r in synthetic}) >= 8
    words = sorted(len(r["abstract"].split()) for r in synthetic)
    assert words[0] < 70 and words[-1] > 350  # the short and the long tail
