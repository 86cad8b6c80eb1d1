"""Aggregate per-question results into ``summary.json``, ``report.md`` and PNG charts.

``summary.json`` has these stable keys (other tooling reads them; add keys, never rename these)::

    n_questions, backend, model
    retrieval[MODE]      recall@5, recall@10, ndcg@10, mrr                 (each mode that was run)
    answer               citation_precision, citation_recall, citation_f1, invalid_citations,
                         key_fact_recall, abstention_accuracy, false_abstention_rate
    by_type[TYPE]        the same answer metrics, per question type
    latency              retrieval / first_token / total: {p50, p95} in seconds
    judge                null unless --judge; the LLM judge's verdicts, never mixed into the metrics above

Conventions: every metric is a mean over the questions where it is defined (``None`` values -- e.g. retrieval
metrics of unanswerable questions, key-fact recall without key facts, citation precision of an answer that
cites nothing -- are left out, see :mod:`eval.metrics`); a metric defined for no question is ``null``.
All of them are rates in [0, 1] except ``invalid_citations``, which is the **mean number of invalid [n]
markers per answer** (a count, not a rate; ``invalid_citations_total`` holds the sum). ``abstention_accuracy``
is the share of ``unanswerable`` questions abstained on; ``false_abstention_rate`` the share of the other
questions abstained on (lower is better).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.metrics import abstention_scores, aggregate_metrics, mean_ignoring_none
from eval.runner import RANK_DEPTH, RETRIEVAL_METRICS, EvalRun, QuestionResult

__all__ = [
    "ANSWER_METRICS",
    "CHART_FILES",
    "format_summary_table",
    "percentile",
    "render_markdown",
    "summarize",
    "write_charts",
    "write_outputs",
]

ANSWER_METRICS = (
    "citation_precision",
    "citation_recall",
    "citation_f1",
    "invalid_citations",
    "key_fact_recall",
    "abstention_accuracy",
    "false_abstention_rate",
)
_PER_QUESTION = (
    "citation_precision",
    "citation_recall",
    "citation_f1",
    "invalid_citations",
    "key_fact_recall",
)
CHART_FILES = ("answer_by_type.png", "retrieval_modes.png")
SHORT = {
    "citation_precision": "cite P",
    "citation_recall": "cite R",
    "citation_f1": "cite F1",
    "invalid_citations": "invalid/q",
    "key_fact_recall": "facts",
    "abstention_accuracy": "abstain acc",
    "false_abstention_rate": "false abst",
}


# ------------------------------------------------------------------------------------------ numbers


def percentile(values: Iterable[float | None], q: float) -> float | None:
    """Linear-interpolation percentile (``q`` in [0, 100]) of the non-``None`` values; ``None`` if empty."""
    data = sorted(float(v) for v in values if v is not None)
    if not data:
        return None
    pos = (len(data) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def _answer_block(results: Sequence[QuestionResult]) -> dict[str, Any]:
    rows = [{"id": r.id, "type": r.type, **{m: getattr(r, m) for m in _PER_QUESTION}} for r in results]
    agg = aggregate_metrics(rows, metric_names=_PER_QUESTION)["overall"]["metrics"]
    accuracy, false_rate = abstention_scores((r.type == "unanswerable", r.abstained) for r in results)
    block: dict[str, Any] = {m: agg[m]["mean"] for m in _PER_QUESTION}
    block["abstention_accuracy"] = accuracy
    block["false_abstention_rate"] = false_rate
    block = {m: block[m] for m in ANSWER_METRICS}
    block["invalid_citations_total"] = sum(r.invalid_citations for r in results)
    block["unsupported_citations"] = mean_ignoring_none(r.unsupported_citations for r in results)
    block["abstained"] = sum(r.abstained for r in results)
    block["n_questions"] = len(results)
    block["n"] = {m: agg[m]["n"] for m in _PER_QUESTION}
    return block


def _retrieval_block(results: Sequence[QuestionResult], mode: str) -> dict[str, Any]:
    rows = [{"id": r.id, "type": r.type, **r.retrieval[mode]} for r in results if mode in r.retrieval]
    agg = aggregate_metrics(rows, metric_names=RETRIEVAL_METRICS)["overall"]["metrics"]
    block: dict[str, Any] = {m: agg[m]["mean"] for m in RETRIEVAL_METRICS}
    block["n"] = agg["recall@10"]["n"]
    secs = [r.retrieval_seconds.get(mode) for r in results]
    block["seconds_p50"] = percentile(secs, 50)
    block["seconds_p95"] = percentile(secs, 95)
    return block


def _one_label(values: Iterable[str | None]) -> str | None:
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    return " + ".join(name for name, _ in counts.most_common())


def summarize(
    run: EvalRun, *, qa_file: str | None = None, judge: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The ``summary.json`` object of a run (see the module docstring for the stable keys)."""
    results = run.results
    types: list[str] = []
    for r in results:
        if r.type not in types:
            types.append(r.type)
    summary: dict[str, Any] = {
        "n_questions": len(results),
        "backend": _one_label(r.backend for r in results),
        "model": _one_label(r.model for r in results),
        "backend_requested": run.backend_requested,
        "qa_file": qa_file,
        "retrieval": {mode: _retrieval_block(results, mode) for mode in run.modes},
        "retrieval_by_type": {
            mode: {t: _retrieval_block([r for r in results if r.type == t], mode) for t in types}
            for mode in run.modes
        },
        "answer": _answer_block(results),
        "by_type": {t: _answer_block([r for r in results if r.type == t]) for t in types},
        "latency": {
            name: {"p50": percentile(values, 50), "p95": percentile(values, 95)}
            for name, values in (
                ("retrieval", [r.time_retrieval for r in results]),
                ("first_token", [r.time_first_token for r in results]),
                ("total", [r.time_total for r in results]),
            )
        },
        "judge": dict(judge) if judge is not None else None,
        "rank_depth": RANK_DEPTH,
        "runtime_s": round(run.seconds, 3),
        "notes": {
            "invalid_citations": "mean number of invalid [n] markers per answer (a count, not a rate); "
            "invalid_citations_total is the sum",
            "means": "each metric averages the questions where it is defined; undefined values are excluded",
            "answer_retrieval": "answers use the default (hybrid) retrieval; modes differ in retrieval only",
            "mrr": f"reciprocal rank within the top {RANK_DEPTH} papers (0 when no gold paper is there)",
        },
    }
    return summary


