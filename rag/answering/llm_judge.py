"""The LLM path of per-paper judging: a model reads each candidate paper and says whether it meets the whole
question, quoting the sentence that meets each facet.

    judge = LLMJudge(facet_judge, llm, cache_dir=default_cache_dir(settings), settings=settings.answer)
    outcome = judge.assess(question, papers)   # outcome.facets, outcome.verdicts as FacetJudge.judge gives
    outcome.notice                             # a line to show when the model failed some papers

`facet_judge` is the deterministic FacetJudge the pipeline already has, `llm` any ChatLLM (it needs
`structured_chat`), `cache_dir` a folder for cached verdicts (`default_cache_dir`: beside the index) and
`settings` the AnswerSettings (`llm_judge*` fields). `assess` keeps no state: threads may share one judge.

Why this shape:
* The facet check runs first, on every paper. Its facets are the conditions the model is asked about, and a
  paper more than `llm_judge_margin` below `facet_threshold` stays rejected without a request: the model is
  slow, and such papers share too little with the question to be rescued. At most `llm_judge_max_papers`
  (the strongest) go to the model, `llm_judge_batch` per request.
* The reply is JSON under a schema built per request (`reply_model`): the facets as required keys and the
  paper numbers as an enum, so even a small model cannot skip a facet or invent a paper. The quote comes
  before the decision in each verdict, so the decision follows the evidence.
* A model verdict counts only with evidence: a facet is supported when the quoted sentence is really in the
  paper (`quoted_sentence`), and the paper qualifies when the model says so and every facet is supported.
  The verdict keeps the facet check's scores and strength (the order stays the facet check's) and records
  `judged_by` and per-facet `supported`, which `PaperVerdict.has/lacks` follow.
* The model's answers are cached per paper under `cache_dir/<sha256>.json`, keyed by the question, its
  facets, the paper's id and text, the model and the prompt file's text (`judgment_cache_key`), and written
  atomically; quotes are checked again on every read. An identical second call makes no request.
* Any BackendUnavailable or InvalidReply for a batch keeps the facet check's verdicts for its papers and
  says so in `notice`; after BackendUnavailable (the model is not there) no further batch is tried.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llama_index.core.llms import ChatMessage, MessageRole
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from rag.answering.facets import Facet, FacetJudge
from rag.answering.llm import BackendUnavailable, ChatLLM, InvalidReply
from rag.answering.prompts import load_prompt, render, sanitize
from rag.io import atomic_write_text
from rag.models import FacetSupport, Paper, PaperVerdict, Record
from rag.settings import AnswerSettings, Settings

__all__ = [
    "CachedJudgment",
    "JudgeOutcome",
    "JudgeReply",
    "LLMJudge",
    "PaperJudgment",
    "apply_judgment",
    "default_cache_dir",
    "judge_messages",
    "judgment_cache_key",
    "quoted_sentence",
    "reply_model",
]

PROMPT = "llm_judge"  # prompts/llm_judge.md
CACHE_VERSION = 1  # part of the cache key: bump when the reply schema or what is stored changes
CACHE_DIR_NAME = "llm-judge-cache"
MIN_QUOTE_WORDS = 3  # a shorter quote shows nothing unless it is a whole title or sentence
QUOTE_CHARS = (
    300  # in the schema only: a runaway quote ends there, and a longer sentence's start still counts
)


def default_cache_dir(settings: Settings) -> Path:
    """Beside the index: verdicts are about its papers, and go when it goes."""
    return settings.index_dir / CACHE_DIR_NAME


# --- the reply ---------------------------------------------------------------------------------------------


class PaperJudgment(Record):
    """The model's verdict on one paper of a request, as the code reads it."""

    paper: int = Field(description="The paper's number in the request, from 1.")
    facet_support: dict[str, str] = Field(description="Condition -> sentence quoted from the paper, or ''.")
    qualifies: bool


class JudgeReply(Record):
    verdicts: list[PaperJudgment]


def reply_model(facets: Sequence[str], count: int) -> type[BaseModel]:
    """The schema one request is answered under: every facet a required key, papers 1..count.

    The limits (paper enum, item counts, quote length) are in the JSON schema only, for the grammar:
    validation checks the shape, and `LLMJudge` copes with a server that ignored them (a duplicate or missing
    paper, a long quote)."""
    forbid = ConfigDict(extra="forbid")
    quote: dict[str, Any] = {"maxLength": QUOTE_CHARS}
    fields: dict[str, Any] = {
        f"f{i}": (str, Field(alias=text, json_schema_extra=quote)) for i, text in enumerate(facets)
    }
    quotes = create_model("FacetQuotes", __config__=forbid, **fields)
    verdict = create_model(
        "PaperJudgment",
        __config__=forbid,
        paper=(int, Field(json_schema_extra={"enum": list(range(1, count + 1))})),
        facet_support=(quotes, ...),
        qualifies=(bool, ...),
    )
    reply: type[BaseModel] = create_model(
        "JudgeReply",
        __config__=forbid,
        verdicts=(list[verdict], Field(json_schema_extra={"minItems": count, "maxItems": count})),
    )
    return reply


