"""Render a run: ``results.jsonl``, ``summary.json``, ``report.md`` and PNG charts.

eval/results.py has the records and says what each metric means.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.results import ANSWER_METRICS, RETRIEVAL_METRICS, AnswerMetrics, QuestionResult, Summary
from rag.io import atomic_write_text

__all__ = ["CHART_FILES", "format_summary_table", "render_markdown", "write_charts", "write_outputs"]

CHART_FILES = ("answer_by_type.png", "retrieval_modes.png")
SHORT = {
    "citation_precision": "cite P",
    "citation_recall": "cite R",
    "citation_f1": "cite F1",
    "invalid_citations": "invalid/q",
    "key_fact_recall": "facts",
    "abstention_accuracy": "abstain acc",
    "false_abstention_rate": "false abst",
    "list_precision": "list P",
    "list_recall": "list R",
    "fallbacks": "fallback",
}
COLUMNS = (*ANSWER_METRICS, "list_precision", "list_recall", "fallbacks")


def _value(block: AnswerMetrics, name: str) -> Any:
    return getattr(block, name)


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


def retrieval_table(summary: Summary, markdown: bool = False) -> list[str]:
    dumped = {mode: block.model_dump(by_alias=True) for mode, block in summary.retrieval.items()}
    rows = [[m] + [_fmt(dumped[mode][m]) for mode in dumped] for m in RETRIEVAL_METRICS]
    return _table(["metric", *dumped], rows, markdown)


def answer_table(summary: Summary, markdown: bool = False) -> list[str]:
    header = ["type", "n", *(SHORT[m] for m in COLUMNS)]
    rows = []
    for name, block in [*summary.by_type.items(), ("overall", summary.answer)]:
        rows.append([name, str(block.n_questions), *(_fmt(_value(block, m)) for m in COLUMNS)])
    return _table(header, rows, markdown)


def _latencies(summary: Summary) -> dict[str, Any]:
    return {name: getattr(summary.latency, name) for name in ("retrieval", "first_token", "total")}


def latency_line(summary: Summary) -> str:
    parts = [f"{name} p50 {_fmt(v.p50)} s / p95 {_fmt(v.p95)} s" for name, v in _latencies(summary).items()]
    lat = summary.latency
    if lat.written:
        first, total = lat.written_first_token, lat.written_total
        parts.append(
            f"the {lat.written} answers a model wrote: first_token p50 {_fmt(first.p50)} s / p95 "
            f"{_fmt(first.p95)} s, total p50 {_fmt(total.p50)} s / p95 {_fmt(total.p95)} s"
        )
    return "latency: " + "; ".join(parts)


def format_summary_table(summary: Summary) -> str:
    """The plain-text table printed at the end of ``rag eval``."""
    lines = [
        f"{summary.n_questions} questions ({summary.split} split), backend {summary.backend}"
        + (f" ({summary.model})" if summary.model else ""),
        "",
        "Retrieval (paper level)",
        *retrieval_table(summary),
        "",
        "Answers by type (invalid/q is a count per answer; the rest are rates)",
        *answer_table(summary),
        "",
        latency_line(summary),
    ]
    judge = summary.judge
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
    summary: Summary,
    results: Sequence[QuestionResult],
    titles: Mapping[str, str],
    n_worst: int = 10,
) -> str:
    lines = [
        "# Evaluation report",
        "",
        f"- questions: {summary.n_questions} ({summary.qa_file or 'question file'}, {summary.split} split)",
        f"- backend: {summary.backend} (requested {summary.backend_requested}), "
        f"model: {summary.model or '-'}",
        f"- runtime: {_fmt(summary.runtime_s, 1)} s",
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
    by_type = summary.retrieval_by_type
    if by_type:
        lines += ["### Recall@10 by question type", ""]
        modes = list(by_type)
        types = list(next(iter(by_type.values())))
        rows = [[t, *(_fmt(by_type[m][t].recall_at_10) for m in modes)] for t in types]
        lines += [*_table(["type", *modes], rows, markdown=True), ""]
    lines += ["## Answers by question type", "", *answer_table(summary, markdown=True), ""]
    lines += ["## Latency (seconds)", ""]
    lat = _latencies(summary)
    lines += _table(["", "p50", "p95"], [[k, _fmt(v.p50), _fmt(v.p95)] for k, v in lat.items()], True)
    lines.append("")
    judge = summary.judge
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


def write_charts(summary: Summary, out_dir: Path) -> list[Path]:
    """``answer_by_type.png`` (answer metrics per question type) and ``retrieval_modes.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths: list[Path] = []
    rates = [m for m in ANSWER_METRICS if m != "invalid_citations"]
    types = [*summary.by_type, "overall"]
    blocks = {**summary.by_type, "overall": summary.answer}
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(types)), 4.5))
    _grouped_bars(ax, types, {SHORT[m]: [_value(blocks[t], m) for t in types] for m in rates})
    ax.set_title(f"Answer metrics by question type ({summary.backend}; no bar = undefined)")
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    paths.append(out_dir / CHART_FILES[0])
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    dumped = {mode: block.model_dump(by_alias=True) for mode, block in summary.retrieval.items()}
    fig, ax = plt.subplots(figsize=(7, 4.2))
    _grouped_bars(
        ax,
        list(RETRIEVAL_METRICS),
        {mode: [block[k] for k in RETRIEVAL_METRICS] for mode, block in dumped.items()},
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


def write_outputs(
    out_dir: Path, results: Sequence[QuestionResult], summary: Summary, titles: Mapping[str, str]
) -> dict[str, Path]:
    """Write results.jsonl, summary.json, report.md and the charts into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "results": out_dir / "results.jsonl",
        "summary": out_dir / "summary.json",
        "report": out_dir / "report.md",
    }
    atomic_write_text(paths["results"], "".join(r.model_dump_json() + "\n" for r in results))
    atomic_write_text(paths["summary"], json.dumps(summary.dump(), indent=1, ensure_ascii=False) + "\n")
    atomic_write_text(paths["report"], render_markdown(summary, results, titles))
    for chart in write_charts(summary, out_dir):
        paths[chart.stem] = chart
    return paths
