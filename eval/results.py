"""Typed eval records: one `QuestionResult` per question, aggregated into one `Summary`.

`summary.json` is `Summary` serialized by alias; these keys are stable (other tooling reads them; add keys,
never rename these)::

    n_questions, backend, model
    retrieval[MODE]      recall@5, recall@10, ndcg@10, mrr                 (each mode that was run)
    answer               citation_precision, citation_recall, citation_f1, invalid_citations,
                         key_fact_recall, abstention_accuracy, false_abstention_rate,
                         list_precision, list_recall (list questions), fallbacks
    by_type[TYPE]        the same answer metrics, per question type
    latency              retrieval / first_token / total: {p50, p95} in seconds
    judge                null unless --judge; the LLM judge's verdicts, never mixed into the metrics above

Every metric is a mean over the questions where it is defined (``None`` values -- retrieval metrics of
unanswerable questions, key-fact recall without key facts, citation precision of an answer that cites
nothing -- are left out); a metric defined for no question is ``null``. All are rates in [0, 1] except
``invalid_citations``, the **mean number of invalid [n] markers per answer**.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from eval.metrics import abstention_scores, mean_ignoring_none
from rag.models import Citation, Record

RANK_DEPTH = 20  # papers ranked per question and mode: Recall@10 is exact and MRR is MRR@20
RETRIEVAL_METRICS = ("recall@5", "recall@10", "ndcg@10", "mrr")
ANSWER_METRICS = (
    "citation_precision",
    "citation_recall",
    "citation_f1",
    "invalid_citations",
    "key_fact_recall",
    "abstention_accuracy",
    "false_abstention_rate",
)
LIST_TYPES = ("topic", "paraphrase")  # "which papers ...?" questions: the answer is a set of papers


class QuestionResult(Record):
    """Everything measured for one question; one line of ``results.jsonl``."""

    id: str
    type: str
    split: str = Field("all", description="'tuning' or 'test' (eval/split.py).")
    question: str
    answer: str = Field(description="The answer text.")
    backend: str
    model: str | None = None
    abstained: bool
    fell_back: bool = Field(False, description="A model's reply was replaced by the evidence answer.")
    notice: str | None = None
    gold_ids: list[str]
    gold_titles: list[str]
    acceptable_ids: list[str]
    key_facts: list[str]
    citations: list[Citation]
    cited_ids: list[str] = Field(description="Distinct cited paper ids, in order of first citation.")
    source_ids: list[str] = Field(description="Papers given to the answerer, in their [n] order.")
    retrieved: dict[str, list[str]] = Field(description="Ranked paper ids per retrieval mode.")
    retrieval: dict[str, dict[str, float | None]] = Field(
        description="Per mode: recall@5, recall@10, ndcg@10, mrr (None when the gold set is empty)."
    )
    retrieval_seconds: dict[str, float] = Field(description="Wall time of the search per mode.")
    citation_precision: float | None
    citation_recall: float | None
    citation_f1: float | None
    invalid_citations: int
    unsupported_citations: int = 0
    key_fact_recall: float | None
    missing_facts: list[str]
    unsourced_numbers: list[str] = Field(
        default_factory=list,
        description="Numbers in the answer found in none of the papers it was given (text or metadata).",
    )
    abstention_correct: bool = Field(
        description="Abstained on an unanswerable question, or answered another."
    )
    time_retrieval: float
    time_first_token: float | None
    time_total: float
    judge: dict[str, Any] | None = Field(None, description="LLM-judge verdict; never mixed into metrics.")


class _Metrics(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RetrievalMetrics(_Metrics):
    recall_at_5: float | None = Field(None, alias="recall@5")
    recall_at_10: float | None = Field(None, alias="recall@10")
    ndcg_at_10: float | None = Field(None, alias="ndcg@10")
    mrr: float | None = None
    n: int = Field(0, description="Questions with a gold set (the others have no retrieval metrics).")
    seconds_p50: float | None = None
    seconds_p95: float | None = None


class AnswerMetrics(_Metrics):
    citation_precision: float | None = None
    citation_recall: float | None = None
    citation_f1: float | None = None
    invalid_citations: float | None = Field(None, description="Mean count per answer, not a rate.")
    key_fact_recall: float | None = None
    abstention_accuracy: float | None = Field(None, description="Share of unanswerable questions declined.")
    false_abstention_rate: float | None = Field(None, description="Share of answerable questions declined.")
    list_precision: float | None = Field(None, description="Citation precision on list questions.")
    list_recall: float | None = Field(None, description="Citation recall on list questions.")
    fallbacks: float | None = Field(None, description="Share of answers where a model reply was replaced.")
    invalid_citations_total: int = 0
    unsupported_citations: float | None = None
    abstained: int = 0
    n_questions: int = 0
    n: dict[str, int] = Field(default_factory=dict, description="Questions where each metric is defined.")


class LatencyStat(_Metrics):
    p50: float | None = None
    p95: float | None = None


class Latency(_Metrics):
    retrieval: LatencyStat = Field(default_factory=LatencyStat)
    first_token: LatencyStat = Field(default_factory=LatencyStat)
    total: LatencyStat = Field(default_factory=LatencyStat)
    # lists and declines are composed without a model: over all answers, a model's latency is hidden
    written: int = Field(0, description="Answers a model wrote (or wrote and had replaced by evidence).")
    written_first_token: LatencyStat = Field(
        default_factory=LatencyStat, description="First token of the answers a model wrote."
    )
    written_total: LatencyStat = Field(
        default_factory=LatencyStat, description="Whole time of the answers a model wrote."
    )


class Summary(_Metrics):
    n_questions: int = 0
    backend: str | None = None
    model: str | None = None
    backend_requested: str | None = None
    qa_file: str | None = None
    split: str = "all"
    retrieval: dict[str, RetrievalMetrics] = Field(default_factory=dict)
    retrieval_by_type: dict[str, dict[str, RetrievalMetrics]] = Field(default_factory=dict)
    answer: AnswerMetrics = Field(default_factory=AnswerMetrics)
    by_type: dict[str, AnswerMetrics] = Field(default_factory=dict)
    latency: Latency = Field(default_factory=Latency)
    judge: dict[str, Any] | None = None
    rank_depth: int = RANK_DEPTH
    runtime_s: float = 0.0
    notes: dict[str, str] = Field(default_factory=dict)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    def metric(self, dotted: str) -> float | None:
        """The value at a dotted path such as 'retrieval.hybrid.recall@10'; KeyError when it is absent."""
        node: Any = self.dump()
        for key in dotted.split("."):
            if not isinstance(node, dict) or key not in node:
                raise KeyError(dotted)
            node = node[key]
        if node is not None and (isinstance(node, bool) or not isinstance(node, int | float)):
            raise KeyError(dotted)
        return None if node is None else float(node)


def _aliases(model: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def is_known_metric(dotted: str) -> bool:
    """Whether a dotted path can name a metric of a Summary (modes and types are free keys)."""
    head, *rest = dotted.split(".")
    shapes: dict[str, tuple[int, type[BaseModel]]] = {
        "retrieval": (1, RetrievalMetrics),
        "retrieval_by_type": (2, RetrievalMetrics),
        "answer": (0, AnswerMetrics),
        "by_type": (1, AnswerMetrics),
    }
    if head == "latency":
        return len(rest) == 2 and rest[0] in Latency.model_fields and rest[1] in ("p50", "p95")
    if head not in shapes:
        return head in ("n_questions", "runtime_s") and not rest
    keys, model = shapes[head]
    return len(rest) == keys + 1 and rest[-1] in _aliases(model) - {"n"}


# ------------------------------------------------------------------------------------------ aggregation


def percentile(values: Iterable[float | None], q: float) -> float | None:
    """Linear-interpolation percentile (``q`` in [0, 100]) of the non-``None`` values; ``None`` if empty."""
    data = sorted(float(v) for v in values if v is not None)
    if not data:
        return None
    pos = (len(data) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


_PER_QUESTION = (
    "citation_precision",
    "citation_recall",
    "citation_f1",
    "invalid_citations",
    "key_fact_recall",
)


def answer_metrics(results: Sequence[QuestionResult]) -> AnswerMetrics:
    values = {m: [getattr(r, m) for r in results] for m in _PER_QUESTION}
    accuracy, false_rate = abstention_scores((r.type == "unanswerable", r.abstained) for r in results)
    lists = [r for r in results if r.type in LIST_TYPES]
    return AnswerMetrics(
        **{m: mean_ignoring_none(v) for m, v in values.items()},
        abstention_accuracy=accuracy,
        false_abstention_rate=false_rate,
        list_precision=mean_ignoring_none(r.citation_precision for r in lists),
        list_recall=mean_ignoring_none(r.citation_recall for r in lists),
        fallbacks=mean_ignoring_none(float(r.fell_back) for r in results),
        invalid_citations_total=sum(r.invalid_citations for r in results),
        unsupported_citations=mean_ignoring_none(r.unsupported_citations for r in results),
        abstained=sum(r.abstained for r in results),
        n_questions=len(results),
        n={m: sum(x is not None for x in v) for m, v in values.items()},
    )


def retrieval_metrics(results: Sequence[QuestionResult], mode: str) -> RetrievalMetrics:
    rows = [r.retrieval[mode] for r in results if mode in r.retrieval]
    secs = [r.retrieval_seconds.get(mode) for r in results]
    means = {m: mean_ignoring_none(row.get(m) for row in rows) for m in RETRIEVAL_METRICS}
    return RetrievalMetrics.model_validate(
        {
            **means,
            "n": sum(row.get("recall@10") is not None for row in rows),
            "seconds_p50": percentile(secs, 50),
            "seconds_p95": percentile(secs, 95),
        }
    )


def _one_label(values: Iterable[str | None]) -> str | None:
    counts = Counter(v for v in values if v)
    return " + ".join(name for name, _ in counts.most_common()) if counts else None


def summarize(
    results: Sequence[QuestionResult],
    modes: Sequence[str],
    *,
    backend_requested: str,
    seconds: float,
    qa_file: str | None = None,
    split: str = "all",
    judge: dict[str, Any] | None = None,
) -> Summary:
    types = list(dict.fromkeys(r.type for r in results))
    by_type = {t: [r for r in results if r.type == t] for t in types}
    written = [r for r in results if r.backend != "extractive" or r.fell_back]
    return Summary(
        n_questions=len(results),
        backend=_one_label(r.backend for r in results),
        model=_one_label(r.model for r in results),
        backend_requested=backend_requested,
        qa_file=qa_file,
        split=split,
        retrieval={mode: retrieval_metrics(results, mode) for mode in modes},
        retrieval_by_type={
            mode: {t: retrieval_metrics(rs, mode) for t, rs in by_type.items()} for mode in modes
        },
        answer=answer_metrics(results),
        by_type={t: answer_metrics(rs) for t, rs in by_type.items()},
        latency=Latency(
            retrieval=_stat(r.time_retrieval for r in results),
            first_token=_stat(r.time_first_token for r in results),
            total=_stat(r.time_total for r in results),
            written=len(written),
            written_first_token=_stat(r.time_first_token for r in written),
            written_total=_stat(r.time_total for r in written),
        ),
        judge=judge,
        runtime_s=round(seconds, 3),
        notes={
            "invalid_citations": "mean number of invalid [n] markers per answer (a count, not a rate); "
            "invalid_citations_total is the sum",
            "means": "each metric averages the questions where it is defined; undefined values are excluded",
            "answer_retrieval": "answers use the default (hybrid) retrieval; modes differ in retrieval only",
            "mrr": f"reciprocal rank within the top {RANK_DEPTH} papers (0 when no gold paper is there)",
            "list": "list_precision / list_recall: citation precision and recall on topic and paraphrase "
            "('which papers ...') questions",
        },
    )


def _stat(values: Iterable[float | None]) -> LatencyStat:
    kept = list(values)
    return LatencyStat(p50=percentile(kept, 50), p95=percentile(kept, 95))
