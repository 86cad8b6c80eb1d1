"""Answer benchmark: latency, prompt size and memory per backend, and evidence prompts vs whole abstracts.

    python -m bench.answer_bench                 # extractive always; llama.cpp when .models/*.gguf exists
    python -m bench.answer_bench --calibrate     # also the figures behind min_relevance and support_threshold

Questions come from eval/qa.jsonl when it exists, else from the list below. Results are printed as markdown
tables and written to bench/results/answer.md. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

import numpy as np

from bench.common import current_rss_mib, percentile, table, write_result
from rag.answering import Assistant
from rag.answering.evidence import EvidenceSelector, rare_identifier_match, split_sentences
from rag.answering.extractive import question_kind
from rag.answering.prompts import answer_messages, sanitize
from rag.indexing.index import PaperIndex
from rag.models import Source
from rag.retrieval.search import Searcher
from rag.settings import PROJECT_ROOT, Settings, load_settings

QA_FILE = PROJECT_ROOT / "eval" / "qa.jsonl"
GGUF = PROJECT_ROOT / ".models" / "gemma3-270m-q4_k_m.gguf"

COVERED = [
    "Which papers prove regret lower bounds?",
    "What accuracy did the gait abnormality video dataset reach?",
    "How many video sequences does the gait abnormality dataset contain?",
    "What explains the grokking phenomenon?",
    "Is FlashAttention I/O optimal?",
    "How can large language models be linearized into recurrent architectures?",
    "Which papers study Kolmogorov-Arnold networks?",
    "How does the storage capacity of Muon compare with SGD in associative memory?",
    "How can speculative decoding be applied to continuous image generation?",
    "How does DeepSeekMoE achieve expert specialization?",
    "Can transformers learn parity efficiently with chain of thought?",
    "Is there a dataset for fairness in medical image segmentation?",
    "Is model collapse inevitable when training on synthetic data?",
    "Are there quantum lower bounds for finding stationary points of nonconvex functions?",
    "Why does online on-policy DPO outperform offline preference learning?",
]
# plausible for this collection or plainly off-topic, but answered by no paper in it
UNCOVERED = [
    "What is the boiling point of water on Mars?",
    "Who won the 2018 FIFA World Cup?",
    "How do I bake sourdough bread at home?",
    "What is the capital of Australia?",
    "How do diffusion models generate protein structures?",
    "What deep learning methods detect diabetic retinopathy in retinal fundus images?",
    "How does BERT tokenize Chinese text?",
    "Can reinforcement learning control plasma in nuclear fusion reactors?",
    "Which graph neural networks predict molecular properties for drug discovery?",
    "How are large language models used for automated theorem proving in Lean?",
    "What is the effect of learning-rate warmup on Adam convergence?",
    "How accurate are transformer-based weather forecasting models?",
    "How do spiking neural networks run on neuromorphic hardware?",
    "Which papers generate music with transformers?",
    "What are the privacy risks of federated learning on electronic health records?",
    "How do recommender systems handle cold-start users?",
]


def load_questions() -> list[dict]:
    """eval/qa.jsonl cases ({question, type}) or, without it, the lists above."""
    if QA_FILE.exists():
        rows = [json.loads(line) for line in QA_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [{"question": r["question"], "type": r["type"]} for r in rows]
    return [{"question": q, "type": "own"} for q in COVERED] + [
        {"question": q, "type": "unanswerable"} for q in UNCOVERED
    ]


def open_index(data_dir: Path | None) -> tuple[Settings, PaperIndex]:
    settings = load_settings() if data_dir is None else Settings(data_dir=data_dir)
    index = PaperIndex(settings)
    if index.is_empty:
        print(f"building the index in {settings.index_dir} (first use) ...", flush=True)
        index.ensure_ingested(progress=False)
    return settings, index


# --- latency per backend -------------------------------------------------------------------------------


def run_backend(assistant: Assistant, backend: str, questions: list[str]) -> dict:
    first, total, tokens, abstained = [], [], [], 0
    for question in questions:
        answer = assistant.ask(question, backend=backend)
        total.append(answer.timings.total)
        if answer.timings.first_token is not None:
            first.append(answer.timings.first_token)
        if answer.prompt_tokens:
            tokens.append(answer.prompt_tokens)
        abstained += answer.abstained
    return {
        "backend": backend,
        "n": len(questions),
        "first_p50": percentile(first, 50),
        "first_p95": percentile(first, 95),
        "total_p50": percentile(total, 50),
        "total_p95": percentile(total, 95),
        "tokens": float(np.mean(tokens)) if tokens else None,
        "abstained": abstained,
        "rss": current_rss_mib(),
    }


# --- evidence prompt vs whole abstracts --------------------------------------------------------------------


def prompt_pair(assistant: Assistant, question: str, k: int = 5) -> tuple[list, list] | None:
    """(messages with evidence sentences, messages with the five whole abstracts) for one question."""
    hits = assistant.searcher.search(question, k=k)
    if len(hits) < k:
        return None
    evidence = assistant.selector.rank(question, hits)
    n_sent = assistant.settings.answer.evidence_sentences
    ours = [
        Source(n=i, paper_id=e.paper.id, title=e.paper.title, evidence=e.chosen(n_sent))
        for i, e in enumerate(evidence, start=1)
    ]
    whole = "\n\n".join(
        f"[{i}] {sanitize(h.paper.title)}\n{sanitize(h.paper.abstract)}" for i, h in enumerate(hits, start=1)
    )
    return (
        answer_messages(question, ours, assistant.index.papers),
        answer_messages(question, ours, assistant.index.papers, context=whole),
    )


def first_token_seconds(llm, messages: list) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for _ in llm.stream_chat(messages, max_tokens=4):
        return time.perf_counter() - started
    return time.perf_counter() - started


def compare_prompts(assistant: Assistant, questions: list[str], llm) -> dict:  # type: ignore[no-untyped-def]
    ours_tokens: list[int] = []
    whole_tokens: list[int] = []
    ours_first: list[float] = []
    whole_first: list[float] = []
    for i, question in enumerate(questions):
        pair = prompt_pair(assistant, question)
        if pair is None:
            continue
        ours, whole = pair
        ours_tokens.append(llm.count_tokens(ours))
        whole_tokens.append(llm.count_tokens(whole))
        # alternate the order so llama.cpp's reuse of the shared system-prompt prefix favours neither
        for messages, sink in [(ours, ours_first), (whole, whole_first)][:: 1 if i % 2 == 0 else -1]:
            sink.append(first_token_seconds(llm, messages))
    return {
        "n": len(ours_tokens),
        "ours_tokens": float(np.mean(ours_tokens)),
        "whole_tokens": float(np.mean(whole_tokens)),
        "ours_max": max(ours_tokens),
        "ours_first": percentile(ours_first, 50),
        "whole_first": percentile(whole_first, 50),
    }


# --- calibration -------------------------------------------------------------------------------------------


def calibrate_relevance(index: PaperIndex, cases: list[dict]) -> str:
    """Best dense similarity per question, answered vs unanswerable, and what each threshold would do."""
    searcher, papers = Searcher(index), list(index.papers.values())
    rows = []
    for case in cases:
        hits = searcher.search(case["question"], k=12)
        best = max((h.dense_similarity or 0.0 for h in hits), default=0.0)
        anchored = bool(rare_identifier_match(case["question"], papers, [h.paper for h in hits[:5]]))
        rows.append((case["type"] == "unanswerable", best, anchored))
    covered = [(b, a) for u, b, a in rows if not u]
    uncovered = [(b, a) for u, b, a in rows if u]
    lines = [
        table(
            ["", "n", "p5", "p25", "p50", "p75", "p95"],
            [
                (label, len(v), *(round(percentile([b for b, _ in v], q), 3) for q in (5, 25, 50, 75, 95)))
                for label, v in (("answerable", covered), ("unanswerable", uncovered))
            ],
        )
    ]
    result = []
    for threshold in np.arange(0.25, 0.526, 0.025):
        answered = sum(b >= threshold or a for b, a in covered)
        abstained = sum(b < threshold and not a for b, a in uncovered)
        balanced = (answered / len(covered) + abstained / len(uncovered)) / 2
        result.append(
            (
                round(float(threshold), 3),
                f"{answered}/{len(covered)}",
                f"{abstained}/{len(uncovered)}",
                round(balanced, 3),
            )
        )
    lines.append(
        table(["min_relevance", "answerable answered", "unanswerable abstained", "balanced acc."], result)
    )
    return "\n\n".join(lines)


# (question, title start, a paraphrase the paper supports, a claim it does not: off-topic or same-topic wrong)
HANDWRITTEN = [
    (
        "What accuracy does GAVD reach?",
        "Computer Vision for Clinical Gait",
        "Pretrained TSN and SlowFast models detect gait abnormalities with 94% and 92% accuracy on GAVD.",
        "The gait models were trained on 3D motion-capture recordings from a treadmill laboratory.",
    ),
    (
        "What detection accuracy do TSN and SlowFast reach on GAVD?",
        "Computer Vision for Clinical Gait",
        "TSN reaches 94% abnormality detection on GAVD and SlowFast 92%.",
        "GAVD was filmed with depth cameras in a single hospital.",
    ),
    (
        "Which papers prove regret lower bounds?",
        "Tight Regret Bounds",
        "With sublinear arm memory the streaming bandit regret lower bound rises to Omega(K^{1/3}T^{2/3}).",
        "The paper introduces a transformer architecture for streaming speech recognition.",
    ),
    (
        "What explains grokking?",
        "Grokking as the Transition",
        "Grokking can come from a network moving from lazy training to rich feature learning.",
        "Grokking is caused by weight decay pushing vision transformers towards sparse solutions.",
    ),
    (
        "Is FlashAttention I/O optimal?",
        "The I/O Complexity of Attention",
        "FlashAttention's I/O complexity matches a lower bound for large fast memory, so it is optimal.",
        "FlashAttention runs slower than standard attention on GPUs with little memory.",
    ),
    (
        "How does DeepSeekMoE achieve expert specialization?",
        "DeepSeekMoE",
        "DeepSeekMoE splits experts into finer ones and isolates shared experts so that experts specialize.",
        "DeepSeekMoE aligns its outputs with reinforcement learning from human feedback.",
    ),
    (
        "Is model collapse inevitable?",
        "Is Model Collapse Inevitable",
        "Accumulating synthetic data alongside the real data, instead of replacing it, avoids collapse.",
        "Model collapse is prevented by training with a larger learning rate.",
    ),
    (
        "How can LLMs be linearized into recurrent structures?",
        "Liger",
        "Liger turns a pretrained transformer LLM into a gated recurrent model while reusing its weights.",
        "Liger is a benchmark of legal documents for retrieval.",
    ),
    (
        "How were the captions of Panda-70M produced?",
        "Panda-70M",
        "Panda-70M captions its videos with several cross-modality teacher models.",
        "Panda-70M consists of 70 million hand-drawn animal images.",
    ),
]


def calibrate_handwritten(index: PaperIndex, selector: EvidenceSelector) -> list[tuple[str, float, float]]:
    """(title, support of the paraphrase, support of the wrong claim) with question-chosen evidence."""
    searcher, result = Searcher(index), []
    for question, title, good, bad in HANDWRITTEN:
        hits = [h for h in searcher.search(question, k=10) if h.paper.title.startswith(title)]
        if not hits:
            continue
        evidence = selector.rank(question, hits[:1])[0]
        shown = [*evidence.chosen(2), evidence.paper.title]
        vectors = selector.embed([good, bad, *shown])
        result.append(
            (title, float(np.max(vectors[2:] @ vectors[0])), float(np.max(vectors[2:] @ vectors[1])))
        )
    return result


def _clause(sentence: str) -> str:
    """The longest clause of a sentence: a compressed claim, as a model might write it."""
    parts = [p.strip() for p in re.split(r",|;| which | while | whereas ", sentence) if len(p.split()) >= 6]
    return max(parts, key=len) if parts else sentence


def calibrate_support(index: PaperIndex, selector: EvidenceSelector, n: int = 80, seed: int = 7) -> str:
    """Support of claims taken from the cited paper's evidence vs claims from another paper's evidence."""
    rng = random.Random(seed)
    papers = [p for p in index.papers.values() if len(split_sentences(p.abstract)) >= 4]
    sample = rng.sample(papers, min(n, len(papers)))
    searcher = Searcher(index)
    sources = []
    for paper in sample:  # evidence chosen as for a question about the paper: its title as the question
        hits = [h for h in searcher.search(paper.title, k=5) if h.paper.id == paper.id]
        if hits:
            evidence = selector.rank(paper.title, hits)[0]
            sources.append(Source(n=1, paper_id=paper.id, title=paper.title, evidence=evidence.chosen(2)))
    supported: list[float] = []
    unsupported: list[float] = []
    for i, source in enumerate(sources):
        other = sources[(i + 1 + rng.randrange(len(sources) - 1)) % len(sources)]
        for claim, sink in (
            (_clause(source.evidence[-1]), supported),
            (_clause(other.evidence[0]), unsupported),
        ):
            vectors = selector.embed([claim, *source.evidence, source.title])
            sink.append(float(np.max(vectors[1:] @ vectors[0])))
    lines = [
        table(
            ["claim", "n", "p5", "p25", "p50", "p75", "p95"],
            [
                (label, len(v), *(round(percentile(v, q), 3) for q in (5, 25, 50, 75, 95)))
                for label, v in (
                    ("from the cited paper's evidence", supported),
                    ("from another paper", unsupported),
                )
            ],
        )
    ]
    rows: list[tuple[object, ...]] = []
    for threshold in np.arange(0.3, 0.651, 0.05):
        kept = sum(s >= threshold for s in supported) / len(supported)
        flagged = sum(s < threshold for s in unsupported) / len(unsupported)
        rows.append((round(float(threshold), 2), f"{kept:.0%}", f"{flagged:.0%}"))
    hand = calibrate_handwritten(index, selector)
    for row, threshold in zip(rows, np.arange(0.3, 0.651, 0.05), strict=True):
        kept = sum(g >= threshold for _, g, _ in hand)
        flagged = sum(b < threshold for _, _, b in hand)
        rows[rows.index(row)] = (*row, f"{kept}/{len(hand)}", f"{flagged}/{len(hand)}")
    lines.append(
        table(
            [
                "support_threshold",
                "supported kept",
                "misattributed flagged",
                "handwritten paraphrase kept",
                "handwritten wrong claim flagged",
            ],
            rows,
        )
    )
    lines.append(
        table(
            ["paper", "paraphrase support", "wrong-claim support"],
            [(t, round(g, 3), round(b, 3)) for t, g, b in hand],
        )
    )
    return "\n\n".join(lines)


# --- main ---------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="index location (default: the app's)")
    parser.add_argument("--llm-questions", type=int, default=12, help="questions answered by llama.cpp")
    parser.add_argument("--compare", type=int, default=6, help="questions for the prompt comparison")
    parser.add_argument("--calibrate", action="store_true", help="also print the threshold calibration")
    args = parser.parse_args()

    settings, index = open_index(args.data_dir)
    cases = load_questions()
    questions = [c["question"] for c in cases]
    answerable = [c["question"] for c in cases if c["type"] not in ("unanswerable", "metadata")]
    gguf = Path(settings.llamacpp.model) if settings.llamacpp.model else GGUF
    if gguf.is_file():
        settings = settings.model_copy(
            update={
                "llamacpp": settings.llamacpp.model_copy(
                    update={"model": gguf, "n_ctx": 4096, "max_tokens": 48}
                )
            }
        )
    assistant = Assistant(settings, index=index)
    started = time.perf_counter()
    prepared = assistant.prepare_evidence()  # what `rag ingest` and the app's start do once per index
    preparation = (
        f"sentence vectors for evidence: {prepared} papers embedded in {time.perf_counter() - started:.1f} s"
        if prepared
        else "sentence vectors for evidence: loaded from the index"
    )
    sections = [
        f"# Answer benchmark\n\n{len(index.papers)} papers; {len(questions)} questions "
        f"({'eval/qa.jsonl' if QA_FILE.exists() else 'built-in list'}); rss at start "
        f"{current_rss_mib():.0f} MiB; {preparation}"
    ]

    assistant.ask(questions[0], backend="extractive")  # warm: model loaded
    results = [run_backend(assistant, "extractive", questions)]
    llm = None
    if gguf.is_file():
        llm = assistant.choose("llamacpp").llm  # loaded once, kept by the assistant
        written = [q for q in answerable if question_kind(q) != "list"]  # lists are composed, not written
        assistant.ask(written[0], backend="llamacpp")
        results.append(run_backend(assistant, "llamacpp", written[: args.llm_questions]))
    else:
        sections.append(f"llama.cpp skipped: no GGUF at {gguf}")
    sections.append(
        "## Latency per backend (seconds; warm process)\n\n"
        + table(
            [
                "backend",
                "questions",
                "first token p50",
                "first token p95",
                "total p50",
                "total p95",
                "prompt tokens (mean)",
                "abstained",
                "RSS MiB",
            ],
            [
                (
                    r["backend"],
                    r["n"],
                    r["first_p50"],
                    r["first_p95"],
                    r["total_p50"],
                    r["total_p95"],
                    "—" if r["tokens"] is None else round(r["tokens"]),
                    r["abstained"],
                    round(r["rss"]),
                )
                for r in results
            ],
        )
    )
    if llm is not None:
        c = compare_prompts(assistant, answerable[: args.compare], llm)
        sections.append(
            f"## Five papers: evidence sentences vs whole abstracts ({c['n']} questions, {gguf.name})\n\n"
            + table(
                ["prompt", "tokens (mean)", "first token p50 (s)"],
                [
                    ("evidence sentences (ours)", round(c["ours_tokens"]), c["ours_first"]),
                    ("five whole abstracts", round(c["whole_tokens"]), c["whole_first"]),
                    (
                        "ratio ours / whole",
                        round(c["ours_tokens"] / c["whole_tokens"], 2),
                        round(c["ours_first"] / c["whole_first"], 2),
                    ),
                ],
            )
            + f"\n\nLargest evidence prompt: {c['ours_max']} tokens."
        )
    if args.calibrate:
        extra = [{"question": q, "type": "unanswerable"} for q in UNCOVERED] if QA_FILE.exists() else []
        relevance = calibrate_relevance(index, [c for c in cases + extra if c["type"] != "metadata"])
        sections.append(
            "## Calibration: min_relevance (best dense similarity of the retrieved papers)\n\n" + relevance
        )
        sections.append(
            "## Calibration: support_threshold\n\n" + calibrate_support(index, assistant.selector)
        )
    text = "\n\n".join(sections)
    print(text)
    print(f"\nwrote {write_result('answer', text)}")


if __name__ == "__main__":
    main()
