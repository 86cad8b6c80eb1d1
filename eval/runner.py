"""Run a question set through retrieval and the answer pipeline; score every question.

For each case: the question is searched in every requested mode (``bm25``, ``dense``, ``hybrid``) down to
:data:`eval.results.RANK_DEPTH` papers for Recall@5/10, nDCG@10 and MRR; then it is answered once with the
chosen backend by the Assistant that `rag.assemble.open_assistant` builds, and its citations, key facts and
abstention are scored. `run_eval` is the whole `rag eval` command: load, run, summarize, write, gate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from eval.gate import check_gate, load_thresholds
from eval.metrics import citation_prf, fact_present, key_fact_recall, mrr, ndcg_at_k, recall_at_k
from eval.report import write_outputs
from eval.results import RANK_DEPTH, QuestionResult, Summary, summarize
from eval.schema import QACase, ResolvedCase, index_papers_by_title, load_cases, resolve_titles
from eval.split import Split, in_split, split_of
from rag.answering import Assistant
from rag.answering.markers import strip_markers
from rag.answering.verify import NUMBER
from rag.indexing.index import PaperIndex
from rag.models import Answer, Record
from rag.retrieval import Searcher
from rag.settings import PROJECT_ROOT, SEARCH_MODES, SearchMode, Settings

__all__ = [
    "DEFAULT_QA",
    "EvalOptions",
    "EvalOutcome",
    "numbers_not_in",
    "parse_modes",
    "run_cases",
    "run_eval",
    "score_question",
    "score_retrieval",
    "source_texts",
]

# the bundled question sets: handwritten questions, and metadata questions whose gold a script computed
DEFAULT_QA = PROJECT_ROOT / "eval" / "qa.jsonl"
DEFAULT_QA_FILES = [
    DEFAULT_QA,
    PROJECT_ROOT / "eval" / "qa_metadata.jsonl",
    PROJECT_ROOT / "eval" / "qa_blind.jsonl",
    PROJECT_ROOT / "eval" / "qa_blind_metadata.jsonl",
    PROJECT_ROOT / "eval" / "qa_blind_r2_metadata.jsonl",
    PROJECT_ROOT / "eval" / "qa_blind_r3.jsonl",
    PROJECT_ROOT / "eval" / "qa_blind_r3_metadata.jsonl",
    PROJECT_ROOT / "eval" / "qa_blind_r4.jsonl",
    PROJECT_ROOT / "eval" / "qa_blind_r4_metadata.jsonl",
    PROJECT_ROOT / "eval" / "qa_tuning_r2.jsonl",
    PROJECT_ROOT / "eval" / "qa_tuning_metadata.jsonl",
]


def parse_modes(value: str) -> list[SearchMode]:
    """``all`` -> every mode; otherwise one mode (or a comma-separated list). Raises ``ValueError``."""
    names = [m.strip().lower() for m in value.split(",") if m.strip()]
    if names == ["all"]:
        return list(SEARCH_MODES)
    bad = [m for m in names if m not in SEARCH_MODES]
    if bad or not names:
        raise ValueError(f"unknown retrieval mode {value!r}; use bm25, dense, hybrid or all")
    return [m for m in SEARCH_MODES if m in names]


# ------------------------------------------------------------------------------------------ scoring


def numbers_not_in(answer_text: str, sources: Iterable[str]) -> list[str]:
    """Numbers the answer states that none of the source texts contains (a hint of invented facts).

    ``[n]`` citation markers are ignored; a number matches when :func:`eval.metrics.fact_present` finds it
    in a source as a whole number (``9`` is not found inside ``94``).
    """
    text = strip_markers(answer_text)
    pool = list(sources)
    out: list[str] = []
    for raw in NUMBER.findall(text):
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
    if case.type == "metadata" and not rc.gold_ids:  # an aggregation: its key facts score it, not its papers
        precision = recall = f1 = None
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


def run_cases(
    cases: Sequence[ResolvedCase],
    assistant: Assistant,
    *,
    modes: Sequence[SearchMode] = SEARCH_MODES,
    backend: str | None = None,
    progress: bool = True,
    on_answer: Callable[[ResolvedCase, Answer], dict[str, Any] | None] | None = None,
) -> list[QuestionResult]:
    """Retrieve in every mode and answer once per case. Errors of the answerer (e.g. BackendUnavailable)
    propagate: a backend that cannot answer stops the run. `on_answer` (the judge) fills `judge`."""
    from tqdm import tqdm

    searcher = Searcher(assistant.index)
    results: list[QuestionResult] = []
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
            answer = assistant.ask(rc.case.question, backend=backend)
            result = score_question(rc, answer, retrieved, seconds, source_texts(answer, assistant.index))
            if on_answer is not None:
                result.judge = on_answer(rc, answer)
            results.append(result)
    finally:
        bar.close()  # also on an error, so that its one-line message starts on a clean line
    return results


# ------------------------------------------------------------------------------------------ whole command


class EvalOptions(Record):
    """What `rag eval` was asked to do."""

    qa: list[Path] = Field(default_factory=lambda: list(DEFAULT_QA_FILES), description="Question files.")
    backend: str = Field("auto", description="Who answers: auto, ollama, llamacpp or extractive.")
    retrieval: str = Field("all", description="Modes compared: bm25, dense, hybrid, a list, or all.")
    split: Split = Field("all", description="Questions scored: the tuning part, the test part, or all.")
    out: Path = Field(Path("eval/out"), description="Folder for results, report and charts.")
    limit: int | None = Field(None, ge=1, description="Only the first N questions.")
    judge: bool = Field(False, description="Also grade answers with an Ollama LLM judge.")
    judge_model: str | None = Field(None, description="Pinned judge model.")
    gate: Path | None = Field(None, description="Thresholds file: the outcome lists each one missed.")
    progress: bool = Field(True, description="Progress bar on stderr.")


class EvalOutcome(Record):
    summary: Summary
    paths: dict[str, Path]
    gate_failures: list[str]
    gate_checked: int = Field(0, description="Thresholds checked (0 without --gate).")


def load_questions(paths: Iterable[Path], split: Split) -> list[QACase]:
    """Every case of the files (ids unique across them), in file order, restricted to one split."""
    cases: list[QACase] = []
    for path in paths:
        cases += [c for c in load_cases(path) if in_split(c.id, split)]
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise ValueError(f"question id {case.id!r} appears in two question files")
        seen.add(case.id)
    return cases


def run_eval(settings: Settings, options: EvalOptions, say: Callable[[str], None] = print) -> EvalOutcome:
    """Validate the inputs, open the assistant, run, score, write every output and check the gate.

    Raises ValueError (a bad question file, mode, thresholds file or an unknown gold title: one line each)
    before any question is run, and BackendUnavailable when an explicit backend cannot answer.
    """
    from rag.assemble import open_assistant

    modes = parse_modes(options.retrieval)
    thresholds = load_thresholds(options.gate) if options.gate is not None else None
    cases = load_questions(options.qa, options.split)
    settings = settings.model_copy(
        update={"answer": settings.answer.model_copy(update={"backend": options.backend})}
    )
    assistant = open_assistant(settings, say=say)  # evidence prepared as the app does: latencies are real
    choice = assistant.choose(options.backend)  # an explicit backend that cannot answer stops here
    resolved = resolve_titles(cases, index_papers_by_title(assistant.index.papers.values()))
    resolved = resolved[: options.limit] if options.limit else resolved
    judge, judge_block = _judge(settings, options, say)
    started = time.perf_counter()
    results = run_cases(
        resolved,
        assistant,
        modes=modes,
        backend=options.backend,
        progress=options.progress,
        on_answer=judge.grade_answer if judge is not None else None,
    )
    for result in results:
        result.split = split_of(result.id)
    summary = summarize(
        results,
        modes,
        backend_requested=options.backend if choice.llm is None else choice.llm.backend,
        seconds=time.perf_counter() - started,
        qa_file=", ".join(str(p) for p in options.qa),
        split=options.split,
        judge=judge.summary() if judge is not None else judge_block,
    )
    titles = {pid: p.title for pid, p in assistant.index.papers.items()}
    paths = write_outputs(options.out, results, summary, titles)
    failures = check_gate(summary, thresholds) if thresholds is not None else []
    return EvalOutcome(
        summary=summary, paths=paths, gate_failures=failures, gate_checked=len(thresholds or [])
    )


def _judge(settings: Settings, options: EvalOptions, say: Callable[[str], None]) -> tuple[Any, Any]:
    """(a reachable judge, None), or (None, the 'skipped' block when one was asked for but cannot run)."""
    if not options.judge:
        return None, None
    from eval.judge import Judge, default_judge_model, judge_unavailable

    model = options.judge_model or default_judge_model(settings)
    notice = judge_unavailable(settings, model)
    if notice:
        say(f"judge skipped: {notice}")
        return None, {"status": "skipped", "reason": notice}
    return Judge(settings, model), None
