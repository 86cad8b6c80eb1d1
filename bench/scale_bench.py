"""The scale benchmark: the synthetic collection (bench.synth) at each size, measured end to end.

    python -m bench.scale_bench --sizes 1000 10000          # make bench-scale SIZES="1000 10000"
    python -m bench.scale_bench --sizes 0 10000 --eval      # + rag eval among distractors vs the 186 alone

For each size (synthetic papers; the 186 bundled ones are mixed in on top; size 0 is the 186 alone), in a
fresh data directory, every step runs the way a user runs it, in its own process:
- `rag ingest FILE --replace`: wall time, papers/s, peak RSS, and the part the ingest report itself times
  (parse, chunk, embed chunks, Chroma, BM25, catalog); the rest is the start and the evidence sentences;
- `rag ingest FILE` again with nothing changed, then after one paper's abstract changed;
- start-up of the app as `rag chat` does it (`open_assistant(evidence="background")`, then `build_app`;
  no port is bound): seconds from process launch and RSS, then the first question;
- in that warm process: hybrid search and evidence-only answers (`ask(..., backend="extractive")`) over
  questions of eval/qa.jsonl, p50/p95;
- the data directory's size on disk, and its parts;
- with --eval: `rag eval --backend extractive --retrieval hybrid` on the topical question sets.

Rows go to bench/results/scale.json (one per size and machine; a rerun replaces its row) and the whole
table to bench/results/scale.md. A row is only ever what was measured on the machine it names.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench import synth
from bench.common import RESULTS, current_rss_mib, percentile

ROOT = Path(__file__).resolve().parent.parent
QA = ROOT / "eval" / "qa.jsonl"
# the eval's topical sets: the metadata sets' gold is computed from the 186 bundled papers alone, so among
# synthetic papers (which have dates, categories and authors) their gold would be wrong by construction
EVAL_QA = [ROOT / "eval" / "qa.jsonl", ROOT / "eval" / "qa_blind.jsonl", ROOT / "eval" / "qa_tuning_r2.jsonl"]
RAG = "import sys; from rag.cli import app; sys.argv[0] = 'rag'; app()"
REPORT = re.compile(
    r"(?P<papers>\d+) papers, (?P<chunks>\d+) chunks from \d+ files; embedded (?P<embedded>\d+), "
    r"removed (?P<removed>\d+), (?P<skipped>\d+) skipped \((?P<seconds>[\d.]+) s\)"
)


# ------------------------------------------------------------------------------------------ processes
def child_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["RAG_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run(args: list[str], data_dir: Path, log: Path) -> dict[str, Any]:
    """Run one process to the end: wall seconds, peak RSS (MiB), exit status, stdout."""
    started, launched = time.perf_counter(), time.time()
    with open(log, "a", encoding="utf-8") as err:
        err.write(f"\n$ {' '.join(args)}\n")
        err.flush()
        proc = subprocess.Popen(
            [sys.executable, *args], stdout=subprocess.PIPE, stderr=err, env=child_env(data_dir), cwd=ROOT
        )
        assert proc.stdout is not None
        out = proc.stdout.read().decode("utf-8", "replace")
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": time.perf_counter() - started,
        "launched": launched,
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "rc": proc.returncode,
        "stdout": out,
    }


def rag_ingest(path: Path, data_dir: Path, log: Path, replace: bool) -> dict[str, Any]:
    args = ["-c", RAG, "ingest", str(path), *(["--replace"] if replace else []), "--progress"]
    result = run(args, data_dir, log)
    match = REPORT.search(result["stdout"])
    if result["rc"] not in (0, 1) or match is None:
        raise SystemExit(f"rag ingest failed (exit {result['rc']}); see {log}")
    result["wall_s"] = result.pop("seconds")
    # "seconds": the time the ingest report states (parse, chunk, embed chunks, Chroma, BM25, catalog)
    result.update({k: float(v) if k == "seconds" else int(v) for k, v in match.groupdict().items()})
    return result


def change_one_abstract(path: Path) -> tuple[str, str]:
    """Rewrite the file with one paper's abstract changed (a sentence added): a synthetic paper's when there
    is one. Returns the paper's title and the file's previous text (to put it back)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    order = list(range(len(lines) // 2, len(lines))) + list(range(len(lines) // 2))
    synthetic = [n for n in order if '"authors_parsed"' in lines[n] and '"versions": []' not in lines[n]]
    n = (synthetic or order)[0]
    record = json.loads(lines[n])
    record["abstract"] += "  We also release the code and the trained models.\n"
    lines[n] = json.dumps(record, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return " ".join(record["title"].split()), text


def disk_usage(path: Path) -> dict[str, float]:
    """MiB allocated on disk: the whole directory, and each entry of it and of the index folder."""

    def size(p: Path) -> float:
        files = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()]
        return sum(f.stat().st_blocks * 512 for f in files) / 2**20

    parts = {"total": size(path)}
    for entry in sorted(path.iterdir()):
        if entry.is_dir() and entry.name != "chroma":  # the index folder (named by a hash)
            for sub in sorted(entry.iterdir()):
                parts[f"{entry.name[:8]}/{sub.name}"] = size(sub)
        else:
            parts[entry.name] = size(entry)
    return parts


# ------------------------------------------------------------------------------------------ the app probe
def questions(count: int) -> list[str]:
    cases = [json.loads(line) for line in QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    step = max(1, len(cases) // count)
    return [c["question"] for c in cases[::step]][:count]


def probe(count: int) -> None:
    """Run inside the measured process: start the app's assistant as `rag chat` does, then time queries."""
    started = time.perf_counter()
    from rag.assemble import open_assistant, open_index
    from rag.settings import load_settings
    from ui.app import build_app

    imported = time.perf_counter()
    rss_imported = current_rss_mib()
    settings = load_settings()
    # what open_assistant does, in its two steps: the index (catalog, BM25, Chroma), then the Assistant
    # (evidence vectors, searcher, judge); the evidence thread has nothing to do after `rag ingest`
    index = open_index(settings)
    index_opened = time.perf_counter()
    rss_index = current_rss_mib()
    assistant = open_assistant(settings, index=index, evidence="background")
    opened = time.perf_counter()
    build_app(settings, assistant)
    ready, ready_at = time.perf_counter(), time.time()
    rss_ready = current_rss_mib()
    asked = questions(count)
    t0 = time.perf_counter()
    assistant.ask(asked[0], backend="extractive")
    first_answer = time.perf_counter() - t0
    rss_first = current_rss_mib()
    for q in asked[:5]:
        assistant.searcher.search(q, mode="hybrid")
    search_ms = []
    for q in asked:
        t0 = time.perf_counter()
        assistant.searcher.search(q, mode="hybrid")
        search_ms.append((time.perf_counter() - t0) * 1000)
    answer_ms = []
    abstained = 0
    for q in asked:
        t0 = time.perf_counter()
        answer = assistant.ask(q, backend="extractive")
        answer_ms.append((time.perf_counter() - t0) * 1000)
        abstained += answer.abstained
    print(
        json.dumps(
            {
                "papers": len(assistant.index.papers),
                "chunks": len(assistant.index.chunks),
                "import_s": imported - started,
                "open_assistant_s": opened - imported,
                "open_index_s": index_opened - imported,
                "rss_imported_mib": rss_imported,
                "rss_index_mib": rss_index,
                "build_app_s": ready - opened,
                "ready_at": ready_at,
                "rss_ready_mib": rss_ready,
                "first_answer_s": first_answer,
                "rss_after_first_mib": rss_first,
                "questions": len(asked),
                "search_p50_ms": percentile(search_ms, 50),
                "search_p95_ms": percentile(search_ms, 95),
                "answer_p50_ms": percentile(answer_ms, 50),
                "answer_p95_ms": percentile(answer_ms, 95),
                "answer_max_ms": max(answer_ms),
                "abstained": abstained,
                "rss_end_mib": current_rss_mib(),
            }
        )
    )


def app_probe(data_dir: Path, log: Path, count: int) -> dict[str, Any]:
    result = run(["-m", "bench.scale_bench", "--probe", str(count)], data_dir, log)
    if result["rc"] != 0:
        raise SystemExit(f"the app probe failed (exit {result['rc']}); see {log}")
    figures: dict[str, Any] = json.loads(result["stdout"].strip().splitlines()[-1])
    figures["startup_s"] = (
        figures.pop("ready_at") - result["launched"]
    )  # from process launch, imports included
    figures["peak_rss_mib"] = result["peak_rss_mib"]
    return figures


def intrusion(results_file: Path) -> dict[str, Any]:
    """Where the eval's citations and top-10 papers come from: gold (or acceptable), another bundled paper,
    or a synthetic one. Over the list questions ("which papers ..."), answered ones for citations."""
    from rag.parsing import paper_id

    real = {paper_id(p.title) for p in synth.load_real_papers()}
    cited = {"gold": 0, "real": 0, "synthetic": 0}
    top10 = dict(cited)
    lists = answered = 0
    for text in results_file.read_text(encoding="utf-8").splitlines():
        r = json.loads(text)
        if r["type"] not in ("topic", "paraphrase"):
            continue
        lists += 1
        good = set(r["gold_ids"]) | set(r.get("acceptable_ids") or [])
        answered += not r["abstained"]

        def kind(pid: str, good: set[str] = good) -> str:
            return "gold" if pid in good else "real" if pid in real else "synthetic"

        for pid in r["cited_ids"] if not r["abstained"] else []:
            cited[kind(pid)] += 1
        for pid in (r.get("retrieved") or {}).get("hybrid", [])[:10]:
            top10[kind(pid)] += 1
    return {"list_questions": lists, "answered": answered, "cited": cited, "top10": top10}


def rag_eval(data_dir: Path, log: Path, out: Path) -> dict[str, Any]:
    args = ["-c", RAG, "eval", "--backend", "extractive", "--retrieval", "hybrid", "--out", str(out)]
    args += [a for qa in EVAL_QA for a in ("--qa", str(qa))] + ["--no-progress"]
    result = run(args, data_dir, log)
    if result["rc"] != 0:
        raise SystemExit(f"rag eval failed (exit {result['rc']}); see {log}")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    answer, hybrid = summary["answer"], summary["retrieval"]["hybrid"]
    return {
        "questions": summary["n_questions"],
        "recall@10": hybrid["recall@10"],
        "ndcg@10": hybrid["ndcg@10"],
        "mrr": hybrid["mrr"],
        "citation_f1": answer["citation_f1"],
        "list_precision": answer["list_precision"],
        "list_recall": answer["list_recall"],
        "abstention_accuracy": answer["abstention_accuracy"],
        "false_abstention_rate": answer["false_abstention_rate"],
        "wall_s": result["seconds"],
        "peak_rss_mib": result["peak_rss_mib"],
        "sources": intrusion(out / "results.jsonl"),
    }


# ------------------------------------------------------------------------------------------ one size
def measure(size: int, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"scale-{size}-", dir=args.workdir))
    data_dir, log = work / "data", work / "log.txt"
    print(f"[{size}] working in {work} (process output in {log})", file=sys.stderr)
    corpus = work / "synth.jsonl"
    t0 = time.perf_counter()
    records = synth.write(corpus, size, args.seed, focus=args.focus)
    row: dict[str, Any] = {
        "size": size,
        "records": records,
        "seed": args.seed,
        "focus": args.focus,
        "synth_s": time.perf_counter() - t0,
        "file_mib": corpus.stat().st_size / 2**20,
        "where": args.where,
        "date": date.today().isoformat(),
        "code": args.code or code_label(),
        "work": str(work) if args.keep else None,
    }
    row["ingest"] = rag_ingest(corpus, data_dir, log, replace=True)
    row["ingest"]["papers_per_s"] = row["ingest"]["papers"] / row["ingest"]["wall_s"]
    print(f"[{size}] ingest: {brief(row['ingest'])}", file=sys.stderr)
    row["reingest_unchanged"] = rag_ingest(corpus, data_dir, log, replace=False)
    print(f"[{size}] re-ingest, nothing changed: {brief(row['reingest_unchanged'])}", file=sys.stderr)
    row["changed_title"], original = change_one_abstract(corpus)
    row["reingest_one"] = rag_ingest(corpus, data_dir, log, replace=False)
    print(f"[{size}] re-ingest, one abstract changed: {brief(row['reingest_one'])}", file=sys.stderr)
    corpus.write_text(original, encoding="utf-8")  # back as generated, so the eval sees the same papers
    row["reingest_restore"] = rag_ingest(corpus, data_dir, log, replace=False)
    row["app"] = app_probe(data_dir, log, args.questions)
    print(f"[{size}] app: {json.dumps(row['app'])}", file=sys.stderr)
    row["disk_mib"] = disk_usage(data_dir)
    if args.eval:
        row["eval"] = rag_eval(data_dir, log, work / "eval")
        print(f"[{size}] eval: {json.dumps(row['eval'])}", file=sys.stderr)
    for step in ("ingest", "reingest_unchanged", "reingest_one", "reingest_restore"):
        row[step].pop("stdout", None)
        row[step].pop("launched", None)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return row


def brief(result: dict[str, Any]) -> str:
    return (
        f"{result['wall_s']:.1f} s wall, report {result['seconds']:.1f} s, embedded {result['embedded']}, "
        f"{result['papers']} papers / {result['chunks']} chunks, peak RSS {result['peak_rss_mib']:.0f} MiB"
    )


def code_label() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "rag", "ui"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes in rag/ or ui/" if dirty else "")


# ------------------------------------------------------------------------------------------ the report
MAIN_HEADERS = (
    "papers", "where", "code", "date", "ingest wall (s)", "papers/s", "ingest peak RSS (MiB)",
    "re-ingest, unchanged (s)", "re-ingest, 1 changed (s)", "app start-up (s)", "app RSS (MiB)",
    "first answer (s)", "hybrid search p50 / p95 (ms)", "evidence answer p50 / p95 (ms)", "disk (MiB)",
)  # fmt: skip
PART_HEADERS = (
    "papers", "chunks", "ingest: report's own time (s)", "ingest: the rest (start, evidence sentences) (s)",
    "re-ingest 1 changed: chunks embedded", "app: imports / open_assistant / build_app (s)",
    "app RSS after the first answer / after all (MiB)", "app peak RSS (MiB)",
)  # fmt: skip
EVAL_HEADERS = (
    "papers", "where", "date", "questions", "recall@10", "nDCG@10", "citation F1", "list precision",
    "list recall", "abstention acc.", "false abst.", "eval wall (s)",
)  # fmt: skip
EVAL_KEYS = (
    "recall@10", "ndcg@10", "citation_f1", "list_precision", "list_recall", "abstention_accuracy",
    "false_abstention_rate",
)  # fmt: skip
INTRO = (
    "Synthetic collections from `bench.synth` (seeded; the 186 bundled papers mixed in), each measured in a "
    "fresh data directory, every step in its own process as a user runs it. Each row is what was measured on "
    "the machine it names, on the date it gives; nothing is extrapolated."
)
EVAL_INTRO = (
    "Question sets: {sets} (all splits; the metadata sets are left out because their gold is computed from "
    "the 186 papers alone). The change in brackets is against the row of the 186 papers alone, measured the "
    "same way."
)


SOURCE_HEADERS = (
    "papers", "list questions", "answered", "cited: gold or acceptable / other bundled / synthetic",
    "top 10: gold or acceptable / other bundled / synthetic",
)  # fmt: skip


def source_cells(r: dict[str, Any]) -> list[object]:
    src = r["eval"]["sources"]

    def split(counts: dict[str, int]) -> str:
        total = max(sum(counts.values()), 1)
        return " / ".join(f"{counts[k]} ({counts[k] / total:.0%})" for k in ("gold", "real", "synthetic"))

    return [
        papers(r),
        src["list_questions"],
        src["answered"],
        split(src["cited"]),
        split(src["top10"]),
    ]


def papers(r: dict[str, Any]) -> str:
    focus = r.get("focus", 1.0)
    return f"{r['records']:,}" + (f" (focus {focus:g})" if focus != 1.0 and r["size"] else "")


def line(cells: list[object] | tuple[object, ...]) -> str:
    return "| " + " | ".join(map(str, cells)) + " |"


def header(names: tuple[str, ...]) -> list[str]:
    return [line(names), "|" + "---|" * len(names)]


def main_cells(r: dict[str, Any]) -> list[object]:
    ing, app = r["ingest"], r["app"]
    return [
        papers(r),
        r["where"],
        r["code"],
        r["date"],
        f"{ing['wall_s']:.0f}",
        f"{ing['papers_per_s']:.2f}",
        f"{ing['peak_rss_mib']:.0f}",
        f"{r['reingest_unchanged']['wall_s']:.1f}",
        f"{r['reingest_one']['wall_s']:.1f}",
        f"{app['startup_s']:.1f}",
        f"{app['rss_ready_mib']:.0f}",
        f"{app['first_answer_s']:.2f}",
        f"{app['search_p50_ms']:.0f} / {app['search_p95_ms']:.0f}",
        f"{app['answer_p50_ms']:.0f} / {app['answer_p95_ms']:.0f}",
        f"{r['disk_mib']['total']:.0f}",
    ]


def part_cells(r: dict[str, Any]) -> list[object]:
    ing, app = r["ingest"], r["app"]
    return [
        papers(r),
        f"{ing['chunks']:,}",
        f"{ing['seconds']:.0f}",
        f"{ing['wall_s'] - ing['seconds']:.0f}",
        r["reingest_one"]["embedded"],
        f"{app['import_s']:.1f} / {app['open_assistant_s']:.1f} / {app['build_app_s']:.1f}",
        f"{app['rss_after_first_mib']:.0f} / {app['rss_end_mib']:.0f}",
        f"{app['peak_rss_mib']:.0f}",
    ]


def eval_cells(r: dict[str, Any], base: dict[str, Any] | None) -> list[object]:
    e = r["eval"]
    cells: list[object] = [papers(r), r["where"], r["date"], e["questions"]]
    for key in EVAL_KEYS:
        value, before = e[key], (base["eval"][key] if base is not None and base is not r else None)
        cell = "–" if value is None else f"{value:.3f}"
        cells.append(cell + (f" ({value - before:+.3f})" if value is not None and before is not None else ""))
    return [*cells, f"{e['wall_s']:.0f}"]


def render(rows: list[dict[str, Any]]) -> str:
    rows = sorted(rows, key=lambda r: (r["records"], -r.get("focus", 1.0), r["where"], r["date"], r["code"]))
    out = ["# Scale benchmark (`make bench-scale SIZES=...`, `python -m bench.scale_bench`)", "", INTRO, ""]
    out += header(MAIN_HEADERS) + [line(main_cells(r)) for r in rows]
    out += ["", "## Where the time and the memory go", ""]
    out += header(PART_HEADERS) + [line(part_cells(r)) for r in rows]
    out += ["", "Disk, by part (MiB):", ""]
    for r in rows:
        parts = ", ".join(f"{k} {v:.1f}" for k, v in r["disk_mib"].items() if k != "total")
        out.append(f"- {papers(r)} papers ({r['where']}, {r['date']}): {parts}")
    evals = [r for r in rows if "eval" in r]
    if evals:
        base = next((r for r in evals if r["size"] == 0), None)  # the 186 bundled papers alone
        sets = ", ".join(f"`{p.relative_to(ROOT)}`" for p in EVAL_QA)
        out += [
            "",
            "## Retrieval and answers among distractors (`rag eval --backend extractive --retrieval hybrid`)",
        ]
        out += ["", EVAL_INTRO.format(sets=sets), ""]
        out += header(EVAL_HEADERS) + [line(eval_cells(r, base)) for r in evals]
        out += ["", "Where the list answers' citations and the top 10 come from (list questions):", ""]
        out += header(SOURCE_HEADERS) + [line(source_cells(r)) for r in evals if "sources" in r["eval"]]
    out += ["", "Code measured: " + "; ".join(sorted({f"{papers(r)}: {r['code']}" for r in rows})), ""]
    return "\n".join(out)


def save(row: dict[str, Any]) -> None:
    store = RESULTS / "scale.json"
    rows = json.loads(store.read_text(encoding="utf-8")) if store.exists() else []
    # one row per size, machine and code: a rerun replaces its row, other code's rows stay beside it
    key = (row["size"], row["where"], row.get("focus", 1.0), row["code"])
    rows = [r for r in rows if (r["size"], r["where"], r.get("focus", 1.0), r["code"]) != key] + [row]
    RESULTS.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (RESULTS / "scale.md").write_text(render(rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Scale benchmark over synthetic collections.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000], help="Synthetic papers (+186 real).")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--focus", type=float, default=1.0, help="bench.synth --focus (1: close neighbours).")
    parser.add_argument("--where", default="2-core dev machine, shared", help="Label of the machine.")
    parser.add_argument("--code", default=None, help="Label of the code measured (default: git HEAD).")
    parser.add_argument("--questions", type=int, default=50, help="Questions of eval/qa.jsonl timed.")
    parser.add_argument("--eval", action="store_true", help="Also run rag eval on each index.")
    parser.add_argument("--workdir", type=Path, default=None, help="Where the temporary data folders go.")
    parser.add_argument("--keep", action="store_true", help="Keep each size's data folder.")
    parser.add_argument("--probe", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe is not None:
        probe(args.probe)
        return
    for size in args.sizes:
        save(measure(size, args))
        print(render(json.loads((RESULTS / "scale.json").read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main()
