"""A model writing the CollectionQuery (rag/collection/llm_parse.py), with real parts: the Gemma 3 270M GGUF
through llama.cpp, the bundled corpus' index and the real pipeline; a closed port for an absent Ollama.

Gemma 270M is a base model: which query it writes is not checked against the question, only that a valid
one is what runs, exactly, and that anything else gives the rules' query with one line of notice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.metadata_gold import load_corpus
from rag.answering.constrained import greedy_under_grammar
from rag.answering.llm import InvalidReply, LlamaCppLLM, OllamaLLM, parse_structured
from rag.answering.pipeline import Assistant
from rag.collection import CollectionQuery, parse_collection_query, run_query
from rag.collection.catalog import catalog_of
from rag.collection.llm_parse import FALLBACK_NOTICE, LLMCollectionQuery, parse_with_llm, query_messages
from rag.indexing.index import PaperIndex
from rag.models import Paper
from rag.settings import LlamaCppSettings, OllamaSettings, Settings
from tests.conftest import free_port

# the rules read it as a count of papers with code; Gemma (greedy) writes another, valid query
QUESTION = "How many papers have code?"


@pytest.fixture(scope="module")
def gemma(gguf_path: Path) -> LlamaCppLLM:
    return LlamaCppLLM(LlamaCppSettings(model=gguf_path, n_ctx=2048, threads=2))


@pytest.fixture(scope="module")
def papers() -> list[Paper]:
    """The bundled corpus as parsed (the index's papers, without embedding them)."""
    return load_corpus()


def _rules(question: str, papers: list[Paper]) -> CollectionQuery:
    query = parse_collection_query(question, papers=papers)
    assert query is not None
    return query


def test_a_valid_model_query_is_the_one_run_exactly(gemma: LlamaCppLLM, corpus_index: PaperIndex) -> None:
    papers = list(corpus_index.papers.values())
    rules = _rules(QUESTION, papers)
    parsed = parse_with_llm(QUESTION, rules, gemma, papers)
    assert parsed.parser == "llm" and parsed.notice is None
    assert parsed.query != rules  # else this would not show whose query ran
    CollectionQuery.model_validate(parsed.query.model_dump())  # the same model validates it
    answer = _model_parsing_assistant(corpus_index, gemma).ask(QUESTION, backend="llamacpp")
    expected = run_query(parsed.query, papers).paper_ids
    assert expected and {c.paper_id for c in answer.citations} == set(expected)
    assert FALLBACK_NOTICE not in (answer.notice or "")


def test_by_default_the_rules_query_runs_on_a_model_backend(
    gemma: LlamaCppLLM, corpus_index: PaperIndex
) -> None:
    papers = list(corpus_index.papers.values())
    answer = Assistant(corpus_index.settings, index=corpus_index, llm=gemma).ask(QUESTION, backend="llamacpp")
    expected = run_query(_rules(QUESTION, papers), papers).paper_ids
    assert expected and {c.paper_id for c in answer.citations} == set(expected)


def _model_parsing_assistant(index: PaperIndex, llm: LlamaCppLLM) -> Assistant:
    settings = index.settings
    answer = settings.answer.model_copy(update={"collection_parser_llamacpp": "llm"})
    return Assistant(settings.model_copy(update={"answer": answer}), index=index, llm=llm)


def test_a_cut_off_reply_falls_back_to_the_rules_in_one_line(gemma: LlamaCppLLM, papers: list[Paper]) -> None:
    rules = _rules(QUESTION, papers)
    parsed = parse_with_llm(QUESTION, rules, gemma, papers, max_tokens=3)
    assert parsed.parser == "rules" and parsed.query == rules
    assert parsed.notice and parsed.notice.startswith(FALLBACK_NOTICE) and "cut off" in parsed.notice
    assert "\n" not in parsed.notice


def test_an_absent_model_falls_back_to_the_rules(papers: list[Paper]) -> None:
    ollama = OllamaLLM(OllamaSettings(host=f"http://127.0.0.1:{free_port()}", timeout_s=2.0))
    rules = _rules(QUESTION, papers)
    parsed = parse_with_llm(QUESTION, rules, ollama, papers)
    assert parsed.parser == "rules" and parsed.query == rules
    assert parsed.notice and "not reachable" in parsed.notice and "\n" not in parsed.notice


def test_the_schema_checks_apply_to_the_models_reply() -> None:
    """Off-schema or inconsistent JSON is an InvalidReply (then the rules answer); `unused` is not asked."""
    assert "unused" not in LLMCollectionQuery.model_json_schema()["properties"]
    for text in (
        '{"date_from": "2025-01-01", "date_to": "2024-01-01"}',  # an empty range
        '{"aggregate": "max"}',  # a max of nothing
        '{"sort": "citations"}',  # no such key
        '{"date_from": "2025-01-01"',  # cut off
    ):
        with pytest.raises(InvalidReply):
            parse_structured(LLMCollectionQuery, text, "the model")
    reply = parse_structured(LLMCollectionQuery, '{"min_authors": 1, "max_authors": 1}', "the model")
    query = CollectionQuery.model_validate(reply.model_dump(exclude_unset=True))
    assert query.min_authors == query.max_authors == 1 and query.is_structural()


def test_the_prompt_names_every_field_and_the_collection(papers: list[Paper]) -> None:
    system, user = query_messages("Which  papers are from 2024?", catalog_of(papers))
    for field in LLMCollectionQuery.model_json_schema()["properties"]:
        assert f"- {field} (" in (system.content or "")
    assert "CV" in (system.content or "") and user.content == "Which papers are from 2024?"


def test_a_shared_prompt_prefix_is_reused_with_the_same_result(gemma: LlamaCppLLM) -> None:
    """Two requests that share a prefix: the second, reusing the cached prefix, decodes what a fresh
    context decodes."""
    import llama_cpp

    llm = gemma._llama()
    schema = {"type": "object", "properties": {"long": {"enum": ["yes", "no"]}}, "required": ["long"]}
    grammar = llama_cpp.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    prefix = list(llm.tokenize(b"Is the list long? Reply in JSON.\n", add_bos=True))
    first, second = (list(llm.tokenize(t, add_bos=False)) for t in (b"List: one\n", b"List: one two three\n"))
    greedy_under_grammar(llm, prefix + first, grammar, 16)
    reused = greedy_under_grammar(llm, prefix + second, grammar, 16)
    llm.reset()
    fresh = greedy_under_grammar(llm, prefix + second, grammar, 16)
    assert reused == fresh, (reused, fresh)
    assert not reused[1] and json.loads(reused[0])["long"] in ("yes", "no")


def test_the_rules_parse_by_default_on_every_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = Settings().answer
    assert answer.collection_parser_llamacpp == "rules" and answer.collection_parser_ollama == "rules"
    monkeypatch.setenv("RAG_ANSWER_COLLECTION_PARSER_LLAMACPP", "llm")
    assert Settings().answer.collection_parser_llamacpp == "llm"
