"""The rule parser against a model writing the CollectionQuery (under its JSON schema), on the blind metadata
questions: the same index, the same executor, one pass per parser.

    python -m bench.collection_llm_bench [GGUF]     # writes bench/results/collection-llm.md

Each question is answered twice by the pipeline: on the extractive backend (the rule parser), and on the
llama.cpp backend with `answer.collection_parser_llamacpp = "llm"` (Qwen2.5-Coder-1.5B-Instruct by default).
A question the rules do not read as a metadata question goes to retrieval on both backends, and the model is
not asked for a query: its answer there is the extractive one, so the rows differ only by the parser.
Scored as `rag eval` scores metadata questions: set F1 of the cited papers against the gold ids, or the key
facts of an aggregation without gold papers. Every answer is appended to bench/results/collection-llm.jsonl
as it comes (`--report` rebuilds the table from that file, e.g. after an interrupted run).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench.common import percentile, table, write_result
from eval.metrics import citation_prf, key_fact_recall
from eval.schema import ResolvedCase, index_papers_by_title, load_cases, resolve_titles
from rag.collection import parse_collection_query
from rag.collection.llm_parse import FALLBACK_NOTICE
from rag.models import Answer, Record
from rag.settings import PROJECT_ROOT, load_settings

DEFAULT_GGUF = PROJECT_ROOT / ".models" / "qwen2.5-coder-1.5b-instruct.gguf"
BLIND = [  # the newest first: an interrupted run has measured it
    PROJECT_ROOT / "eval" / "qa_blind_r3_metadata.jsonl",
    PROJECT_ROOT / "eval" / "qa_blind_r2_metadata.jsonl",
    PROJECT_ROOT / "eval" / "qa_blind_metadata.jsonl",
]
ROWS = PROJECT_ROOT / "bench" / "results" / "collection-llm.jsonl"
PARSERS = ("rules", "llm")


class Row(Record):
    """One question answered with one parser."""

    id: str
    parser: str
    routed: bool  # the rules read it as a metadata question (else: retrieval, no model asked)
    set_f1: float | None
    key_facts: float | None
    declined: bool
    fell_back: bool  # the model's query did not validate: the rules' query ran
    seconds: float
    answer: str


def score(rc: ResolvedCase, answer: Answer, parser: str, routed: bool, seconds: float) -> Row:
    cited = list(dict.fromkeys(c.paper_id for c in answer.citations))
    f1 = citation_prf(cited, rc.gold_ids, rc.acceptable_ids)[2] if rc.gold_ids else None
    return Row(
        id=rc.id,
        parser=parser,
        routed=routed,
        set_f1=f1,
        key_facts=key_fact_recall(answer.text, rc.case.key_facts) if not rc.gold_ids else None,
        declined=answer.abstained,
        fell_back=FALLBACK_NOTICE in (answer.notice or ""),
        seconds=seconds,
        answer=answer.text[:400],
    )


def _mean(values: list[float | None]) -> str:
    kept = [v for v in values if v is not None]
    return f"{sum(kept) / len(kept):.3f} ({len(kept)})" if kept else "–"


def report(rows: list[Row], model: str) -> str:
    both = {r.id for r in rows if r.parser == "llm"} & {r.id for r in rows if r.parser == "rules"}
    lines = [
        "# Metadata questions: the rule parser vs a model writing the CollectionQuery (blind split)",
        "",
        f"Questions: the blind metadata files ({', '.join(p.name for p in BLIND)}), {len(both)} answered by "
        f"both parsers. Model: {model} through llama.cpp (greedy, under the query's JSON schema), "
        "2 loaded CPU cores. Set F1: the cited papers against the gold ids (n questions in brackets); key "
        "facts: aggregations without gold papers. 'fell back': the model's query did not validate (or asked "
        "no metadata), and the rules' query ran. Seconds: the whole answer, parse included.",
        "",
    ]
    out = []
    for parser in PARSERS:
        mine = [r for r in rows if r.parser == parser and r.id in both]
        secs = [r.seconds for r in mine]
        routed = [r for r in mine if r.routed]
        out.append(
            [
                "rules (any backend)" if parser == "rules" else f"model ({model}), rules as fallback",
                len(mine),
                _mean([r.set_f1 for r in mine]),
                _mean([r.key_facts for r in mine]),
                f"{sum(r.declined for r in mine) / max(len(mine), 1):.3f}",
                f"{percentile(secs, 50):.2f} / {percentile(secs, 95):.2f}",
                "–" if parser == "rules" else f"{sum(r.fell_back for r in routed)} of {len(routed)}",
            ]
        )
    headers = ["parser", "questions", "set F1", "key facts", "declined", "s p50 / p95", "fell back"]
    lines.append(table(headers, out))
    changed = [
        (a, b)
        for a in rows
        if a.parser == "rules" and a.id in both
        for b in rows
        if b.parser == "llm" and b.id == a.id and (a.set_f1, a.key_facts) != (b.set_f1, b.key_facts)
    ]
    lines += ["", f"Questions scored differently by the two parsers: {len(changed)}", ""]
    for a, b in changed:
        lines.append(f"- {a.id}: rules {_cell(a)}, model {_cell(b)}{' (fell back)' if b.fell_back else ''}")
    return "\n".join(lines)


def _cell(row: Row) -> str:
    value = row.set_f1 if row.set_f1 is not None else row.key_facts
    return "–" if value is None else f"{value:.2f}"


def load_rows() -> list[Row]:
    if not ROWS.exists():
        return []
    return [Row.model_validate_json(line) for line in ROWS.read_text().splitlines() if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gguf", nargs="?", type=Path, default=DEFAULT_GGUF)
    parser.add_argument("--report", action="store_true", help="Only rebuild the table from the rows file.")
    args = parser.parse_args()
    model = args.gguf.name
    if args.report:
        print(write_result("collection-llm", report(load_rows(), model)))
        return 0
    from rag.assemble import open_assistant

    settings = load_settings()
    answer = settings.answer.model_copy(update={"collection_parser_llamacpp": "llm"})
    llamacpp = settings.llamacpp.model_copy(update={"model": args.gguf})
    settings = settings.model_copy(update={"answer": answer, "llamacpp": llamacpp})
    assistant = open_assistant(settings, say=lambda m: print(m, file=sys.stderr))
    papers = list(assistant.index.papers.values())
    by_title = index_papers_by_title(papers)
    cases = [rc for path in BLIND for rc in resolve_titles(load_cases(path), by_title)]
    done = {(r.id, r.parser) for r in load_rows()}
    ROWS.parent.mkdir(parents=True, exist_ok=True)
    with ROWS.open("a", encoding="utf-8") as sink:
        for n, rc in enumerate(cases, start=1):
            routed = parse_collection_query(rc.case.question, papers=papers) is not None
            for name in PARSERS:
                if (rc.id, name) in done:
                    continue
                # a question the rules route to retrieval: no model is asked for a query on either row
                backend = "llamacpp" if name == "llm" and routed else "extractive"
                started = time.perf_counter()
                answer_ = assistant.ask(rc.case.question, backend=backend)
                seconds = time.perf_counter() - started
                row = score(rc, answer_, name, routed, seconds)
                sink.write(row.model_dump_json() + "\n")
                sink.flush()
                print(f"{n}/{len(cases)} {rc.id} {name}: {_cell(row)} {seconds:.1f}s", file=sys.stderr)
    print(write_result("collection-llm", report(load_rows(), model)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