# ------------------------------------------------------------------------------------------ text


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> list[str]:
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        return out + ["| " + " | ".join(row) + " |" for row in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    out = [line, "-" * len(line)]
    for row in rows:
        out.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return out


def retrieval_table(summary: Mapping[str, Any], markdown: bool = False) -> list[str]:
    modes = list(summary["retrieval"])
    rows = [[m] + [_fmt(summary["retrieval"][mode][m]) for mode in modes] for m in RETRIEVAL_METRICS]
    return _table(["metric", *modes], rows, markdown)


def answer_table(summary: Mapping[str, Any], markdown: bool = False) -> list[str]:
    header = ["type", "n", *(SHORT[m] for m in ANSWER_METRICS)]
    rows = []
    for name, block in [*summary["by_type"].items(), ("overall", summary["answer"])]:
        rows.append([name, str(block["n_questions"]), *(_fmt(block[m]) for m in ANSWER_METRICS)])
    return _table(header, rows, markdown)


def latency_line(summary: Mapping[str, Any]) -> str:
    lat = summary["latency"]
    parts = [f"{name} p50 {_fmt(lat[name]['p50'])} s / p95 {_fmt(lat[name]['p95'])} s" for name in lat]
    return "latency: " + "; ".join(parts)


def format_summary_table(summary: Mapping[str, Any]) -> str:
    """The plain-text table printed at the end of ``rag eval``."""
    lines = [
        f"{summary['n_questions']} questions, backend {summary['backend']}"
        + (f" ({summary['model']})" if summary.get("model") else ""),
        "",
        "Retrieval (paper level)",
        *retrieval_table(summary),
        "",
        "Answers by type (invalid/q is a count per answer; the rest are rates)",
        *answer_table(summary),
        "",
        latency_line(summary),
    ]
    judge = summary.get("judge")
    if judge and judge.get("status") == "ok":
        lines.append(
            f"judge ({judge['model']}): correct {_fmt(judge.get('correct_rate'))}, "
            f"mean score {_fmt(judge.get('mean_score'))} over {judge.get('n')} answers"
        )
    elif judge:
        lines.append(f"judge: {judge.get('status')} ({judge.get('reason', '')})")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ report.md


def _title(titles: Mapping[str, str], pid: str) -> str:
    return titles.get(pid, pid)


def _diagnose(r: QuestionResult, titles: Mapping[str, str]) -> list[str]:
    """What went wrong with one answer, in words."""
    notes: list[str] = []
    hybrid = r.retrieved.get("hybrid") or next(iter(r.retrieved.values()), [])
    if r.type == "unanswerable" and not r.abstained:
        notes.append("answered an unanswerable question")
    if r.type != "unanswerable" and r.abstained:
        found = [pid for pid in r.gold_ids if pid in hybrid[:10]]
        notes.append(
            f"abstained although {len(found)}/{len(r.gold_ids)} gold papers are in the hybrid top 10"
            + (f" (e.g. {_title(titles, found[0])!r})" if found else "")
        )
    missing = [pid for pid in r.gold_ids if pid not in r.cited_ids]
    shown, retrieved = set(r.source_ids), set(hybrid)
    for pid in missing:
        where = (
            "given to the answerer, uncited"
            if pid in shown
            else ("retrieved but not given to the answerer" if pid in retrieved else "not retrieved")
        )
        notes.append(f"missing gold {_title(titles, pid)!r} ({where})")
    wrong = [pid for pid in r.cited_ids if pid not in r.gold_ids and pid not in r.acceptable_ids]
    for pid in wrong:
        notes.append(f"cited a non-gold paper {_title(titles, pid)!r}")
    if r.missing_facts:
        notes.append("missing key facts: " + ", ".join(repr(f) for f in r.missing_facts))
    if r.unsourced_numbers:
        notes.append("numbers in no source it was given (invented?): " + ", ".join(r.unsourced_numbers))
    if r.invalid_citations:
        notes.append(f"{r.invalid_citations} invalid citation marker(s)")
    if r.notice:
        notes.append(f"notice: {r.notice}")
    return notes


def _worst_section(heading: str, picked: Sequence[QuestionResult], titles: Mapping[str, str]) -> list[str]:
    lines = [f"### {heading}", ""]
    if not picked:
        return [*lines, "None.", ""]
    for r in picked:
        lines.append(
            f"- **{r.id}** ({r.type}) cite F1 {_fmt(r.citation_f1, 2)}, facts {_fmt(r.key_fact_recall, 2)}, "
            f"abstained {'yes' if r.abstained else 'no'} -- {r.question}"
        )
        for note in _diagnose(r, titles) or ["(no specific problem found)"]:
            lines.append(f"  - {note}")
    return [*lines, ""]


def worst_questions(results: Sequence[QuestionResult], n: int = 10) -> dict[str, list[QuestionResult]]:
    answerable = [r for r in results if r.type != "unanswerable"]
    low_f1 = sorted(
        (r for r in answerable if r.citation_f1 is not None and r.citation_f1 < 1.0),
        key=lambda r: (r.citation_f1 or 0.0, r.citation_recall or 0.0, r.id),
    )[:n]
    missed = sorted(
        (r for r in results if r.key_fact_recall is not None and r.key_fact_recall < 1.0),
        key=lambda r: (r.key_fact_recall or 0.0, r.id),
    )[:n]
    abstention = [r for r in results if not r.abstention_correct][:n]
    return {"citations": low_f1, "facts": missed, "abstention": abstention}


def render_markdown(
    summary: Mapping[str, Any],
    results: Sequence[QuestionResult],
    titles: Mapping[str, str],
    n_worst: int = 10,
) -> str:
    lines = [
        "# Evaluation report",
        "",
        f"- questions: {summary['n_questions']} ({summary.get('qa_file') or 'question file'})",
        f"- backend: {summary['backend']} (requested {summary.get('backend_requested')}), "
        f"model: {summary.get('model') or '-'}",
        f"- runtime: {_fmt(summary.get('runtime_s'), 1)} s",
        "",
        "Means over the questions where a metric is defined. `invalid/q` is the mean number of invalid "
        "citation markers per answer (a count); every other column is a rate in [0, 1]. "
        "Answers use hybrid retrieval; the retrieval modes below differ in retrieval only.",
        "",
        "## Retrieval modes (paper level)",
        "",
        *retrieval_table(summary, markdown=True),
        "",
    ]
    by_type = summary.get("retrieval_by_type") or {}
    if by_type:
        lines += ["### Recall@10 by question type", ""]
        modes = list(by_type)
        types = list(next(iter(by_type.values())))
        rows = [[t, *(_fmt(by_type[m][t]["recall@10"]) for m in modes)] for t in types]
        lines += [*_table(["type", *modes], rows, markdown=True), ""]
    lines += ["## Answers by question type", "", *answer_table(summary, markdown=True), ""]
    lines += ["## Latency (seconds)", ""]
    lat = summary["latency"]
    lines += _table(["", "p50", "p95"], [[k, _fmt(v["p50"]), _fmt(v["p95"])] for k, v in lat.items()], True)
    lines.append("")
    judge = summary.get("judge")
    if judge:
        lines += ["## LLM judge (separate from the metrics above)", ""]
        if judge.get("status") == "ok":
            lines.append(
                f"Model {judge['model']} (temperature 0): correct {_fmt(judge.get('correct_rate'))}, "
                f"mean score {_fmt(judge.get('mean_score'))}, {judge.get('n')} answers "
                f"({judge.get('cached', 0)} from cache)."
            )
        else:
            lines.append(f"Skipped: {judge.get('reason')}")
        lines.append("")
    worst = worst_questions(results, n_worst)
    lines += ["## Worst questions", ""]
    lines += _worst_section("Lowest citation F1", worst["citations"], titles)
    lines += _worst_section("Missed key facts", worst["facts"], titles)
    lines += _worst_section("Wrong abstentions", worst["abstention"], titles)
    lines += ["## Charts", "", *(f"![{name}]({name})" for name in CHART_FILES), ""]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ charts


def _grouped_bars(
    ax: Any, groups: Sequence[str], series: Mapping[str, Sequence[float | None]], labels: bool = False
) -> None:
    """Bars side by side per group; an undefined (``None``) value draws no bar."""
    n = max(len(series), 1)
    width = 0.8 / n
    for i, (label, values) in enumerate(series.items()):
        points = [(g + (i - (n - 1) / 2) * width, float(v)) for g, v in enumerate(values) if v is not None]
        bars = ax.bar([x for x, _ in points], [y for _, y in points], width, label=label, color=f"C{i}")
        if labels:
            ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups)
    ax.set_ylim(0, 1.08)
    ax.grid(axis="y", alpha=0.3)


