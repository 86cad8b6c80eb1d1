"""The `rag` command line. Output for machines with --json; one-line errors for people."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup
from typer.exceptions import Abort, TyperException

from rag import assemble
from rag.indexing.index import PaperIndex
from rag.io import json_safe, printable
from rag.models import SearchFilters
from rag.settings import BACKENDS, SEARCH_MODES, SearchMode, Settings, load_settings

if TYPE_CHECKING:
    from rag.answering import Assistant

EXIT_SKIPPED = 1
EXIT_ERROR = 2


class OneLineErrors(TyperGroup):
    """A failure no command handled is one line and exit 2, never a traceback (RAG_DEBUG=1 shows one)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, Abort, TyperException):  # exits, usage errors: typer prints them itself
            raise
        except Exception as exc:
            if os.environ.get("RAG_DEBUG", "") not in ("", "0"):
                raise
            if isinstance(exc, ConnectionError):
                message = " ".join(str(exc).split())
            else:
                message = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
                message = (
                    message if len(message) <= 300 else message[:297] + "..."
                ) + " (RAG_DEBUG=1 for details)"
            typer.echo(f"error: {printable(message)}", err=True)
            raise typer.Exit(EXIT_ERROR) from None


app = typer.Typer(
    cls=OneLineErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Question answering over research-paper abstracts, with verified citations.",
)


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {printable(message)}", err=True)
    raise typer.Exit(EXIT_ERROR)


def out(text: str) -> None:
    """Paper text to stdout, with no escape sequence or control character left to act on the terminal."""
    typer.echo(printable(text))


def out_json(value: Any) -> None:
    typer.echo(json_safe(json.dumps(value, indent=1, ensure_ascii=False)))


def check_backend(backend: str | None) -> None:
    if backend is not None and backend not in BACKENDS:
        fail(f"unknown backend {backend!r}; use {', '.join(BACKENDS)}")


def settings_from_env() -> Settings:
    try:
        return load_settings()
    except ValueError as exc:
        fail(" ".join(str(exc).split()))


def say(message: str) -> None:
    typer.echo(printable(message), err=True)


def open_index(settings: Settings | None = None) -> PaperIndex:
    """The index for these settings, built from the bundled corpus on first use."""
    try:
        return assemble.open_index(settings or settings_from_env(), say=say)
    except ConnectionError as exc:
        fail(str(exc))


def open_for_reading(settings: Settings | None = None) -> PaperIndex:
    """The index as it is, for stats, papers and search: these never start or finish an ingest."""
    settings = settings or settings_from_env()
    try:
        index = assemble.open_index(settings, say=say, build_if_empty=False)
    except ConnectionError as exc:
        fail(str(exc))
    if not index.exists:
        fail(
            f"no index yet in {settings.data_dir}: `rag ingest` builds it from the bundled papers, "
            "`rag ingest FILES` from yours"
        )
    line = index.unfinished_line()
    if line and index.is_empty:
        fail(line)
    if line:
        say(f"note: {line}")
    return index


def open_assistant(settings: Settings, **options: Any) -> Assistant:
    try:
        return assemble.open_assistant(settings, say=say, **options)
    except ConnectionError as exc:
        fail(str(exc))


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders; default: the bundled corpus.")
    ] = None,
    replace: Annotated[bool, typer.Option(help="Make these paths the whole collection.")] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Only read back every chunk's vector and embed the unreadable ones again."
        ),
    ] = False,
    progress: Annotated[
        bool | None, typer.Option(help="Progress bar (default: when stderr is a terminal).")
    ] = None,
) -> None:
    """Add files or folders to the collection and bring the index up to date.

    One ingest at a time writes a data folder: a second one waits for the first, then embeds only what
    the first did not. Every ingest ends by checking that each chunk's vector reads back.
    """
    settings = settings_from_env()
    try:
        index = assemble.open_index(settings, say=say, build_if_empty=False)
    except ConnectionError as exc:
        fail(str(exc))
    if check:
        if paths or replace:
            fail("--check reads the index as it is: give it no paths and no --replace")
        if not index.exists:
            fail(f"no index yet in {settings.data_dir}: nothing to check")
        report = index.check()
        found = f"{report.repaired} unreadable, embedded again" if report.repaired else "all readable"
        typer.echo(
            f"checked {report.checked} chunk vectors of {report.papers} papers: {found} "
            f"({report.seconds:.1f} s)"
        )
        return
    state = index.state
    registered = state is not None and bool(state.sources or state.pending)
    targets = list(paths) if paths else ([] if registered and not replace else list(settings.corpus))
    missing = [p for p in targets if not p.exists()]
    if missing:
        fail(f"no such file or folder: {missing[0]}")
    with index.writing():  # the evidence vectors too: a second ingest then embeds only its own sentences
        report = index.ingest(targets, replace=replace, progress=progress)
        assemble.open_assistant(settings, index=index, evidence="now")
    for problem in report.problems:
        say(f"skipped: {problem}")
    repaired = f", repaired {report.repaired} unreadable" if report.repaired else ""
    typer.echo(
        f"{report.papers} papers, {report.chunks} chunks from {report.files} files; embedded "
        f"{report.embedded}{repaired}, removed {report.removed}, {len(report.problems)} skipped "
        f"({report.seconds:.1f} s)"
    )
    if report.problems:
        raise typer.Exit(EXIT_SKIPPED)