# --- checking a verdict against the paper ------------------------------------------------------------------

_EDGES = " \"'“”‘’«».,;:"


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold().strip(_EDGES)


def quoted_sentence(quote: str, texts: Sequence[str]) -> str | None:
    """The title or sentence of `texts` that contains `quote` (whitespace and case normalized, whole words),
    or None: the quote is empty, too short to show anything, or not in the paper.

    The paper's text is also compared as the model saw it (`sanitize`d), so a quote of a sentence whose
    citation markers were neutralized still counts."""
    needle = _normal(quote)
    if not needle:
        return None
    pattern = re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)")
    for text in texts:
        for hay in dict.fromkeys((_normal(text), _normal(sanitize(text)))):
            if pattern.search(hay) and (len(needle.split()) >= MIN_QUOTE_WORDS or needle == hay):
                return text
    return None


class CachedJudgment(Record):
    """Stored per paper: the model's own answer (its quotes are checked against the paper on each read)."""

    qualifies: bool
    quotes: dict[str, str] = Field(description="Facet text -> the quote as the model gave it.")
    model: str


def apply_judgment(
    verdict: PaperVerdict, judgment: CachedJudgment, facets: Sequence[Facet], texts: Sequence[str]
) -> PaperVerdict:
    """The facet check's verdict with the model's decision on the asked `facets` (the salient ones): each is
    supported only by a quote found in `texts` (title and sentences), and the paper qualifies when the model
    says so and every asked facet is. The other facets keep the facet check's support."""
    asked = {f.text for f in facets}
    known = {s.facet for s in verdict.support}
    missing = [FacetSupport(facet=f.text, score=0.0) for f in facets if f.text not in known]
    entries = [*verdict.support, *missing]
    support = []
    for kept in entries:
        if kept.facet not in asked:
            support.append(kept)
            continue
        sentence = quoted_sentence(judgment.quotes.get(kept.facet, ""), texts)
        support.append(kept.model_copy(update={"sentence": sentence, "supported": sentence is not None}))
    qualifies = judgment.qualifies and all(s.supported for s in support if s.facet in asked)
    return verdict.model_copy(
        update={"qualifies": qualifies, "support": support, "judged_by": judgment.model}
    )


# --- the request -------------------------------------------------------------------------------------------


def judge_messages(
    question: str, facets: Sequence[Facet], papers: Sequence[tuple[Paper, Sequence[str]]]
) -> list[ChatMessage]:
    """prompts/llm_judge.md filled with the question, its numbered conditions and the numbered papers (title
    and abstract sentences, as data)."""
    blocks = []
    for n, (paper, sentences) in enumerate(papers, start=1):
        lines = [f"Paper {n}: {sanitize(paper.title)}", *(f"- {sanitize(s)}" for s in sentences)]
        blocks.append("\n".join(lines))
    body = render(
        PROMPT,
        question=" ".join(question.split()),
        facets="\n".join(f"{i}. {f.text}" for i, f in enumerate(facets, start=1)),
        papers="\n\n".join(blocks),
        count=str(len(papers)),
    )
    return [ChatMessage(role=MessageRole.USER, content=body)]