def write_charts(summary: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """``answer_by_type.png`` (answer metrics per question type) and ``retrieval_modes.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths: list[Path] = []
    rates = [m for m in ANSWER_METRICS if m != "invalid_citations"]
    types = [*summary["by_type"], "overall"]
    blocks = {**summary["by_type"], "overall": summary["answer"]}
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(types)), 4.5))
    _grouped_bars(ax, types, {SHORT[m]: [blocks[t][m] for t in types] for m in rates})
    ax.set_title(f"Answer metrics by question type ({summary['backend']}; no bar = undefined)")
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    paths.append(out_dir / CHART_FILES[0])
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    modes = list(summary["retrieval"])
    fig, ax = plt.subplots(figsize=(7, 4.2))
    _grouped_bars(
        ax,
        list(RETRIEVAL_METRICS),
        {m: [summary["retrieval"][m][k] for k in RETRIEVAL_METRICS] for m in modes},
        labels=True,
    )
    ax.set_title("Retrieval modes (paper level)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    paths.append(out_dir / CHART_FILES[1])
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths


# ------------------------------------------------------------------------------------------ all outputs


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_outputs(
    out_dir: Path, results: Sequence[QuestionResult], summary: Mapping[str, Any], titles: Mapping[str, str]
) -> dict[str, Path]:
    """Write results.jsonl, summary.json, report.md and the charts into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "results": out_dir / "results.jsonl",
        "summary": out_dir / "summary.json",
        "report": out_dir / "report.md",
    }
    _atomic_write(paths["results"], "".join(r.model_dump_json() + "\n" for r in results))
    _atomic_write(paths["summary"], json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    _atomic_write(paths["report"], render_markdown(summary, results, titles))
    for chart in write_charts(summary, out_dir):
        paths[chart.stem] = chart
    return paths
