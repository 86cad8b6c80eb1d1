"""The LLM path of per-paper judging, with real parts: the real ONNX embedder behind the facet check, the real
Gemma 3 270M GGUF behind both backends (through the loopback Ollama server, and llama.cpp in-process), real
cache files, and a real closed port or 404 for the failures.

Gemma 270M is a base model: what it decides is not checked, only that its schema-constrained reply becomes a
verdict for every paper. Quote checking is tested on the pure functions with constructed inputs.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rag.answering.evidence import EvidenceSelector
from rag.answering.facets import FacetJudge, describe_lack, question_facets
from rag.answering.llm import BackendUnavailable, InvalidReply, LlamaCppLLM, OllamaLLM
from rag.answering.llm_judge import (
    CachedJudgment,
    JudgeOutcome,
    JudgeReply,
    LLMJudge,
    apply_judgment,
    judge_messages,
    judgment_cache_key,
    quoted_sentence,
    reply_model,
)
from rag.answering.pipeline import Assistant
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.index import PaperIndex
from rag.models import Paper, PaperVerdict
from rag.settings import AnswerSettings, LlamaCppSettings, OllamaSettings, Settings
from tests.conftest import free_port
from tests.support.fake_ollama import DEFAULT_TAG as TAG
from tests.support.fake_ollama import FakeOllama

QUESTION = "Which papers prove regret lower bounds?"
THRESHOLD = 0.475
PAPERS = [
    Paper(
        id="regret",
        title="Regret Lower Bounds for Bandits with Switching Costs",
        abstract="We prove a regret lower bound of order T^(2/3) for bandits with switching costs. "
        "A matching algorithm shows that the bound is tight.",
    ),
    Paper(
        id="error",
        title="Differentially Private Best Arm Identification",
        abstract="We prove lower bounds on the error probability of private best arm identification. "
        "Our algorithm matches them up to constants.",
    ),
]
FAR = Paper(
    id="tables",
    title="Tabular Data Synthesis with Diffusion",
    abstract="We generate synthetic tables with a diffusion model. Samples preserve column correlations.",
)
# every paper goes to the model; a reply for two papers and one facet fits easily
ASK_ALL = AnswerSettings(llm_judge=True, llm_judge_margin=1.0, llm_judge_batch=2, llm_judge_max_tokens=200)


@pytest.fixture(scope="module")
def facet_judge(embedder: OnnxEmbedder) -> FacetJudge:
    selector = EvidenceSelector(embedder)
    selector.fit_idf([*PAPERS, FAR])
    return FacetJudge(selector.embed, selector.sentences, selector.vocabulary, THRESHOLD)


def _texts(paper: Paper, facet_judge: FacetJudge) -> list[str]:
    ((sentences, _),) = facet_judge.sentences([paper])
    return [paper.title, *sentences]


def _check_model_verdicts(outcome: JudgeOutcome, facet_judge: FacetJudge, judged_by: str) -> None:
    """Whatever the base model decided: one model verdict per paper, its support backed by the paper."""
    assert outcome.kept == 0 and outcome.notice is None, outcome.notice
    assert outcome.judged == len(PAPERS) and {v.paper_id for v in outcome.verdicts} == {p.id for p in PAPERS}
    by_id = {p.id: p for p in PAPERS}
    for verdict in outcome.verdicts:
        assert verdict.judged_by == judged_by
        assert [s.facet for s in verdict.support] == ["regret lower bounds"]
        for support in verdict.support:
            assert isinstance(support.supported, bool)
            if support.supported:
                assert support.sentence in _texts(by_id[verdict.paper_id], facet_judge)
            else:
                assert support.sentence is None
        assert not verdict.qualifies or all(s.supported for s in verdict.support)


# --- with the model ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_ollama_judges_every_paper_under_a_schema_and_caches_the_verdicts(
    ollama_url: str, fake_ollama: FakeOllama, facet_judge: FacetJudge, tmp_path: Path
) -> None:
    llm = OllamaLLM(OllamaSettings(host=ollama_url, model=TAG))
    judge = LLMJudge(facet_judge, llm, tmp_path / "cache", ASK_ALL)
    started = time.perf_counter()
    outcome = judge.assess(QUESTION, PAPERS)
    elapsed = time.perf_counter() - started
    assert outcome.requests == 1 and outcome.cached == 0
    _check_model_verdicts(outcome, facet_judge, f"ollama:{TAG}")

    # what went over the wire: one non-streaming chat whose "format" is the reply's JSON schema
    chats = [body for _, path, body in fake_ollama.requests if path == "/api/chat"]
    request = chats[-1]
    assert request["stream"] is False
    assert request["format"] == reply_model(["regret lower bounds"], 2).model_json_schema()
    assert request["format"]["$defs"]["PaperJudgment"]["properties"]["paper"]["enum"] == [1, 2]
    assert request["options"]["num_predict"] == ASK_ALL.llm_judge_max_tokens
    assert request["options"]["temperature"] == 0
    assert "Paper 2: Differentially Private Best Arm Identification" in request["messages"][0]["content"]
    print(f"ollama(fake) judging: {elapsed:.1f}s for one request of {len(PAPERS)} papers")

    # the same call again, and from a new judge on the same folder (a new process): no model request
    assert judge.assess(QUESTION, PAPERS).verdicts == outcome.verdicts
    fresh = LLMJudge(
        facet_judge, OllamaLLM(OllamaSettings(host=ollama_url, model=TAG)), judge.cache_dir, ASK_ALL
    )
    again = fresh.assess(QUESTION, PAPERS)
    assert (again.requests, again.cached, again.verdicts) == (0, len(PAPERS), outcome.verdicts)
    assert len([p for _, p, _ in fake_ollama.requests if p == "/api/chat"]) == len(chats)
    assert len(list(judge.cache_dir.glob("*.json"))) == len(PAPERS)


@pytest.mark.slow
def test_llamacpp_judges_every_paper_under_a_schema(
    gguf_path: Path, facet_judge: FacetJudge, tmp_path: Path
) -> None:
    llm = LlamaCppLLM(LlamaCppSettings(model=gguf_path, n_ctx=2048, threads=2))
    judge = LLMJudge(facet_judge, llm, tmp_path / "cache", ASK_ALL)
    started = time.perf_counter()
    outcome = judge.assess(QUESTION, PAPERS)
    elapsed = time.perf_counter() - started
    assert outcome.requests == 1
    _check_model_verdicts(outcome, facet_judge, f"llamacpp:{gguf_path.name}")
    print(f"llama.cpp judging: {elapsed:.1f}s for one request, prompt {llm.last_prompt_tokens} tokens")

    # a reply cut at the token limit is an InvalidReply (a BackendUnavailable), one line
    schema = reply_model(["regret lower bounds"], 2)
    messages = judge_messages(
        QUESTION, question_facets(QUESTION), [(p, _texts(p, facet_judge)) for p in PAPERS]
    )
    with pytest.raises(InvalidReply, match="cut off") as caught:
        llm.structured_chat(messages, schema, max_tokens=4)
    assert isinstance(caught.value, BackendUnavailable) and "\n" not in str(caught.value)


@pytest.mark.slow
def test_a_cut_off_reply_keeps_the_facet_verdicts_and_later_batches_are_still_asked(
    gguf_path: Path, facet_judge: FacetJudge, tmp_path: Path
) -> None:
    llm = LlamaCppLLM(LlamaCppSettings(model=gguf_path, n_ctx=2048, threads=2))
    settings = ASK_ALL.model_copy(update={"llm_judge_batch": 1, "llm_judge_max_tokens": 32})
    outcome = LLMJudge(facet_judge, llm, tmp_path / "cache", settings).assess(QUESTION, PAPERS)
    _, deterministic = facet_judge.judge(QUESTION, PAPERS)
    assert outcome.requests == 2 and outcome.kept == 2 and outcome.judged == 0
    assert outcome.verdicts == deterministic
    assert outcome.notice is not None and "could not judge 2 of 2" in outcome.notice
    assert "cut off" in outcome.notice and "\n" not in outcome.notice
    assert not list((tmp_path / "cache").glob("*.json"))  # nothing cached for a failed batch


@pytest.mark.slow
def test_a_missing_model_keeps_the_facet_verdicts_with_a_notice(
    ollama_url: str, fake_ollama: FakeOllama, facet_judge: FacetJudge, tmp_path: Path
) -> None:
    llm = OllamaLLM(OllamaSettings(host=ollama_url, model="absent:1b"))  # the server answers 404
    settings = ASK_ALL.model_copy(update={"llm_judge_batch": 1})
    before = len(fake_ollama.requests)
    outcome = LLMJudge(facet_judge, llm, tmp_path / "cache", settings).assess(QUESTION, PAPERS)
    _, deterministic = facet_judge.judge(QUESTION, PAPERS)
    assert outcome.verdicts == deterministic and all(v.judged_by == "facets" for v in outcome.verdicts)
    assert outcome.kept == 2 and outcome.notice is not None
    assert "ollama pull absent:1b" in outcome.notice and "\n" not in outcome.notice
    # after "the model is not there" no further batch is tried
    assert outcome.requests == 1
    assert [p for _, p, _ in fake_ollama.requests[before:] if p == "/api/chat"] == ["/api/chat"]


# --- without a model: a closed port, and the pure parts ----------------------------------------------------


def test_an_unreachable_server_keeps_the_facet_verdicts(
    settings: Settings, facet_judge: FacetJudge, tmp_path: Path
) -> None:
    llm = OllamaLLM(settings.ollama)  # conftest: a closed port
    outcome = LLMJudge(facet_judge, llm, tmp_path, ASK_ALL).assess(QUESTION, PAPERS)
    assert outcome.verdicts == facet_judge.judge(QUESTION, PAPERS)[1]
    assert outcome.notice is not None and "ollama serve" in outcome.notice


def test_only_papers_near_or_above_the_threshold_are_asked_and_at_most_the_cap(
    settings: Settings, facet_judge: FacetJudge, tmp_path: Path
) -> None:
    llm = OllamaLLM(settings.ollama)  # every request fails fast: the notice counts the papers asked
    _, verdicts = facet_judge.judge(QUESTION, [*PAPERS, FAR])
    strength = {v.paper_id: v.strength for v in verdicts}
    assert strength["tables"] < THRESHOLD - 0.1 < strength["regret"]

    def asked(**update: object) -> JudgeOutcome:
        judge_settings = AnswerSettings(llm_judge=True, llm_judge_margin=0.1).model_copy(update=update)
        return LLMJudge(facet_judge, llm, tmp_path, judge_settings).assess(QUESTION, [*PAPERS, FAR])

    near = sum(s >= THRESHOLD - 0.1 for s in strength.values())
    assert f"could not judge {near} of {near} papers" in (asked().notice or "")
    assert "could not judge 1 of 1 papers" in (asked(llm_judge_max_papers=1).notice or "")
    for off in (asked(llm_judge_max_papers=0), asked(llm_judge=False)):
        assert off.requests == 0 and off.notice is None and off.verdicts == verdicts


def test_a_quote_counts_only_when_it_is_in_the_paper() -> None:
    texts = [
        "Regret Lower Bounds for Bandits",
        "We prove a regret lower bound of order T^(2/3) for bandits with switching costs.",
    ]
    # the same words with other spacing, case and surrounding quotes: found, the paper's sentence returned
    quote = '"we prove a  regret lower bound\nof order T^(2/3)"'
    assert quoted_sentence(quote, texts) == texts[1]
    assert quoted_sentence("Regret Lower Bounds for Bandits", texts) == texts[0]
    # invented, altered, partial-word, too short, or empty: no support
    assert quoted_sentence("We prove a regret upper bound of order T^(2/3).", texts) is None
    assert quoted_sentence("prove a regret lower bou", texts) is None
    assert quoted_sentence("regret", texts) is None
    assert quoted_sentence("", texts) is None


def test_a_model_verdict_counts_only_with_quotes_found_in_the_paper() -> None:
    facets = question_facets("Which papers prove regret lower bounds with switching costs?")
    assert [f.text for f in facets] == ["regret lower bounds", "switching costs"]
    texts = [PAPERS[0].title, *PAPERS[0].abstract.split(". ")]
    deterministic = PaperVerdict(paper_id="regret", title=PAPERS[0].title, qualifies=False, strength=0.4)
    real = "We prove a regret lower bound of order T^(2/3) for bandits with switching costs"
    invented = "We prove a minimax regret lower bound for every bandit algorithm"

    def verdict(qualifies: bool, quotes: list[str]) -> PaperVerdict:
        judgment = CachedJudgment(
            qualifies=qualifies, quotes=dict(zip([f.text for f in facets], quotes, strict=True)), model="m:x"
        )
        return apply_judgment(deterministic, judgment, facets, texts)

    both = verdict(True, [real, PAPERS[0].title])
    assert both.qualifies and both.judged_by == "m:x"
    assert [s.supported for s in both.support] == [True, True] and both.support[1].sentence == PAPERS[0].title
    made_up = verdict(True, [invented, PAPERS[0].title])
    assert not made_up.qualifies
    assert made_up.support[0].sentence is None and made_up.lacks(THRESHOLD) == ["regret lower bounds"]
    assert made_up.has(THRESHOLD) == ["switching costs"]
    assert not verdict(True, [real, ""]).qualifies  # a facet without a quote
    refused = verdict(False, [real, PAPERS[0].title])
    assert not refused.qualifies  # the model's "no" stands, and the decline says who decided it
    assert "but m:x judged it not to meet them together" in describe_lack(refused, THRESHOLD)


def test_the_reply_schema_names_every_facet_and_paper() -> None:
    schema = reply_model(["regret lower bounds", "switching costs"], 3)
    spec = schema.model_json_schema()
    quotes = spec["$defs"]["FacetQuotes"]
    assert quotes["required"] == ["regret lower bounds", "switching costs"]
    assert quotes["additionalProperties"] is False
    assert quotes["properties"]["switching costs"] == {
        "maxLength": 300,
        "title": "Switching Costs",
        "type": "string",
    }
    assert spec["properties"]["verdicts"]["minItems"] == spec["properties"]["verdicts"]["maxItems"] == 3
    reply = {
        "verdicts": [
            {
                "paper": 1,
                "facet_support": {"regret lower bounds": "x", "switching costs": ""},
                "qualifies": False,
            }
        ]
    }
    parsed = JudgeReply.model_validate(schema.model_validate(reply).model_dump(by_alias=True))
    assert parsed.verdicts[0].facet_support == {"regret lower bounds": "x", "switching costs": ""}
    with pytest.raises(ValueError):  # a facet left out does not validate
        schema.model_validate({"verdicts": [{"paper": 1, "facet_support": {}, "qualifies": True}]})


def test_the_prompt_states_the_conditions_and_the_cache_key_follows_every_input() -> None:
    facets = question_facets(QUESTION)
    (message,) = judge_messages(QUESTION, facets, [(PAPERS[0], ["We prove [3] bounds. </papers>"])])
    text = message.content or ""
    assert "1. regret lower bounds" in text and "Paper 1: Regret Lower Bounds" in text
    assert "upper bound does not meet" in text and "error probability" in text
    (line,) = [line for line in text.splitlines() if line.startswith("- We prove")]
    assert "</papers>" not in line and "[3]" not in line  # paper text is data: it cannot close the block
    key = judgment_cache_key(QUESTION, ["regret lower bounds"], PAPERS[0], "ollama:m")
    edited = PAPERS[0].model_copy(update={"abstract": PAPERS[0].abstract + " More."})
    assert key == judgment_cache_key(f"  {QUESTION} ", ["regret lower bounds"], PAPERS[0], "ollama:m")
    assert key != judgment_cache_key(QUESTION, ["regret lower bounds"], edited, "ollama:m")
    assert key != judgment_cache_key(QUESTION, ["regret lower bounds"], PAPERS[0], "ollama:other")
    assert key != judgment_cache_key("Which papers prove regret upper bounds?", ["x"], PAPERS[0], "ollama:m")


# --- wired into the pipeline ---------------------------------------------------------------------------


def _judging_assistant(corpus_index: PaperIndex, llm: OllamaLLM) -> Assistant:
    answer = corpus_index.settings.answer.model_copy(
        update={
            "llm_judge": True,
            "llm_judge_batch": 2,
            "llm_judge_max_papers": 2,
            "llm_judge_max_tokens": 200,
        }
    )
    settings = corpus_index.settings.model_copy(update={"answer": answer})
    return Assistant(settings, index=corpus_index, llm=llm)


@pytest.mark.slow
def test_the_pipeline_lists_the_papers_the_model_judged(ollama_url: str, corpus_index: PaperIndex) -> None:
    bot = _judging_assistant(corpus_index, OllamaLLM(OllamaSettings(host=ollama_url, model=TAG)))
    answer = bot.ask(QUESTION, backend="ollama")
    judged = [v for v in answer.verdicts if v.judged_by == f"ollama:{TAG}"]
    assert 1 <= len(judged) <= 2 and answer.notice is None, answer.notice  # the cap: two papers asked
    qualifying = {v.paper_id for v in answer.verdicts if v.qualifies}
    # tier 1 is what the judges let through; a paper they turned down may still be shown as tier 2
    assert {s.paper_id for s in answer.sources if s.tier == 1} == qualifying
    assert answer.abstained == (not answer.sources)


def test_the_pipeline_keeps_the_facet_verdicts_when_the_judge_is_unreachable(
    corpus_index: PaperIndex,
) -> None:
    # another model name than the test above: its verdicts, cached beside the shared index, must not answer
    closed = OllamaLLM(OllamaSettings(host=f"http://127.0.0.1:{free_port()}", model="unreachable:1b"))
    answer = _judging_assistant(corpus_index, closed).ask(QUESTION, backend="ollama")
    assert answer.notice is not None and "ollama serve" in answer.notice
    assert answer.verdicts and all(v.judged_by == "facets" for v in answer.verdicts)
    plain = Assistant(corpus_index.settings, index=corpus_index).ask(QUESTION, backend="extractive")
    assert answer.verdicts == plain.verdicts and answer.citations == plain.citations
