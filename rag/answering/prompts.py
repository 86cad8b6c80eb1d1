"""Prompt files (prompts/*.md) and the compact, delimited paper context that goes into them.

Prompts live in files so they can be read and changed without touching code. Only the evidence sentences of
each paper are sent, not whole abstracts, which keeps a five-paper prompt well under 1,200 tokens. Abstract
text is untrusted: it is cleaned of anything that could close the data block or pass for a citation marker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from llama_index.core.llms import ChatMessage, MessageRole

from rag.answering.markers import neutralize_markers
from rag.models import Paper, Source, Turn
from rag.settings import PROMPTS_DIR

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_DELIMITER = re.compile(r"</?\s*papers?\s*>", re.I)


@lru_cache(maxsize=16)
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> str:
    """The text of prompts/<name>.md."""
    path = directory / f"{name}.md"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise RuntimeError(f"prompt file missing: {path} ({exc.strerror or exc})") from exc


class PromptError(ValueError):
    """A prompt file whose {placeholders} do not match what the code fills in; names the file."""


def placeholders(template: str) -> set[str]:
    return set(_PLACEHOLDER.findall(template))


def render(name: str, directory: Path = PROMPTS_DIR, **values: str) -> str:
    """Fill the {placeholders} of prompts/<name>.md, which must be exactly the values given.

    Values are inserted once and not scanned again, so braces in them (LaTeX in abstracts) stay as they are.
    """
    template = load_prompt(name, directory)
    wanted = placeholders(template)
    if wanted != set(values):
        unknown, missing = sorted(wanted - set(values)), sorted(set(values) - wanted)
        problems = [f"unknown placeholder(s) {', '.join('{' + p + '}' for p in unknown)}"] if unknown else []
        problems += [f"missing placeholder(s) {', '.join('{' + p + '}' for p in missing)}"] if missing else []
        raise PromptError(f"prompt file {directory / (name + '.md')}: {'; '.join(problems)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def sanitize(text: str) -> str:
    """Abstract text as data: one line, no block delimiters, no '[n]' that could pass for a citation."""
    text = _DELIMITER.sub(" ", text)
    text = neutralize_markers(text)
    return " ".join(text.split())


def format_papers(sources: list[Source], papers: Mapping[str, Paper] | None = None) -> str:
    """[n] Title (date), then its evidence sentences: all the answerer sees of each paper."""
    blocks = []
    for source in sources:
        paper = (papers or {}).get(source.paper_id)
        date = f" ({paper.date_text})" if paper and paper.date_text else ""
        lines = [f"[{source.n}] {sanitize(source.title)}{date}"]
        lines += [f"- {sanitize(sentence)}" for sentence in source.evidence]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def answer_messages(
    question: str,
    sources: list[Source],
    papers: Mapping[str, Paper] | None = None,
    context: str | None = None,
) -> list[ChatMessage]:
    """System rules + the delimited papers and the (standalone) question."""
    body = render(
        "answer",
        papers=context if context is not None else format_papers(sources, papers),
        question=" ".join(question.split()),
    )
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=load_prompt("system")),
        ChatMessage(role=MessageRole.USER, content=body),
    ]


def condense_messages(question: str, history: list[Turn]) -> list[ChatMessage]:
    from rag.answering.conversation import history_text

    body = render("condense", history=history_text(history), question=" ".join(question.split()))
    return [ChatMessage(role=MessageRole.USER, content=body)]
