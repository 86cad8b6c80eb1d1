"""A model writes a metadata question's CollectionQuery under its JSON schema; the rules stay the fallback.

    parsed = parse_with_llm(question, rules_query, llm, papers)
    parsed.query        # what to run: the model's query, or `rules_query` when the model failed
    parsed.parser       # "llm" | "rules"
    parsed.notice       # one line when the model's reply was not used, else None

Why this shape:
* The rule parser decides first whether the question is about metadata at all (its query is not None), so
  a topic question never becomes a metadata query by the model's say-so; only then is the model asked.
* The reply is generated under the JSON schema of ``LLMCollectionQuery`` (CollectionQuery less ``unused``,
  which the model has no way to fill honestly), through ``ChatLLM.structured_chat``: a llama.cpp grammar
  or Ollama's ``format=``. The same CollectionQuery model then validates it, with its cross-field checks
  (an empty date range, a min/max without a measure): any failure, a cut-off reply or an unreachable model
  gives the rules' query and one line of notice.
* The author and group the model names are resolved against the collection the way the rules do (a typo
  to the listed name, "computer vision" to CV), so both parsers feed the executor the same spellings.
* The prompt (prompts/collection_query.md) is one system message that only depends on the collection, and
  the question is the user message: llama.cpp reuses the evaluated prefix between questions.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Literal

from llama_index.core.llms import ChatMessage, MessageRole
from pydantic import ConfigDict, Field, ValidationError

from rag.answering.llm import BackendUnavailable, ChatLLM
from rag.answering.prompts import render
from rag.collection.catalog import Catalog, catalog_of
from rag.collection.names import AuthorMatcher
from rag.collection.query import CollectionQuery
from rag.models import Paper, Record

__all__ = ["FALLBACK_NOTICE", "LLMCollectionQuery", "ParsedQuery", "parse_with_llm", "query_messages"]

PROMPT = "collection_query"  # prompts/collection_query.md
FALLBACK_NOTICE = "The model's query for this question was not used; the rule parser's was"
MAX_TOKENS = 160  # a query of every field is about 120 tokens; a longer reply is a runaway string


def _without_unused(schema: dict[str, Any]) -> None:
    schema.get("properties", {}).pop("unused", None)


class LLMCollectionQuery(CollectionQuery):
    """CollectionQuery as the model is asked for it: the same fields and checks, without ``unused``."""

    model_config = ConfigDict(json_schema_extra=_without_unused, title="CollectionQuery")


class ParsedQuery(Record):
    """The query a metadata question runs, and which parser wrote it."""

    query: CollectionQuery
    parser: Literal["llm", "rules"]
    notice: str | None = Field(None, description="One line when the model's query was not used.")
    seconds: float = Field(0.0, description="Time spent asking the model.")


def _fields() -> str:
    """One line per field of the schema the model writes: name, type and description."""
    schema = LLMCollectionQuery.model_json_schema()
    lines = []
    for name, spec in schema["properties"].items():
        kinds = [s for s in spec.get("anyOf", [spec]) if s.get("type") != "null"]
        kind = kinds[0] if kinds else spec
        shown = " | ".join(f'"{v}"' for v in kind["enum"]) if "enum" in kind else kind.get("type", "")
        if kind.get("format") == "date":
            shown = "date YYYY-MM-DD"
        elif kind.get("type") == "array":
            shown = f"list of {kind['items'].get('type', 'value')}"
        lines.append(f"- {name} ({shown}): {spec.get('description', '')}")
    return "\n".join(lines)


def query_messages(question: str, catalog: Catalog) -> list[ChatMessage]:
    """The system message (schema, rules, examples, the collection's groups and newest date), then the
    question as the user message."""
    groups = ", ".join(sorted(catalog.categories)) or "(none listed)"
    newest = catalog.newest.isoformat() if catalog.newest else "unknown"
    system = render(PROMPT, fields=_fields(), categories=groups, newest=newest)
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=system),
        ChatMessage(role=MessageRole.USER, content=" ".join(question.split())),
    ]


def _resolved(query: CollectionQuery, catalog: Catalog) -> CollectionQuery:
    """The model's author and group as the collection spells them (as the rule parser resolves them)."""
    update: dict[str, Any] = {}
    if query.author and catalog.authors:
        found = catalog.author_matches(query.author)
        if found and not AuthorMatcher(query.author).any(found):
            update["author"] = found[0]
    if query.category:
        update["category"] = catalog.group_code(query.category) or query.category.strip()
    if query.topic is not None and not query.topic.strip():
        update["topic"] = None
    return query.model_copy(update=update) if update else query


def parse_with_llm(
    question: str,
    rules: CollectionQuery,
    llm: ChatLLM,
    papers: Iterable[Paper],
    max_tokens: int = MAX_TOKENS,
) -> ParsedQuery:
    """The model's CollectionQuery for a question the rules read as `rules`; the rules' on any failure
    (a reply cut off at `max_tokens` is one)."""
    catalog = catalog_of(papers)
    started = time.perf_counter()
    try:
        reply = llm.structured_chat(query_messages(question, catalog), LLMCollectionQuery, max_tokens)
        query = CollectionQuery.model_validate(reply.model_dump(exclude_unset=True))
        if not query.is_structural():  # the rules found metadata in it; a bare topic would list all papers
            raise ValueError(f"{llm.model} wrote a query without any metadata")
    except (BackendUnavailable, ValidationError, ValueError) as exc:  # InvalidReply: a BackendUnavailable
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        notice = f"{FALLBACK_NOTICE} ({first})."
        return ParsedQuery(query=rules, parser="rules", notice=notice, seconds=time.perf_counter() - started)
    seconds = time.perf_counter() - started
    return ParsedQuery(query=_resolved(query, catalog), parser="llm", seconds=seconds)
