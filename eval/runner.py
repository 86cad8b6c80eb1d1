"""Run a question set through retrieval and the answer pipeline; score every question.

For each case of the question file:

* **retrieval** -- the question is searched with :class:`rag.retrieval.Searcher` in every requested mode
  (``bm25``, ``dense``, ``hybrid``) down to :data:`RANK_DEPTH` papers; Recall@5, Recall@10, nDCG@10 and MRR
  are computed on the paper ids (de-duplicated by :mod:`eval.metrics`). Retrieval modes are compared on these
  metrics only.
* **answer** -- the question is answered once with the chosen backend by
  :class:`rag.answering.Assistant` (which retrieves with its own default, hybrid, settings); its citations are
  scored against the gold/acceptable papers, its text against the key facts, and its abstention against the
  question type.

The result of one question is a :class:`QuestionResult`, written as one line of ``results.jsonl``.
Aggregation, the report and the charts live in :mod:`eval.report`; the thresholds check in :mod:`eval.gate`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import Field

from eval.metrics import citation_prf, fact_present, key_fact_recall, mrr, ndcg_at_k, recall_at_k
from eval.schema import QACase, ResolvedCase, index_papers_by_title, load_cases, resolve_titles
from rag.indexing.index import PaperIndex

if TYPE_CHECKING:
    from eval.gate import Threshold
from rag.models import Answer, Citation, Record
from rag.retrieval import Searcher
from rag.settings import SEARCH_MODES, SearchMode

__all__ = [
    "MODES",
    "RANK_DEPTH",
    "RETRIEVAL_METRICS",
    "Answerer",
    "EvalOutcome",
    "EvalRun",
    "QuestionResult",
    "evaluate",
    "judge_context",
    "load_resolved",
    "numbers_not_in",
    "parse_modes",
    "run_cases",
    "score_question",
    "score_retrieval",
    "source_texts",
]

MODES: tuple[SearchMode, ...] = SEARCH_MODES
# papers ranked per question and mode; >= 10 so that Recall@10 / nDCG@10 are exact, and deeper so that MRR
# still sees a gold paper ranked 11..20 (MRR is therefore MRR@20).
RANK_DEPTH = 20
RETRIEVAL_METRICS = ("recall@5", "recall@10", "ndcg@10", "mrr")
# the bundled question set (eval/qa.jsonl); not imported from eval/__init__, which an editable install made
# before that file existed treats as a namespace package
DEFAULT_QA = Path(__file__).resolve().parent / "qa.jsonl"


class Answerer(Protocol):
    """What the runner needs from the answer pipeline (``rag.answering.Assistant`` fits)."""

    def ask(self, question: str, history: Any = None, filters: Any = None, backend: Any = None) -> Answer: ...


class QuestionResult(Record):
    """Everything measured for one question; one line of ``results.jsonl``."""

    id: str
    type: str
    question: str
    answer: str = Field(description="The answer text.")
    backend: str
    model: str | None = None
    abstained: bool
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


# ------------------------------------------------------------------------------------------ loading


def load_resolved(path: Path, index: PaperIndex) -> list[ResolvedCase]:
    """Read and validate a question file and map its titles to the papers of ``index``.

    Raises :class:`eval.schema.QAFileError` (names the file and line) or
    :class:`eval.schema.UnknownTitleError` (names every unknown title).
    """
    cases = load_cases(path)
    return resolve_titles(cases, index_papers_by_title(index.papers.values()))


def parse_modes(value: str) -> list[SearchMode]:
    """``all`` -> every mode; otherwise one mode (or a comma-separated list). Raises ``ValueError``."""
    names = [m.strip().lower() for m in value.split(",") if m.strip()]
    if names == ["all"]:
        return list(MODES)
    bad = [m for m in names if m not in MODES]
    if bad or not names:
        raise ValueError(f"unknown retrieval mode {value!r}; use bm25, dense, hybrid or all")
    return [m for m in MODES if m in names]  # type: ignore[misc]


# ------------------------------------------------------------------------------------------ scoring

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
_CITATION_MARK = re.compile(r"\[\d+(?:\s*[,;-]\s*\d+)*\]")


def numbers_not_in(answer_text: str, sources: Iterable[str]) -> list[str]:
    """Numbers the answer states that none of the source texts contains (a hint of invented facts).

    ``[n]`` citation markers are ignored; a number matches when :func:`eval.metrics.fact_present` finds it
    in a source as a whole number (``9`` is not found inside ``94``).
    """
    text = _CITATION_MARK.sub(" ", answer_text)
    pool = list(sources)
    out: list[str] = []
    for raw in _NUMBER.findall(text):
        number = raw.rstrip(".,")
        if number in out:
            continue
        if not any(fact_present(src, number) for src in pool):
            out.append(number)
    return out


def source_texts(answer: Answer, index: PaperIndex) -> list[str]:
    """What the answerer was given: each source paper's title, abstract and listing metadata, its evidence,
    and the number of sources (answers may say "5 papers ...")."""
    texts = [str(len(answer.sources))]
    for s in answer.sources:
        texts.append(f"{s.title} {' '.join(s.evidence)}")
        paper = index.papers.get(s.paper_id)
        if paper is not None:
            meta = [
                paper.abstract,
                paper.date_text or "",
                str(paper.published or ""),
                ", ".join(paper.authors),
            ]
            meta += [str(v) for v in (paper.author_count, paper.upvotes, paper.external_id) if v is not None]
            texts.append(" | ".join(meta))
    return texts


def score_retrieval(ranked: Sequence[str], gold: Sequence[str]) -> dict[str, float | None]:
    """Recall@5, Recall@10, nDCG@10 and MRR of one ranked list of paper ids."""
    return {
        "recall@5": recall_at_k(ranked, gold, 5),
        "recall@10": recall_at_k(ranked, gold, 10),
        "ndcg@10": ndcg_at_k(ranked, gold, 10),
        "mrr": mrr(ranked, gold),
    }


def score_question(
    rc: ResolvedCase,
    answer: Answer,
    retrieved: dict[str, list[str]],
    retrieval_seconds: dict[str, float] | None = None,
    source_texts: Sequence[str] = (),
) -> QuestionResult:
    """All metrics of one answered question (pure: no index or model needed)."""
    case = rc.case
    cited: list[str] = []
    for c in answer.citations:
        if c.paper_id not in cited:
            cited.append(c.paper_id)
    precision, recall, f1 = citation_prf(cited, rc.gold_ids, rc.acceptable_ids)
    is_unanswerable = case.type == "unanswerable"
    seconds = retrieval_seconds or {}
    return QuestionResult(
        id=case.id,
        type=case.type,
        question=case.question,
        answer=answer.text,
        backend=answer.backend,
        model=answer.model,
        abstained=answer.abstained,
        notice=answer.notice,
        gold_ids=list(rc.gold_ids),
        gold_titles=list(case.gold_titles),
        acceptable_ids=list(rc.acceptable_ids),
        key_facts=list(case.key_facts),
        citations=list(answer.citations),
        cited_ids=cited,
        source_ids=[s.paper_id for s in answer.sources],
        retrieved=retrieved,
        retrieval={m: score_retrieval(ids, rc.gold_ids) for m, ids in retrieved.items()},
        retrieval_seconds={m: seconds.get(m, 0.0) for m in retrieved},
        citation_precision=precision,
        citation_recall=recall,
        citation_f1=f1,
        invalid_citations=answer.invalid_citations,
        unsupported_citations=answer.unsupported_citations,
        key_fact_recall=key_fact_recall(answer.text, case.key_facts),
        missing_facts=[f for f in case.key_facts if not fact_present(answer.text, f)],
        unsourced_numbers=[] if answer.abstained else numbers_not_in(answer.text, source_texts),
        abstention_correct=answer.abstained == is_unanswerable,
        time_retrieval=answer.timings.retrieval,
        time_first_token=answer.timings.first_token,
        time_total=answer.timings.total,
    )


# ------------------------------------------------------------------------------------------ running


@dataclass
class EvalRun:
    """The outcome of :func:`run_cases`."""

    results: list[QuestionResult]
    modes: list[SearchMode]
    backend_requested: str
    seconds: float
    cases: list[ResolvedCase] = field(default_factory=list)


def run_cases(
    cases: Sequence[ResolvedCase],
    index: PaperIndex,
    answerer: Answerer,
    *,
    modes: Sequence[SearchMode] = MODES,
    backend: str | None = None,
    progress: bool = True,
    on_answer: Callable[[ResolvedCase, Answer], dict[str, Any] | None] | None = None,
) -> EvalRun:
    """Retrieve in every mode and answer once per case; ``backend`` is passed to ``answerer.ask``.

    ``on_answer`` (e.g. the LLM judge) may return a dict that is stored as the result's ``judge`` field.

    Errors of the answerer (e.g. ``BackendUnavailable``) propagate: a backend that cannot answer stops the
    run.
    """
    from tqdm import tqdm

    searcher = Searcher(index)
    results: list[QuestionResult] = []
    started = time.perf_counter()
    bar = tqdm(cases, desc="eval", unit="q", disable=not progress, dynamic_ncols=True, leave=False)
    try:
        for rc in bar:
            bar.set_postfix_str(rc.id, refresh=False)
            retrieved: dict[str, list[str]] = {}
            seconds: dict[str, float] = {}
            for mode in modes:
                t0 = time.perf_counter()
                hits = searcher.search(rc.case.question, k=RANK_DEPTH, mode=mode)
                seconds[mode] = time.perf_counter() - t0
                retrieved[mode] = [h.paper.id for h in hits]
            answer = answerer.ask(rc.case.question, backend=backend)
            result = score_question(rc, answer, retrieved, seconds, source_texts(answer, index))
            if on_answer is not None:
                result.judge = on_answer(rc, answer)
            results.append(result)
    finally:
        bar.close()  # also on an error, so that its one-line message starts on a clean line
    return EvalRun(
        results=results,
        modes=list(modes),
        backend_requested=backend or "auto",
        seconds=time.perf_counter() - started,
        cases=list(cases),
    )


# ------------------------------------------------------------------------------------------ whole command


def judge_context(answer: Answer) -> str:
    """The numbered sources the answerer saw, as the judge sees them."""
    return "\n".join(f"[{s.n}] {s.title}: {' '.join(s.evidence)}" for s in answer.sources)


@dataclass
class EvalOutcome:
    summary: dict[str, Any]
    paths: dict[str, Path]
    gate_failures: list[str]


def evaluate(
    index: PaperIndex,
    answerer: Answerer,
    cases: Sequence[QACase],
    *,
    qa_label: str | None = None,
    backend: str = "auto",
    modes: Sequence[SearchMode] = MODES,
    out: Path = Path("eval/out"),
    limit: int | None = None,
    judge: Any = None,
    judge_notice: str | None = None,
    thresholds: Sequence[Threshold] | None = None,
    progress: bool = True,
) -> EvalOutcome:
    """Resolve titles, run, score, write every output and check the thresholds (if any).

    ``cases`` come from :func:`eval.schema.load_cases` (validated before the index is opened). ``judge`` is
    an :class:`eval.judge.Judge` already known to be reachable, or ``None``; ``judge_notice`` says why a
    requested judge was skipped. Raises :class:`eval.schema.UnknownTitleError` (one line naming every
    unknown title) before any question is run.
    """
    from eval.gate import check_gate
    from eval.report import summarize, write_outputs

    resolved = resolve_titles(cases, index_papers_by_title(index.papers.values()))
    if limit is not None:
        resolved = resolved[:limit]
    verdicts: list[tuple[str, Any]] = []

    errors = 0

    def grade(rc: ResolvedCase, answer: Answer) -> dict[str, Any]:
        nonlocal errors
        from eval.judge import JudgeError

        try:
            verdict = judge.grade(
                rc.case.question, rc.case.reference_answer, answer.text, judge_context(answer)
            )
        except JudgeError as exc:
            errors += 1
            return {"error": str(exc)}
        verdicts.append((rc.case.type, verdict))
        return dict(verdict.model_dump())

    on_answer = grade if judge is not None else None
    run = run_cases(
        resolved, index, answerer, modes=modes, backend=backend, progress=progress, on_answer=on_answer
    )
    judge_summary: dict[str, Any] | None = None
    if judge_notice is not None:
        judge_summary = {"status": "skipped", "reason": judge_notice}
    elif judge is not None:
        from eval.judge import summarize_verdicts

        judge_summary = summarize_verdicts(judge.model, verdicts, errors)
    summary = summarize(run, qa_file=qa_label, judge=judge_summary)
    titles = {pid: p.title for pid, p in index.papers.items()}
    paths = write_outputs(out, run.results, summary, titles)
    failures = check_gate(summary, thresholds) if thresholds is not None else []
    return EvalOutcome(summary=summary, paths=paths, gate_failures=failures)
