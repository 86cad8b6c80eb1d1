"""One embedding pass against today's two, on the bundled corpus and the eval's questions.

Retrieval: chunk vectors pooled from the evidence sentence vectors (rag/indexing/passes.py, in several
weightings) against chunks embedded directly, by dense and hybrid recall@10 and MRR of the gold papers.
Evidence: the pass's sentence vectors against those EvidenceSelector embeds today (the same, by
construction), and the other way round, sentence vectors mean-pooled from the chunks' token states:
the evidence sentences chosen for the gold papers with each.

Run: python -m bench.one_pass_bench   (writes bench/results/one-pass.md; a few minutes on 2 cores)
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import table, write_result
from eval.metrics import fact_present, mrr, recall_at_k
from eval.schema import ResolvedCase, index_papers_by_title, load_cases, resolve_titles
from rag.answering.evidence import EvidenceSelector, _paper_key
from rag.indexing.chunking import chunk_papers, embedding_text
from rag.indexing.embedder import OnnxEmbedder, length_batches
from rag.indexing.keyword import Bm25sIndex
from rag.indexing.passes import PaperVectors, chunk_sentence_weights, embed_papers, pool_chunks
from rag.indexing.pool import EmbedderPool
from rag.models import Chunk, Paper, PaperHit
from rag.parsing import discover_files, merge_papers, parse_path
from rag.retrieval.fusion import paper_ranking, reciprocal_rank_fusion
from rag.settings import BUNDLED_CORPUS, PROJECT_ROOT, Settings

QUESTION_FILES = ("qa.jsonl", "qa_blind.jsonl", "qa_tuning_r2.jsonl")
VARIANTS: dict[str, dict[str, object]] = {
    "pooled: equal weights, title as one sentence (default)": {"title_weight": 1.0, "by_tokens": False},
    "pooled: token-weighted, title x1": {"title_weight": 1.0, "by_tokens": True},
    "pooled: token-weighted, title x0.5": {"title_weight": 0.5, "by_tokens": True},
    "pooled: token-weighted, title x2": {"title_weight": 2.0, "by_tokens": True},
    "pooled: token-weighted, no title": {"title_weight": 0.0, "by_tokens": True},
    "pooled: equal weights, title x2": {"title_weight": 2.0, "by_tokens": False},
}


@dataclass
class Question:
    split: str
    case: ResolvedCase
    vector: np.ndarray
    keyword: list[str]  # papers, best first


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.clip(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12, None)).astype(np.float32)


def token_state_pass(
    papers: Sequence[Paper], chunks: Sequence[Chunk], passed: dict[str, PaperVectors], embedder: OnnxEmbedder
) -> tuple[np.ndarray, dict[str, np.ndarray], int]:
    """One forward pass over "title\\nchunk": the chunk vectors (mean of every token, as today) and each
    paper's sentence + title rows, mean-pooled from the token states that fall inside each sentence.
    Returns (chunk vectors, rows per paper, sentences with no token left after truncation)."""
    by_id = {p.id: p for p in papers}
    texts = [f"{by_id[c.paper_id].title}\n{_normalised(c.text)}" for c in chunks]
    encodings = embedder.tokenizer.encode_batch(texts)
    direct = np.empty((len(chunks), embedder.dimension), dtype=np.float32)
    sums = {p.id: np.zeros((len(passed[p.id].sentences) + 1, embedder.dimension)) for p in papers}
    counts = {p.id: np.zeros(len(passed[p.id].sentences) + 1) for p in papers}
    spans: dict[str, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
    for paper in papers:
        abstract = _normalised(paper.abstract)
        cursor, sentence_spans = 0, []
        for sentence in passed[paper.id].sentences:
            at = abstract.find(sentence, cursor)
            sentence_spans.append((at, at + len(sentence)))
            cursor = max(at, 0) + len(sentence)
        cursor, chunk_spans = 0, []
        for chunk in (c for c in chunks if c.paper_id == paper.id):
            text = _normalised(chunk.text)
            at = abstract.find(text, cursor)
            chunk_spans.append((at, at + len(text)))
            cursor = max(at, 0) + 1
        spans[paper.id] = (sentence_spans, chunk_spans)
    position = {c.id: sum(1 for d in chunks[:i] if d.paper_id == c.paper_id) for i, c in enumerate(chunks)}
    for rows in length_batches([len(e.ids) for e in encodings], embedder.settings.batch_size):
        width = max(len(encodings[i].ids) for i in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, i in enumerate(rows):
            ids[r, : len(encodings[i].ids)] = encodings[i].ids
            mask[r, : len(encodings[i].ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = embedder.session.run(None, feeds)[0]
        direct[rows] = _unit((hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True))
        for r, i in enumerate(rows):
            chunk = chunks[i]
            title_len = len(by_id[chunk.paper_id].title)
            sentence_spans, chunk_spans = spans[chunk.paper_id]
            chunk_start = chunk_spans[position[chunk.id]][0]
            encoding = encodings[i]
            for t, ((a, _b), special) in enumerate(
                zip(encoding.offsets, encoding.special_tokens_mask, strict=True)
            ):
                if special:
                    continue
                if a < title_len:
                    row = len(sentence_spans)  # the title's row is last
                else:
                    where = chunk_start + a - (title_len + 1)
                    row = next((s for s, (x, y) in enumerate(sentence_spans) if x <= where < y), -1)
                    if row < 0:
                        continue
                sums[chunk.paper_id][row] += hidden[r, t]
                counts[chunk.paper_id][row] += 1
    rows_of: dict[str, np.ndarray] = {}
    empty = 0
    for paper in papers:
        pooled = _unit(sums[paper.id])
        missing = counts[paper.id] == 0
        empty += int(missing.sum())
        pooled[missing] = passed[paper.id].vectors[missing]  # truncated away: the sentence's own vector
        rows_of[paper.id] = pooled
    return direct, rows_of, empty


def retrieval(
    questions: list[Question], chunk_ids: list[str], vectors: np.ndarray, candidates: int, rrf_k: int
) -> dict[str, dict[str, float]]:
    """Mean dense and hybrid recall@10 and MRR per split (and 'all'), as the Searcher ranks papers."""
    scores: dict[str, dict[str, list[float]]] = {}
    for q in questions:
        sims = vectors @ q.vector
        top = np.argsort(-sims)[:candidates]
        dense = [p for p, _ in paper_ranking([(chunk_ids[i], float(sims[i])) for i in top])]
        hybrid = [p for p, _ in reciprocal_rank_fusion([q.keyword, dense], k=rrf_k)]
        gold = q.case.gold_ids
        for split in (q.split, "all"):
            bucket = scores.setdefault(split, {})
            for name, value in (
                ("dense R@10", recall_at_k(dense, gold, 10)),
                ("dense MRR", mrr(dense, gold)),
                ("hybrid R@10", recall_at_k(hybrid, gold, 10)),
                ("hybrid MRR", mrr(hybrid, gold)),
            ):
                if value is not None:
                    bucket.setdefault(name, []).append(value)
    return {s: {m: float(np.mean(v)) for m, v in b.items()} for s, b in scores.items()}


def _save_cache(
    path: Path, papers: Sequence[Paper], rows: dict[str, np.ndarray], passed: dict[str, PaperVectors]
) -> None:
    """Vectors in EvidenceSelector.save's layout, so its own load and rank score them."""
    meta = json.dumps([[_paper_key(p), passed[p.id].sentences] for p in papers])
    with path.open("wb") as handle:
        np.savez(handle, meta=np.array(meta), vectors=np.vstack([rows[p.id] for p in papers]))


