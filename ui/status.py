"""Status tab text and the no-LLM notice, from IndexStats, BackendStatus and IngestReport records.

Values come from files and servers (paths, error messages), so they are escaped for Markdown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.indexing.index import IndexStats
from rag.indexing.ingest import IngestReport
from rag.settings import Settings
from ui.render import md_escape

if TYPE_CHECKING:
    from rag.answering import BackendStatus


def _code(text: object) -> str:
    """Inline code span: Markdown shows its content verbatim (backticks cannot occur in it)."""
    return f"`{str(text).replace('`', chr(39))}`"


def notice_markdown(status: BackendStatus | None, settings: Settings) -> str:
    """The banner shown when answers come from the extractive backend; empty when an LLM answers."""
    if status is None or status.backend != "extractive":
        return ""
    if settings.answer.backend == "extractive":
        return (
            "**Evidence-only answers** (backend set to extractive): answers quote the abstracts. "
            "Set `RAG_ANSWER_BACKEND=auto` and start Ollama for written answers."
        )
    model = settings.ollama.model
    message = (
        md_escape(status.message)
        if status.message
        else (
            f"Evidence-only answers — start Ollama for written answers: `ollama serve`, `ollama pull {model}`"
        )
    )
    return f"⚠ **{message}**"


def _table(title: str, rows: list[tuple[str, str]]) -> str:
    return f"| {title} | |\n|---|---|\n" + "\n".join(f"| {name} | {value} |" for name, value in rows)


def status_markdown(stats: IndexStats, status: BackendStatus | None, ingest: str | None = None) -> str:
    """Two small tables: what is indexed (with an ingest that runs or did not finish: `ingest`, the
    index's `unfinished_line()`), and who answers."""
    index = _table(
        "Index",
        [
            ("Papers indexed", f"{stats.papers:,}"),
            ("Chunks indexed", f"{stats.chunks:,} ({stats.vectors:,} vectors)"),
            ("Ingest", f"**{md_escape(ingest)}**" if ingest else "finished"),
            ("Embedding model", _code(stats.embedding_model)),
            ("Index name", _code(stats.index_name)),
            ("Vector store", _code(stats.location)),
            ("Sources", "<br>".join(_code(s) for s in stats.sources) or "none"),
        ],
    )
    if status is None:
        return index + "\n\n_Backend status unavailable._"
    backend = _table(
        "Answering",
        [
            ("LLM backend", _code(status.backend)),
            ("Model", _code(status.model) if status.model else "none (evidence-only answers)"),
            ("Ollama", "reachable" if status.ollama_reachable else "**not reachable**"),
            ("Ollama model pulled", "yes" if status.ollama_model_present else "no"),
            ("Note", md_escape(status.message) or "—"),
        ],
    )
    return f"{index}\n\n{backend}"


def reindex_markdown(report: IngestReport, before: set[str], after: set[str]) -> str:
    """What a re-index changed: papers added/removed, chunks embedded, files that had problems."""
    added, removed = len(after - before), len(before - after)
    if not report.embedded and not report.removed and not added and not removed:
        headline = "**Index up to date** — nothing changed."
    else:
        headline = (
            f"**Re-indexed:** {added} paper(s) added, {removed} removed; "
            f"{report.embedded} chunk(s) embedded, {report.removed} removed."
        )
    lines = [
        headline,
        f"{report.papers} papers, {report.chunks} chunks from {report.files} file(s) "
        f"in {report.seconds:.1f} s.",
    ]
    lines += [f"- skipped: {md_escape(str(p))}" for p in report.problems[:20]]
    if len(report.problems) > 20:
        lines.append(f"- … and {len(report.problems) - 20} more")
    return "\n\n".join(lines[:2]) + ("\n\n" + "\n".join(lines[2:]) if lines[2:] else "")
