"""Two `rag ingest` processes started at once on one embedded index, each with its own file of made-up
papers, run several times on fresh data folders (issue 20's check). After each run a third process
reads every chunk's vector back, queries the search index with it, and searches each paper's title.

    python -m bench.concurrent_ingest [--papers 1500] [--runs 3]     # -> bench/results/concurrent-ingest.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import table, write_result
from rag.settings import PROJECT_ROOT
from tests.support.synthetic_papers import records, write_jsonl

RAG = [sys.executable, "-m", "rag.cli"]


def one_run(workdir: Path, papers: int, seed: int) -> list[object]:
    env = {**os.environ, "RAG_DATA_DIR": str(workdir / "data")}
    files = [
        write_jsonl(workdir / f"half{k}.jsonl", records(papers, seed=seed + k, sentences=(4, 7)))
        for k in (1, 2)
    ]
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [*RAG, "ingest", str(f), "--no-progress"],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    outputs = [p.communicate() for p in procs]
    wall = time.perf_counter() - started
    waited = sum("waiting for another ingest (pid" in err for _, err in outputs)
    embedded = sum(int(out.split("embedded ")[1].split(",")[0]) for out, _ in outputs if "embedded " in out)
    check = subprocess.run(
        [sys.executable, "-m", "tests.support.verify_index"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(check.stdout)
    return [
        " ".join(str(p.returncode) for p in procs),
        waited,
        got["papers"],
        got["chunks"],
        got["vectors"],
        embedded,
        len(got["unreadable"]),
        len(got["not_found_by_own_vector"]),
        len(got["missed_by_title"]),
        max((r for r in got["chunk_rank_of_missed"].values() if r is not None), default="-"),
        sum(r is None for r in got["chunk_rank_of_missed"].values()),
        round(wall),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=1500, help="papers in each of the two files")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="concurrent-ingest-") as tmp:
            rows.append([run, *one_run(Path(tmp), args.papers, seed=100 * run)])
            print(rows[-1], flush=True)
    headers = [
        "run",
        "exit codes",
        "waited",
        "papers",
        "chunks",
        "vectors",
        "embedded (both)",
        "unreadable",
        "not found by own vector",
        "title: paper not in dense top 10",
        "their best chunk ranks at most",
        "title: never returned",
        "seconds",
    ]
    text = (
        f"# Two concurrent `rag ingest` of {args.papers} papers each, one embedded index\n\n"
        f"`python -m bench.concurrent_ingest --papers {args.papers} --runs {args.runs}`\n\n"
        + table(headers, rows)
    )
    print(f"wrote {write_result('concurrent-ingest', text)}")


if __name__ == "__main__":
    main()
