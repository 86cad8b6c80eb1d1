"""Keyword search and catalog storage: bm25s in segments (the catalog now), SQLite FTS5 (tried), and bm25s
rebuilt whole (before).

    python -m bench.keyword_bench                    # 186 bundled papers + 10,000 synthetic ones
    python -m bench.keyword_bench --size 2000        # a quicker run

1. The 186 bundled papers, indexed as `rag` does (real embeddings): keyword-only and hybrid (keyword +
   dense, reciprocal rank fusion, as `Searcher` does) recall@10 and MRR over the gold papers of
   eval/qa.jsonl and eval/qa_blind.jsonl, for each keyword backend; keyword query latency.
2. The same among `--size` synthetic papers (bench.synth, seed 1), keyword only (nothing is embedded:
   the catalog rows and keyword segments are written by `store_changes`, the ingest's last step): quality
   and query latency after one changed paper (so the catalog has two segments), the cost of building each
   index whole and of one changed paper.
3. Opening that catalog in a fresh process (`PaperIndex(settings)`, then a count, a lookup and a
   keyword query), against parsing the same collection as the former catalog.json plus loading bm25s.

Writes bench/results/keyword-storage.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bm25s.stopwords import STOPWORDS_EN

from bench import synth
from bench.common import percentile, table, write_result
from eval.metrics import mean_ignoring_none, mrr, recall_at_k
from eval.runner import load_questions
from eval.schema import ResolvedCase, index_papers_by_title, resolve_titles
from rag.indexing.catalog import DB_NAME, KEYWORD_DIR, CatalogDB, IngestState
from rag.indexing.chunking import embedding_text
from rag.indexing.index import PaperIndex
from rag.indexing.ingest import IngestReport, _chunks
from rag.indexing.keyword import Bm25sIndex, KeywordIndex, store_changes
from rag.indexing.legacy import LegacyCatalog
from rag.models import Chunk, Paper
from rag.parsing import merge_papers, parse_path
from rag.retrieval import Searcher
from rag.settings import PROJECT_ROOT, Settings

QA = [PROJECT_ROOT / "eval" / "qa.jsonl", PROJECT_ROOT / "eval" / "qa_blind.jsonl"]
CATALOG = "bm25s in segments (the catalog)"
FTS5 = "SQLite FTS5 (tried)"
WHOLE = "bm25s rebuilt whole (before)"
_WORD = re.compile(r"(?u)\b\w\w+\b")


class FtsIndex:
    """SQLite FTS5 over the same texts: porter + unicode61, the query's words minus bm25s's English stop
    words, OR of the quoted terms, ranked by bm25()."""

    def __init__(self, path: Path, chunk_ids: list[str], texts: list[str]) -> None:
        self.conn = sqlite3.connect(path)
        self.conn.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(chunk_id UNINDEXED, body, "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        with self.conn:
            self.conn.executemany(
                "INSERT INTO fts(chunk_id, body) VALUES (?, ?)", zip(chunk_ids, texts, strict=True)
            )

    def query(self, text: str, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        terms = dict.fromkeys(w for w in _WORD.findall(text.lower()) if w not in STOPWORDS_EN)
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        rows = self.conn.execute(
            "SELECT chunk_id, -bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?", (match, n)
        )
        return [(str(i), float(score)) for i, score in rows]


Query = Callable[[str, int, set[str] | None], list[tuple[str, float]]]


def gold_cases(papers: list[Paper]) -> list[ResolvedCase]:
    cases = resolve_titles(load_questions(QA, "all"), index_papers_by_title(papers))
    return [c for c in cases if c.gold_ids]


def paper_order(hits: list[tuple[str, float]]) -> list[str]:
    return list(dict.fromkeys(chunk_id.split("#", 1)[0] for chunk_id, _ in hits))


def quality(rank: Callable[[str], list[str]], cases: list[ResolvedCase]) -> dict[str, float | None]:
    ranked = [(rank(c.case.question), c.gold_ids) for c in cases]
    return {
        "recall@10": mean_ignoring_none(recall_at_k(r, g, 10) for r, g in ranked),
        "mrr": mean_ignoring_none(mrr(r, g) for r, g in ranked),
    }


def latency_ms(query: Query, cases: list[ResolvedCase], n: int) -> tuple[float, float]:
    for case in cases[:5]:
        query(case.case.question, n, None)
    times = []
    for case in cases:
        started = time.perf_counter()
        query(case.case.question, n, None)
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50), percentile(times, 95)


def bundled(work: Path) -> list[list[object]]:
    """Part 1: the real index of the 186 bundled papers, each keyword backend alone and in hybrid."""
    index = PaperIndex(Settings(data_dir=work / "bundled"))
    index.ensure_ingested(progress=False)
    chunks = list(index.chunks.values())
    ids, texts = [c.id for c in chunks], [embedding_text(index.papers[c.paper_id], c.text) for c in chunks]
    bm25s_index, fts_index = Bm25sIndex(ids, texts), FtsIndex(work / "bundled-fts.sqlite", ids, texts)
    cases = gold_cases(list(index.papers.values()))
    searcher = Searcher(index)
    n = searcher.settings.candidates
    fts = index.keyword
    rows: list[list[object]] = []
    for name, backend in ((CATALOG, fts), (FTS5, fts_index), (WHOLE, bm25s_index)):
        index.keyword = backend  # type: ignore[assignment]  # Searcher only calls .query
        keyword = quality(lambda q: [h.paper.id for h in searcher.search(q, k=10, mode="bm25")], cases)
        hybrid = quality(lambda q: [h.paper.id for h in searcher.search(q, k=10, mode="hybrid")], cases)
        p50, p95 = latency_ms(backend.query, cases, n)
        rows.append(
            [
                name,
                len(cases),
                keyword["recall@10"],
                keyword["mrr"],
                hybrid["recall@10"],
                hybrid["mrr"],
                f"{p50:.2f} / {p95:.2f}",
            ]
        )
    index.keyword = fts
    return rows


def synthetic(work: Path, size: int) -> tuple[list[list[object]], Settings, dict[str, Any]]:
    """Part 2: `size` synthetic papers + the 186, keyword only; build and one-change costs."""
    corpus = work / "synth.jsonl"
    synth.write(corpus, size, seed=1)
    started = time.perf_counter()
    papers, chunks = _chunks(merge_papers([parse_path(corpus)]), Settings().chunking, IngestReport())
    prepared = time.perf_counter() - started
    chunks_of: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        chunks_of.setdefault(chunk.paper_id, []).append(chunk)
    by_id = {p.id: p for p in papers}
    ids, texts = [c.id for c in chunks], [embedding_text(by_id[c.paper_id], c.text) for c in chunks]
    settings = Settings(data_dir=work / "synthetic")
    state = IngestState(embedding_model=settings.embedding.model_name, sources=[str(corpus)])
    db_path, keyword_dir = settings.index_dir / DB_NAME, settings.index_dir / KEYWORD_DIR
    db = CatalogDB.create(db_path)
    builds: dict[str, float] = {}
    started = time.perf_counter()
    store_changes(db, keyword_dir, [(p, chunks_of[p.id]) for p in papers], [], state)
    builds[CATALOG] = time.perf_counter() - started
    started = time.perf_counter()
    fts_index = FtsIndex(work / "fts.sqlite", ids, texts)
    builds[FTS5] = time.perf_counter() - started
    started = time.perf_counter()
    bm25s_index = Bm25sIndex(ids, texts)
    builds[WHOLE] = time.perf_counter() - started

    changed = papers[len(papers) // 2]
    edited = changed.model_copy(update={"abstract": changed.abstract + " We also release the code."})
    _, new_chunks = _chunks([edited], settings.chunking, IngestReport())
    started = time.perf_counter()
    store_changes(db, keyword_dir, [(edited, new_chunks)], [], state)
    one = {CATALOG: time.perf_counter() - started}
    started = time.perf_counter()
    with fts_index.conn:  # FTS5 with its own content: delete and insert the paper's rows
        fts_index.conn.execute(
            "DELETE FROM fts WHERE chunk_id IN (SELECT value FROM json_each(?))",
            (json.dumps([c.id for c in chunks_of[changed.id]]),),
        )
        fts_index.conn.executemany(
            "INSERT INTO fts(chunk_id, body) VALUES (?, ?)",
            [(c.id, embedding_text(edited, c.text)) for c in new_chunks],
        )
    one[FTS5] = time.perf_counter() - started
    one[WHOLE] = builds[WHOLE]

    cases = gold_cases(papers)
    catalog = KeywordIndex(db, keyword_dir)
    n = Settings().retrieval.candidates
    rows: list[list[object]] = []
    for name, backend in ((CATALOG, catalog.query), (FTS5, fts_index.query), (WHOLE, bm25s_index.query)):
        figures = quality(lambda q, b=backend: paper_order(b(q, n, None))[:10], cases)  # type: ignore[misc]
        p50, p95 = latency_ms(backend, cases, n)
        rows.append(
            [
                name,
                f"{len(papers):,} / {len(chunks):,}",
                len(cases),
                figures["recall@10"],
                figures["mrr"],
                f"{p50:.1f} / {p95:.1f}",
                f"{builds[name]:.1f}",
                f"{one[name]:.3f}",
            ]
        )
    segments = len(db.segments())
    db.close()

    legacy = work / "catalog.json"
    legacy.write_text(
        LegacyCatalog(
            embedding_model="m", sources=[str(corpus)], papers=papers, chunks=chunks
        ).model_dump_json(),
        encoding="utf-8",
    )
    bm25s_dir = work / "bm25"
    bm25s_dir.mkdir()
    assert bm25s_index.retriever is not None
    bm25s_index.retriever.save(str(bm25s_dir))
    (bm25s_dir / "chunk_ids.json").write_text(json.dumps(bm25s_index.chunk_ids), encoding="utf-8")

    def mib(*paths: Path) -> float:
        files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
        return sum(f.stat().st_size for f in files) / 2**20

    sizes = {
        "papers": len(papers),
        "chunks": len(chunks),
        "segments": segments,
        "prepare_s": prepared,
        "sqlite_mib": mib(*db_path.parent.glob(DB_NAME + "*")),
        "segments_mib": mib(keyword_dir),
        "fts_mib": mib(work / "fts.sqlite"),
        "json_mib": mib(legacy),
        "bm25s_mib": mib(bm25s_dir),
    }
    return rows, settings, sizes


OPEN_NEW = """
import sys, time, json
t0 = time.perf_counter()
from pathlib import Path
from rag.indexing.index import PaperIndex
from rag.settings import Settings
t1 = time.perf_counter()
index = PaperIndex(Settings(data_dir=Path(sys.argv[1])))
t2 = time.perf_counter()
count = len(index.papers)
first = next(iter(index.papers))
index.papers[first].title
index.keyword.query("graph neural networks for molecules", 50)
t3 = time.perf_counter()
every = sum(1 for _ in index.papers.values())
t4 = time.perf_counter()
figures = {"import_s": t1 - t0, "open_s": t2 - t1, "first_use_s": t3 - t2, "all_papers_s": t4 - t3}
print(json.dumps({**figures, "papers": count}))
"""

OPEN_OLD = """
import sys, time, json
t0 = time.perf_counter()
from pathlib import Path
import bm25s
from rag.indexing.index import PaperIndex  # the same imports as the SQLite run
from rag.indexing.legacy import LegacyCatalog
t1 = time.perf_counter()
work = Path(sys.argv[1])
catalog = LegacyCatalog.model_validate_json((work / "catalog.json").read_text(encoding="utf-8"))
papers = {p.id: p for p in catalog.papers}
chunks = {c.id: c for c in catalog.chunks}
retriever = bm25s.BM25.load(str(work / "bm25"))
ids = json.loads((work / "bm25" / "chunk_ids.json").read_text())
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "open_s": t2 - t1, "papers": len(papers)}))
"""


def open_times(settings: Settings, work: Path, runs: int = 3) -> dict[str, list[dict[str, float]]]:
    def run(script: str, arg: Path) -> dict[str, float]:
        done = subprocess.run(
            [sys.executable, "-c", script, str(arg)],
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            check=True,
        )
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    return {
        "sqlite": [run(OPEN_NEW, settings.data_dir) for _ in range(runs)],
        "json": [run(OPEN_OLD, work) for _ in range(runs)],
    }


def render(
    size: int,
    part1: list[list[object]],
    part2: list[list[object]],
    sizes: dict[str, Any],
    opened: dict[str, list[dict[str, float]]],
) -> str:
    new, old = opened["sqlite"], opened["json"]

    def med(rows: list[dict[str, float]], key: str) -> float:
        return percentile([r[key] for r in rows], 50)

    out = [
        "# Keyword search and catalog storage",
        "",
        f"`python -m bench.keyword_bench --size {size}` on the 2-core shared dev machine (other jobs "
        f"running: latencies are noisy, compare within a table), {time.strftime('%Y-%m-%d')}.",
        "",
        f"- **{CATALOG}**: `rag/indexing/keyword.py`. Each ingest indexes its new and changed chunks as a "
        "new segment (term frequencies and lengths, memory-mapped); a query scores every segment with the "
        "IDF and average length over all of them, so the scores are one bm25s index's (lucene BM25, "
        "k1 1.5, b 0.75, Snowball stemmer, bm25s's 33 English stop words); replaced chunks' postings "
        "are dead until the segments are merged (8 segments, or a quarter dead).",
        f"- **{FTS5}**: an FTS5 table over the same texts (porter + unicode61 tokenizer, the query's words "
        "of two or more letters minus the same stop words, OR of the quoted terms, ranked by `bm25()`), "
        "which can be updated per paper inside the catalog's transaction.",
        f"- **{WHOLE}**: the index every ingest rebuilt from scratch until now.",
        "",
        "All index each chunk as `title + newline + chunk text`. Questions: the cases of `eval/qa.jsonl` "
        "and `eval/qa_blind.jsonl` that have gold papers; a paper ranks where its best chunk does.",
        "",
        "## 186 bundled papers (real index: `rag`'s embeddings, Chroma, `Searcher`)",
        "",
        table(
            [
                "keyword backend",
                "questions",
                "keyword recall@10",
                "keyword MRR",
                "hybrid recall@10",
                "hybrid MRR",
                "keyword query p50 / p95 (ms)",
            ],
            part1,
        ),
        "",
        f"## {sizes['papers']:,} papers ({size:,} synthetic, `bench.synth --seed 1`, + 186), keyword only",
        "",
        "Nothing embedded: the catalog rows and the keyword segment are written by `store_changes`, the "
        "ingest's last step. Build: the whole index from nothing (the catalog: every paper's rows too). "
        "One changed paper: the catalog writes that paper's rows and a one-chunk segment; FTS5 deletes and "
        f"inserts its rows; bm25s is rebuilt whole. Queries run after that change ({sizes['segments']} "
        "segments).",
        "",
        table(
            [
                "keyword backend",
                "papers / chunks",
                "questions",
                "recall@10",
                "MRR",
                "query p50 / p95 (ms)",
                "build (s)",
                "one changed paper (s)",
            ],
            part2,
        ),
        "",
        f"Disk: catalog.sqlite {sizes['sqlite_mib']:.1f} MiB (papers and chunks) + keyword segments "
        f"{sizes['segments_mib']:.1f} MiB; the FTS5 table alone {sizes['fts_mib']:.1f} MiB; before, "
        f"catalog.json {sizes['json_mib']:.1f} MiB + bm25s {sizes['bm25s_mib']:.1f} MiB.",
        "",
        f"## Opening the {sizes['papers']:,}-paper catalog in a fresh process (median of {len(new)})",
        "",
        table(
            [
                "catalog",
                "imports (s)",
                "open (s)",
                "then a count, a lookup, a keyword query (s)",
                "then every paper parsed (s)",
            ],
            [
                [
                    "SQLite (`PaperIndex(settings)`)",
                    med(new, "import_s"),
                    med(new, "open_s"),
                    med(new, "first_use_s"),
                    med(new, "all_papers_s"),
                ],
                ["catalog.json + bm25s (before)", med(old, "import_s"), med(old, "open_s"), "–", "(in open)"],
            ],
        ),
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=10_000, help="Synthetic papers (+ the 186 bundled).")
    parser.add_argument("--skip-bundled", action="store_true", help="Only the synthetic part (no embedding).")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="keyword-bench-") as tmp:
        work = Path(tmp)
        part1 = [] if args.skip_bundled else bundled(work)
        print("bundled:", part1, file=sys.stderr)
        part2, settings, sizes = synthetic(work, args.size)
        print("synthetic:", part2, sizes, file=sys.stderr)
        opened = open_times(settings, work)
        print("open:", opened, file=sys.stderr)
        path = write_result("keyword-storage", render(args.size, part1, part2, sizes, opened))
    print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