def judgment_cache_key(question: str, facets: Sequence[str], paper: Paper, model: str) -> str:
    """sha256 (hex) of the question, its facets, the paper (id and a hash of its text), the model and the
    prompt: an edited abstract, another model or an edited prompt file never reuses a verdict."""
    text = hashlib.sha256(f"{paper.title}\n{paper.abstract}".encode()).hexdigest()
    payload = {
        "v": CACHE_VERSION,
        "prompt": hashlib.sha256(load_prompt(PROMPT).encode("utf-8")).hexdigest(),
        "question": " ".join(question.split()),
        "facets": list(facets),
        "paper": f"{paper.id}:{text}",
        "model": model,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class JudgeOutcome(Record):
    """One judging: FacetJudge's result with the model's verdicts in place, and what happened."""

    facets: list[Facet]
    verdicts: list[PaperVerdict] = Field(description="One per paper, in the facet check's order.")
    judged: int = Field(0, description="Verdicts the model decided (asked now or from the cache).")
    cached: int = Field(0, description="Of those, read from the cache.")
    requests: int = Field(0, description="Model requests made.")
    kept: int = Field(0, description="Papers the model failed to judge: the facet check's verdict stands.")
    model_seconds: float = Field(0.0, description="Time spent in model requests.")
    notice: str | None = Field(None, description="One line for the user when the model failed some papers.")


class LLMJudge:
    """The facet check, with the model deciding near and above the facet threshold (module docstring)."""

    def __init__(
        self, facet_judge: FacetJudge, llm: ChatLLM, cache_dir: Path, settings: AnswerSettings
    ) -> None:
        self.facet_judge, self.llm, self.cache_dir, self.settings = facet_judge, llm, cache_dir, settings
        self.model = f"{llm.backend}:{llm.model}"

    def assess(self, question: str, papers: Sequence[Paper]) -> JudgeOutcome:
        """The facet check, then the model on the papers worth asking; never raises for a model failure."""
        facets, verdicts = self.facet_judge.judge(question, papers)
        outcome = JudgeOutcome(facets=facets, verdicts=verdicts)
        # only the conditions that matter are asked about: short requests, short verdicts
        facets = [f for f in facets if f.salient and not f.negated]
        if not (self.settings.llm_judge and facets and verdicts):
            return outcome
        floor = self.facet_judge.threshold - self.settings.llm_judge_margin
        chosen = [v for v in verdicts if v.strength >= floor][: self.settings.llm_judge_max_papers]
        if not chosen:
            return outcome
        by_id = {p.id: p for p in papers}
        chosen_papers = [by_id[v.paper_id] for v in chosen]
        texts = {
            p.id: (sents, [p.title, *sents])
            for p, (sents, _) in zip(chosen_papers, self.facet_judge.sentences(chosen_papers), strict=True)
        }
        facet_texts = list(dict.fromkeys(f.text for f in facets))
        keys = {p.id: judgment_cache_key(question, facet_texts, p, self.model) for p in chosen_papers}
        judgments: dict[str, CachedJudgment] = {}
        for paper in chosen_papers:
            cached = self._read(keys[paper.id])
            if cached is not None:
                judgments[paper.id] = cached
        outcome.cached = len(judgments)
        todo = [p for p in chosen_papers if p.id not in judgments]
        reasons: list[str] = []
        size = self.settings.llm_judge_batch
        for start in range(0, len(todo), size):
            batch = todo[start : start + size]
            started = time.perf_counter()
            outcome.requests += 1
            try:
                replies = self._ask(question, facets, facet_texts, [(p, texts[p.id][0]) for p in batch])
            except InvalidReply as exc:
                reasons.append(str(exc))
                continue
            except BackendUnavailable as exc:  # the model is not there: later batches would fail the same way
                reasons.append(str(exc))
                break
            finally:
                outcome.model_seconds += time.perf_counter() - started
            for paper, judgment in zip(batch, replies, strict=True):
                if judgment is None:
                    continue
                judgments[paper.id] = judgment
                with contextlib.suppress(OSError):  # a cache that cannot be written costs only time
                    atomic_write_text(self.cache_dir / f"{keys[paper.id]}.json", judgment.model_dump_json())
            if any(j is None for j in replies):
                reasons.append(f"{self.llm.model} skipped some papers of a request")
        outcome.verdicts = [
            apply_judgment(v, judgments[v.paper_id], facets, texts[v.paper_id][1])
            if v.paper_id in judgments
            else v
            for v in verdicts
        ]
        outcome.judged = len(judgments)
        outcome.kept = len(chosen) - len(judgments)
        if outcome.kept:
            why = "; ".join(dict.fromkeys(reasons)) or "no reply"
            outcome.notice = (
                f"The model could not judge {outcome.kept} of {len(chosen)} papers, so the facet check "
                f"decided for them ({why})"
            )
        return outcome

    def _ask(
        self,
        question: str,
        facets: Sequence[Facet],
        facet_texts: list[str],
        batch: Sequence[tuple[Paper, Sequence[str]]],
    ) -> list[CachedJudgment | None]:
        """One request for a batch: the model's judgment of each paper, None for a paper the reply skipped."""
        schema = reply_model(facet_texts, len(batch))
        raw = self.llm.structured_chat(
            judge_messages(question, facets, batch), schema, max_tokens=self.settings.llm_judge_max_tokens
        )
        reply = JudgeReply.model_validate(raw.model_dump(by_alias=True))
        found: dict[int, PaperJudgment] = {}
        for item in reply.verdicts:
            found.setdefault(item.paper, item)  # a number given twice: the first verdict stands
        return [
            CachedJudgment(qualifies=j.qualifies, quotes=j.facet_support, model=self.model)
            if (j := found.get(n)) is not None
            else None
            for n in range(1, len(batch) + 1)
        ]

    def _read(self, key: str) -> CachedJudgment | None:
        path = self.cache_dir / f"{key}.json"
        try:
            return CachedJudgment.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError):
            return None  # absent or broken: asked again