def evidence(
    questions: list[Question],
    papers: dict[str, Paper],
    cache: Path,
    embedder: OnnxEmbedder,
    all_papers: list[Paper],
) -> tuple[dict[str, list[str]], float]:
    """The two evidence sentences chosen for each (question, gold paper), and the share of fact questions'
    key facts they state."""
    selector = EvidenceSelector(embedder)
    selector.fit_idf(all_papers)
    selector.load(cache)
    chosen: dict[str, list[str]] = {}
    facts_found, facts = 0, 0
    for q in questions:
        hits = [PaperHit(paper=papers[g], score=1.0) for g in q.case.gold_ids]
        ranked = selector.rank(q.case.case.question, hits)
        texts = []
        for item in ranked:
            chosen[f"{q.case.id}/{item.paper.id}"] = item.chosen(2)
            texts += item.chosen(2)
        if q.case.type == "fact":
            joined = " ".join(texts)
            facts += len(q.case.case.key_facts)
            facts_found += sum(fact_present(joined, f) for f in q.case.case.key_facts)
    return chosen, facts_found / max(facts, 1)


def main() -> None:
    settings = Settings()
    started = time.perf_counter()
    papers = merge_papers([parse_path(f) for f in discover_files([BUNDLED_CORPUS])])
    by_id = {p.id: p for p in papers}
    chunks = chunk_papers(papers, settings.chunking)
    embedder = OnnxEmbedder(settings.embedding)
    with EmbedderPool(settings.embedding) as pool:
        passed = {v.paper_id: v for v in embed_papers(papers, chunks, pool, method="pooled")}
    direct, token_rows, truncated = token_state_pass(papers, chunks, passed, embedder)
    today_chunks = embedder.embed([embedding_text(by_id[c.paper_id], c.text) for c in chunks])
    state_deviation = float(np.abs(today_chunks - direct).max())
    direct = today_chunks

    titles = index_papers_by_title(papers)
    questions: list[Question] = []
    chunks_of: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        chunks_of.setdefault(chunk.paper_id, []).append(chunk)
    # the keyword side, the same for every row: one bm25s index over what the ingest indexes (its
    # segments score exactly as one index does, rag/indexing/keyword.py)
    keyword = Bm25sIndex([c.id for c in chunks], [embedding_text(by_id[c.paper_id], c.text) for c in chunks])
    for name in QUESTION_FILES:
        cases = [c for c in resolve_titles(load_cases(PROJECT_ROOT / "eval" / name), titles) if c.gold_ids]
        vectors = embedder.embed([c.case.question for c in cases])
        for case, vector in zip(cases, vectors, strict=True):
            hits = keyword.query(case.case.question, settings.retrieval.candidates)
            questions.append(Question(name, case, vector, [p for p, _ in paper_ranking(hits)]))

    chunk_ids = [c.id for c in chunks]
    position = {c.id: i for i, c in enumerate(chunks)}
    sets: dict[str, np.ndarray] = {"direct: title + chunk embedded (today)": direct}
    for label, options in VARIANTS.items():
        pooled = np.empty_like(direct)
        for paper in papers:
            v = passed[paper.id]
            own = chunks_of[paper.id]
            weights = chunk_sentence_weights(paper, v.sentences, [c.text for c in own])
            own_rows = pool_chunks(v.vectors, v.tokens, weights, **options)  # type: ignore[arg-type]
            pooled[[position[c.id] for c in own]] = own_rows
        sets[label] = pooled
    default = np.vstack([passed[p.id].chunk_vectors for p in papers])
    order = [position[i] for p in papers for i in passed[p.id].chunk_ids]
    assert np.allclose(default, sets[next(iter(VARIANTS))][order], atol=1e-6), "embed_papers != its default"

    n, k = settings.retrieval.candidates, settings.retrieval.rrf_k
    rows: list[list[object]] = []
    for label, vectors in sets.items():
        cos = (vectors * direct).sum(1)
        result = retrieval(questions, chunk_ids, vectors, n, k)
        for split in (*QUESTION_FILES, "all"):
            m = result[split]
            count = sum(1 for q in questions if q.split == split) if split != "all" else len(questions)
            rows.append(
                [
                    label,
                    split,
                    count,
                    round(m["dense R@10"], 3),
                    round(m["dense MRR"], 3),
                    round(m["hybrid R@10"], 3),
                    round(m["hybrid MRR"], 3),
                    f"{cos.mean():.3f} / {cos.min():.3f}" if split == "all" else "",
                ]
            )

    # evidence: today's selector vectors vs the pass's; and token-state sentence vectors
    fresh = EvidenceSelector(embedder)
    today = fresh.sentences(papers)
    deviation = max(
        float(np.abs(t[1] - passed[p.id].vectors).max()) for p, t in zip(papers, today, strict=True)
    )
    same_text = all(t[0] == passed[p.id].sentences for p, t in zip(papers, today, strict=True))
    cos_tokens = np.concatenate([(token_rows[p.id] * passed[p.id].vectors).sum(1) for p in papers])
    with tempfile.TemporaryDirectory() as tmp:
        a_path, b_path = Path(tmp) / "a.npz", Path(tmp) / "b.npz"
        _save_cache(a_path, papers, {p.id: passed[p.id].vectors for p in papers}, passed)
        _save_cache(b_path, papers, token_rows, passed)
        chosen_a, facts_a = evidence(questions, by_id, a_path, embedder, papers)
        chosen_b, facts_b = evidence(questions, by_id, b_path, embedder, papers)
    agree = np.mean([set(chosen_a[key]) == set(chosen_b[key]) for key in chosen_a])
    n_sentences = sum(len(v.sentences) for v in passed.values())

    load = os.getloadavg()
    text = "# One embedding pass: pooled chunk vectors vs directly embedded ones\n\n"
    text += (
        f"Bundled corpus: {len(papers)} papers, {len(chunks)} chunks, {n_sentences} evidence sentences + "
        f"{len(papers)} titles. Questions with gold papers: {len(questions)} "
        f"({', '.join(f'{s}: {sum(q.split == s for q in questions)}' for s in QUESTION_FILES)}). "
        f"Dense: top {n} chunks by cosine (exact, in memory), ranked by paper as the Searcher does; hybrid: "
        f"reciprocal-rank fusion (k={k}) with one bm25s keyword ranking, the same for every row. "
        "Cosine: of each chunk's vector with its directly embedded one, mean / min.\n\n"
    )
    text += table(
        [
            "chunk vectors",
            "questions",
            "n",
            "dense R@10",
            "dense MRR",
            "hybrid R@10",
            "hybrid MRR",
            "cos mean / min",
        ],
        rows,
    )
    text += "\n\n## Evidence\n\n"
    text += (
        f"- The pass's sentences are the evidence selector's own: identical texts for every paper: "
        f"{same_text}; largest difference of a vector component from what EvidenceSelector.sentences "
        f"embeds today: {deviation:.2g}. Evidence quality is unchanged by construction.\n"
        f"- The alternative, sentence vectors mean-pooled from the chunks' token states (one forward pass "
        f"over 'title\\nchunk', tokens split by sentence; {truncated} sentences truncated away fall back to "
        f"their own vector): cosine with the independently embedded sentence vectors mean "
        f"{cos_tokens.mean():.3f}, 5th percentile {np.percentile(cos_tokens, 5):.3f}, "
        f"min {cos_tokens.min():.3f}. "
        f"The two evidence sentences chosen per (question, gold paper) are the same set in "
        f"{agree:.1%} of {len(chosen_a)} cases; key facts of fact questions stated by the chosen sentences: "
        f"{facts_a:.3f} (sentences embedded alone) vs {facts_b:.3f} (token states). Its chunk vectors are "
        f"today's (the same forward pass; largest component difference from today's {state_deviation:.2g}), "
        "so its retrieval is the first row.\n"
        "- End to end, the answer eval with each method's evidence vectors: bench/results/one-pass-eval.md "
        "(`python -m bench.one_pass_eval`).\n"
    )
    text += (
        f"\nRun: `.venv/bin/python -m bench.one_pass_bench` ({time.perf_counter() - started:.0f} s, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores at the end).\n"
    )
    print(text)
    print(f"written to {write_result('one-pass', text)}")


if __name__ == "__main__":
    main()
