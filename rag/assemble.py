"""The composition root: the one place that opens the index, builds it on first use, loads the evidence
vectors and hands out the Assistant. The CLI, the chat app and the eval call these and nothing else.

    assistant = open_assistant(load_settings(), say=print)   # first use: indexes the bundled corpus
    assistant.ask("Which papers prove regret lower bounds?")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from rag.answering import Assistant
from rag.answering.llm import ChatLLM
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.index import PaperIndex
from rag.settings import Settings

Say = Callable[[str], None]
Evidence = Literal["now", "background", "skip"]


def _quiet(_: str) -> None:
    return None


def open_index(
    settings: Settings,
    *,
    say: Say = _quiet,
    build_if_empty: bool = True,
    progress: bool | None = None,
    embedder: OnnxEmbedder | None = None,
) -> PaperIndex:
    """The index for these settings. With `build_if_empty` (ask, chat, eval), an empty one is built from
    `settings.corpus` on first use, or finished when an unfinished ingest was to build it.

    Without it nothing is written: stats, papers and search only read. Raises ConnectionError when a
    configured Chroma server does not answer.
    """
    index = PaperIndex(settings, embedder=embedder, say=say)
    if build_if_empty and index.is_empty:
        if index.unfinished:
            names = ", ".join(index.unfinished)
            say(f"Finishing the unfinished ingest of {names} (first use) ...")
        else:
            say(f"Building the index from {', '.join(map(str, settings.corpus))} (first use) ...")
        report = index.ensure_ingested(progress=progress)
        for problem in report.problems if report else []:
            say(f"skipped: {problem}")
    elif build_if_empty and (line := index.unfinished_line()):
        say(f"note: {line}")
    return index


def open_assistant(
    settings: Settings,
    *,
    say: Say = _quiet,
    index: PaperIndex | None = None,
    llm: ChatLLM | None = None,
    embedder: OnnxEmbedder | None = None,
    evidence: Evidence = "now",
    build_if_empty: bool = True,
) -> Assistant:
    """An Assistant ready to answer: index opened (built on first use), evidence vectors loaded.

    `evidence`: the ingest stores every paper's sentence vectors in the catalog, so a new index needs
    nothing here. For papers an older version indexed without them, "now" embeds their sentences before
    returning (so the first answer is as fast as the next); "background" does it on a thread (the app,
    which should show its page at once); "skip" leaves it to the caller (an ingest about to change the
    papers).
    Pass `index`, `llm` or `embedder` to reuse loaded parts (tests inject real small ones).
    """
    if index is None:
        index = open_index(settings, say=say, build_if_empty=build_if_empty, embedder=embedder)
    assistant = Assistant(settings, index=index, llm=llm)
    if evidence == "now" and assistant.needs_evidence():
        say("Embedding the sentences of papers an older version indexed, for evidence (once) ...")
        assistant.prepare_evidence()
    elif evidence == "background":
        assistant.prepare_evidence_in_background()
    return assistant