PAPER_SORTS = {"title": "title", "date": "date", "upvotes": "upvotes", "authors": "author_count"}


@app.command()
def papers(
    year: Annotated[int | None, typer.Option(help="Only papers dated in this year.")] = None,
    month: Annotated[
        str | None, typer.Option(help="Only this month (1-12 or a name); with --year, of that year.")
    ] = None,
    category: Annotated[str | None, typer.Option(help="arXiv group, e.g. CV, LG, ML.")] = None,
    author: Annotated[str | None, typer.Option(help="An author; 'J. Kim' also finds 'Juno Kim'.")] = None,
    min_authors: Annotated[int | None, typer.Option(help="At least this many authors.")] = None,
    max_authors: Annotated[int | None, typer.Option(help="At most this many authors.")] = None,
    sort: Annotated[
        str, typer.Option(help="title, date (oldest first), upvotes or authors (most first).")
    ] = "title",
    limit: Annotated[int | None, typer.Option(help="Only the first N papers.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List the papers of the collection, optionally filtered and sorted by their metadata."""
    from rag.collection.execute import run_query
    from rag.collection.query import OptionError, query_from_options
    from rag.collection.render import unknown_line

    if sort not in PAPER_SORTS:
        fail(f"unknown --sort {sort!r}; use {', '.join(PAPER_SORTS)}")
    try:
        query = query_from_options(
            year=year,
            month=month,
            category=category,
            author=author,
            min_authors=min_authors,
            max_authors=max_authors,
            sort=PAPER_SORTS[sort],
            descending=sort in ("upvotes", "authors"),
            limit=limit,
        )
    except OptionError as exc:
        fail(exc.spelled(lambda field: "--" + field.replace("_", "-")))
    index = open_for_reading()
    result = run_query(query, index.papers.values())
    ordered = [index.papers[pid] for pid in result.paper_ids]
    if result.unknown:  # the same words as the chat's answer and the Papers tab
        say(f"note: {unknown_line(result)}")
    if as_json:
        out_json([p.model_dump(mode="json") for p in ordered])
        return
    for paper in ordered:
        out(f"{paper.date_text or '':>13}  {paper.category or '--':3} {paper.title}")


@app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("-k", min=1, help="Papers to return.")] = 10,
    mode: Annotated[str, typer.Option(help="bm25, dense or hybrid.")] = "hybrid",
    year_from: Annotated[int | None, typer.Option(help="Earliest publication year.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Latest publication year.")] = None,
    category: Annotated[str | None, typer.Option(help="arXiv group, e.g. LG, CV.")] = None,
    author: Annotated[str | None, typer.Option(help="Substring of an author's name.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Find papers: BM25, dense, or both fused (hybrid)."""
    from rag.retrieval import Searcher

    if mode not in SEARCH_MODES:
        fail(f"unknown mode {mode!r}; use {', '.join(SEARCH_MODES)}")
    search_mode: SearchMode = mode  # type: ignore[assignment]
    filters = SearchFilters(year_from=year_from, year_to=year_to, category=category, author=author)
    hits = Searcher(open_for_reading()).search(query, k=k, mode=search_mode, filters=filters)
    if as_json:
        rows = [
            {"id": h.paper.id, "title": h.paper.title, "score": round(h.score, 6), "snippet": h.snippet}
            for h in hits
        ]
        out_json(rows)
        return
    if not hits:
        typer.echo("No papers found.")
    for rank, hit in enumerate(hits, start=1):
        out(f"{rank:2}. {hit.paper.title}  [{hit.paper.date_text or 'n.d.'}]  score {hit.score:.4f}")


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Papers and chunks indexed, embedding model, index location."""
    info = open_for_reading().stats()
    if as_json:
        out_json(info.model_dump(mode="json"))
        return
    for key, value in info.model_dump().items():
        out(f"{key:16} {', '.join(value) if isinstance(value, list) else value}")


@app.command()
def chat(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default 127.0.0.1, RAG_UI_HOST).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (default 7860, RAG_UI_PORT).")] = None,
) -> None:
    """Start the chat app in the browser; RAG_UI_AUTH=user:password requires a login."""
    from ui.app import build_app, launch

    settings = settings_from_env()
    assistant = open_assistant(settings, evidence="background")
    demo = build_app(settings, assistant)
    typer.echo(f"{len(assistant.index.papers)} papers indexed; starting the app ...", err=True)
    try:
        launch(demo, settings, host=host, port=port)
    except OSError as exc:  # port taken, address not available
        fail(" ".join(str(exc).split()))


@app.command("eval")
def eval_(
    qa: Annotated[
        list[Path] | None, typer.Option(help="Question file (JSONL), repeatable; default: the bundled sets.")
    ] = None,
    backend: Annotated[str, typer.Option(help="auto, ollama, llamacpp or extractive.")] = "auto",
    retrieval: Annotated[str, typer.Option(help="Modes compared: bm25, dense, hybrid or all.")] = "all",
    split: Annotated[str, typer.Option(help="Questions scored: tuning, test, blind or all.")] = "all",
    out: Annotated[Path, typer.Option(help="Folder for results, report and charts.")] = Path("eval/out"),
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    judge: Annotated[bool, typer.Option(help="Also grade answers with an Ollama LLM judge.")] = False,
    judge_model: Annotated[
        str | None,
        typer.Option(help="Pinned judge model; default $RAG_EVAL_JUDGE_MODEL or the Ollama model."),
    ] = None,
    gate: Annotated[Path | None, typer.Option(help="Thresholds file: exit 1 if a metric misses one.")] = None,
    progress: Annotated[bool, typer.Option(help="Progress bar on stderr.")] = True,
) -> None:
    """Score retrieval and answers on a question set; write results, summary, report and charts."""
    from eval.report import format_summary_table
    from eval.runner import EvalOptions, run_eval
    from rag.answering.llm import BackendUnavailable

    check_backend(backend)
    options = {"qa": qa, "split": split, "limit": limit, "judge_model": judge_model, "gate": gate}
    try:
        chosen = EvalOptions.model_validate({k: v for k, v in options.items() if v is not None})
        chosen = chosen.model_copy(update={"backend": backend, "retrieval": retrieval, "out": out})
        outcome = run_eval(
            settings_from_env(), chosen.model_copy(update={"judge": judge, "progress": progress}), say
        )
    except (ValueError, BackendUnavailable, ConnectionError) as exc:
        fail(" ".join(str(exc).split()))
    typer.echo(format_summary_table(outcome.summary))
    typer.echo(f"\nwrote {', '.join(p.name for p in outcome.paths.values())} to {out}")
    for line in outcome.gate_failures:
        typer.echo(line, err=True)
    if outcome.gate_failures:
        raise typer.Exit(1)
    if outcome.gate_checked:
        typer.echo(f"gate: all {outcome.gate_checked} thresholds met")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question about the papers of the collection.")],
    backend: Annotated[
        str | None, typer.Option(help="auto, ollama, llamacpp or extractive (default: RAG_ANSWER_BACKEND).")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(help="The Ollama model (RAG_OLLAMA_MODEL) or GGUF file (RAG_LLAMACPP_MODEL)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as one JSON object.")] = False,
) -> None:
    """Answer a question from the papers: streamed text, then the numbered sources it cites."""
    from rag.answering.llm import BackendUnavailable
    from rag.models import Answer

    if not question.strip():
        fail("the question is empty: ask something about the papers")
    check_backend(backend)
    settings = settings_from_env()
    if model:  # a name for Ollama, a file for llama.cpp: it goes to the backend that will use it
        group = "llamacpp" if backend == "llamacpp" or model.endswith(".gguf") else "ollama"
        chosen = getattr(settings, group).model_copy(
            update={"model": Path(model) if group == "llamacpp" else model}
        )
        settings = settings.model_copy(update={group: chosen})
    assistant = open_assistant(settings)
    answer: Answer | None = None
    try:
        for item in assistant.stream(question, backend=backend):
            if isinstance(item, Answer):
                answer = item
            elif not as_json:
                typer.echo(item.text, nl=False)
    except (BackendUnavailable, ValueError) as exc:
        fail(" ".join(str(exc).split()))
    if answer is None:
        fail("no answer was produced")
    if as_json:
        typer.echo(answer.model_dump_json())
        return
    typer.echo("")
    if answer.invalid_citations:
        typer.echo(f"({answer.invalid_citations} citation marker(s) naming no given paper were removed)")
    for flag in answer.flagged:
        typer.echo(f"⚠ [{flag.n}] may not support: {flag.sentence} (similarity {flag.support:.2f})")
    cited = {c.n for c in answer.citations}
    if answer.sources:
        typer.echo("\nSources:")
        for source in answer.sources:
            paper = assistant.index.papers.get(source.paper_id)
            date = f" ({paper.date_text})" if paper and paper.date_text else ""
            note = "" if source.n in cited else "  (not cited)"
            if source.tier == 2:
                note += (
                    f"  (may also be relevant; does not state {', '.join(source.lacks) or 'every condition'})"
                )
            typer.echo(f"[{source.n}] {source.title}{date}{note}")
    if answer.abstained and answer.nearest:
        typer.echo("\nNearest papers:")
        for near in answer.nearest:
            typer.echo(f"- {near.title}")
    model = f" · {answer.model}" if answer.model else ""
    typer.echo(f"\nanswered by {answer.backend}{model} in {answer.timings.total:.1f} s", err=True)
    if answer.notice:
        typer.echo(f"note: {answer.notice}", err=True)


def main() -> None:
    app(prog_name="rag")


if __name__ == "__main__":
    main()
