"""Evidence selection: the few sentences of each retrieved abstract that bear on the question.

Answerers see these sentences instead of whole abstracts: prompts stay small, and every claim can be checked
against exactly what the answerer was shown. A sentence scores by meaning (cosine with the question) plus
word overlap (stemmed content words), so "regret lower bound" beats a sentence that is merely on-topic;
a question asking for a number favours sentences that contain one.

The sentence vectors come from the ingest's one embedding pass, stored in the catalog
(rag/indexing/ingest.py); only papers without stored rows (an index written before that pass) are
embedded here, and cached in evidence-vectors.npz.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import Field

from rag.indexing.embedder import OnnxEmbedder
from rag.io import atomic_writer
from rag.models import Paper, PaperHit, Record

# words that never end a sentence although a period follows them
_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "al",
    "etc",
    "vs",
    "cf",
    "fig",
    "figs",
    "eq",
    "eqs",
    "sec",
    "resp",
    "approx",
    "w.r.t",
    "wrt",
    "no",
    "nos",
    "ref",
    "refs",
    "dr",
    "mr",
    "ms",
    "prof",
    "st",
    "viz",
    "ca",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9$\\])")
_STOPWORDS = _words(
    "a about above after again against all also am an and any are as at be because been before being "
    "below between both but by can could did do does doing done down during each few for from "
    "further had has have having he her here hers him his how i if in into is it its itself just let "
    "me more most my no nor not now of off on once only or other our ours out over own paper papers "
    "same she should so some study studies such than that the their theirs them then there these "
    "they this those through to too under until up very was we were what when where which while who "
    "whom why will with would you your work works show shows propose proposes use uses using used "
    "based method methods approach approaches model models new novel collection article articles "
    "research find list give tell explain describe"
)

# what kind of number a question asks for, and sentences that state one
_ASKS_PERCENT = re.compile(
    r"\b(accura\w*|percent\w*|precision|recall|f1|auc|success rate|error rate|win rate|share|fraction|"
    r"proportion)\b|%",
    re.I,
)
_ASKS_COUNT = re.compile(
    r"\b(how (many|much|large|big|long|fast|often|close)|number of|size of|by how)\b"
    r"|^\s*what\b.*\b(achieve[sd]?|reach(es|ed)?|attain(s|ed)?|obtain(s|ed)?|score[sd]?|report(s|ed)?)\b",
    re.I,
)
_STATES_PERCENT = re.compile(r"\d\s*%|\d\s*percent\b", re.I)
_STATES_NUMBER = re.compile(r"(?<![\w/.])\d[\d,.]*\s*(%|[kKMB]\b|x\b|×)?")

# sentence score = meaning + shared words + shared word pairs ("regret lower bound" beats "lower bound")
SEMANTIC_WEIGHT, WORD_WEIGHT, PAIR_WEIGHT = 0.6, 0.25, 0.15
# a sentence stating the kind of number asked for moves ahead when its cosine is this close to the best one
ANSWER_TYPE_MARGIN = 0.3


def split_sentences(text: str) -> list[str]:
    """Sentences of an abstract, keeping 'e.g.', 'et al.', 'w.r.t.' and decimals inside their sentence."""
    text = " ".join(text.split())
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        head = text[start : match.start()].rstrip("\"')]")
        last_word = head.rsplit(" ", 1)[-1].rstrip(".!?").lower().lstrip("(")
        if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word):
            continue  # "et al. (2023)", "i.e. the", single initials such as "J. Smith"
        sentences.append(text[start : match.start()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def content_terms(text: str) -> list[str]:
    """Stemmed content words in order: what word and word-pair overlap compare."""
    words = [w for w in re.findall(r"[a-z][a-z0-9\-]+", text.lower()) if w not in _STOPWORDS and len(w) > 2]
    return list(_stemmer().stemWords(words))


def _pairs(terms: list[str]) -> set[tuple[str, str]]:
    return set(zip(terms, terms[1:], strict=False))


def answer_type(question: str) -> str | None:
    """'percent' or 'count' when the question asks for a number, else None."""
    if _ASKS_PERCENT.search(question):
        return "percent"
    return "count" if _ASKS_COUNT.search(question) else None


def states_answer_type(sentence: str, kind: str | None) -> bool:
    if kind == "percent":
        return bool(_STATES_PERCENT.search(sentence))
    if kind == "count":
        numbers = (m.group(0).strip() for m in _STATES_NUMBER.finditer(sentence))
        return any(not re.fullmatch(r"(19|20)\d\d", n) for n in numbers)
    return False


class _Query:
    """A question prepared once for scoring many sentences."""

    def __init__(self, question: str, vector: np.ndarray, idf: dict[str, float] | None = None) -> None:
        self.vector = vector
        terms = content_terms(question)
        self.terms, self.pairs = set(terms), _pairs(terms)
        self.kind = answer_type(question)
        # rare words weigh more: "regret" says more about a sentence than "prove"
        top = max(idf.values(), default=1.0) if idf else 1.0
        self.weight = {t: (idf or {}).get(t, top) for t in self.terms}
        self.total = sum(self.weight.values())

    def score(self, text: str, similarity: float) -> float:
        terms = content_terms(text)
        words = sum(self.weight[t] for t in self.terms & set(terms)) / self.total if self.terms else 0.0
        pairs = len(self.pairs & _pairs(terms)) / len(self.pairs) if self.pairs else words
        return SEMANTIC_WEIGHT * similarity + WORD_WEIGHT * words + PAIR_WEIGHT * pairs


@dataclass(frozen=True)
class Vocabulary:
    """How many papers of the collection use each stemmed content word (what makes a word specific)."""

    doc_freq: dict[str, int] = field(default_factory=dict)
    n_papers: int = 0
    idf: dict[str, float] = field(default_factory=dict)
    term_freq: dict[str, int] = field(default_factory=dict)  # occurrences over all papers


class ScoredSentence(Record):
    text: str
    position: int = Field(description="Index of the sentence in its abstract.")
    score: float = Field(description="Combined score: cosine + word overlap (+ number bonus).")
    similarity: float = Field(description="Cosine similarity with the question alone.")


class Evidence(Record):
    """One retrieved paper with its sentences ranked for a question."""

    paper: Paper
    hit_score: float = 0.0
    dense_similarity: float | None = None
    ranked: list[ScoredSentence] = Field(default_factory=list, description="Best first.")
    title_similarity: float = 0.0

    @property
    def best(self) -> float:
        """How well the paper's best sentence (or its title) answers the question."""
        top = max((s.score for s in self.ranked), default=0.0)
        return max(top, self.title_similarity)

    def chosen(self, k: int) -> list[str]:
        """The k best sentences, in the abstract's own order so they still read naturally."""
        return [s.text for s in sorted(self.ranked[:k], key=lambda s: s.position)]


# paper ids -> the stored sentence rows (position, text, float32 bytes; the title last) of those that have
StoredRows = Callable[[Sequence[str]], Mapping[str, list[tuple[int, str, bytes]]]]


def paper_sentences(paper: Paper) -> list[str]:
    """The sentences evidence is chosen from: the abstract's, or the abstract (or title) whole."""
    return split_sentences(paper.abstract) or [paper.abstract or paper.title]


def _paper_key(paper: Paper) -> str:
    """Stable across processes (unlike hash()), and new whenever the title or abstract changes."""
    digest = hashlib.sha256(f"{paper.title}\n{paper.abstract}".encode()).hexdigest()[:16]
    return f"{paper.id}:{digest}"


class EvidenceSelector:
    """Scores abstract sentences against a question; sentence vectors are cached per paper (thread-safe).

    `stored` reads the vectors the ingest stored (the catalog's sentence_vectors), on demand; a paper
    without stored rows, or whose rows are not of its current sentences, is embedded. Saved beside the
    index (`save`), the vectors embedded here let a new process answer its first question as fast.
    """

    def __init__(
        self, embedder: OnnxEmbedder, cache_size: int = 20_000, stored: StoredRows | None = None
    ) -> None:
        self.embedder = embedder
        self.stored = stored
        self.embedded_papers = 0  # papers whose sentences this selector embedded (not read from `stored`)
        self._cache: dict[str, tuple[list[str], np.ndarray]] = {}
        self._by_text: dict[str, np.ndarray] = {}
        self.idf: dict[str, float] = {}
        self.doc_freq: dict[str, int] = {}
        self.term_freq: dict[str, int] = {}
        self.n_papers = 0
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def fit_idf(self, papers: Sequence[Paper]) -> None:
        """Inverse document frequencies of content words over the collection (for word-overlap weights)."""
        counts: dict[str, int] = {}
        occurrences: dict[str, int] = {}
        for paper in papers:
            text = f"{paper.title} {paper.abstract}"
            split = content_terms(text.replace("-", " "))  # "gait-video" is also "gait" and "video"
            for term in split:
                occurrences[term] = occurrences.get(term, 0) + 1
            for term in set(content_terms(text)) | set(split):
                counts[term] = counts.get(term, 0) + 1
        n = max(len(papers), 1)
        self.idf = {t: float(np.log(1 + n / c)) for t, c in counts.items()}
        self.doc_freq, self.n_papers, self.term_freq = counts, len(papers), occurrences

    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.doc_freq, self.n_papers, self.idf, self.term_freq)

    def sentences(self, papers: Sequence[Paper]) -> list[tuple[list[str], np.ndarray]]:
        """(sentences, vectors) for each paper, the title as the last row: cached, else stored, else
        embedded now."""
        keys = [_paper_key(p) for p in papers]
        with self._lock:
            have = {k: self._cache[k] for k in keys if k in self._cache}
        missing = list({k: p for k, p in zip(keys, papers, strict=True) if k not in have}.items())
        found = self._read_stored([p for _, p in missing]) if missing and self.stored is not None else {}
        entries = [(key, paper, *found[key]) for key, paper in missing if key in found]
        todo = [(key, paper) for key, paper in missing if key not in found]
        if todo:
            split = [paper_sentences(p) for _, p in todo]
            flat = [s for sents, (_, p) in zip(split, todo, strict=True) for s in [*sents, p.title]]
            vectors = self.embedder.embed(flat)
            offset = 0
            for sents, (key, paper) in zip(split, todo, strict=True):
                entries.append((key, paper, sents, vectors[offset : offset + len(sents) + 1]))
                offset += len(sents) + 1
        with self._lock:
            self.embedded_papers += len(todo)
            if len(self._cache) + len(entries) > self._cache_size:
                self._cache.clear()
                self._by_text.clear()
            for key, paper, sents, rows in entries:
                have[key] = self._cache[key] = (sents, rows)
                self._by_text.update(zip([*sents, paper.title], rows, strict=True))
        return [have[k] for k in keys]

    def _read_stored(self, papers: Sequence[Paper]) -> dict[str, tuple[list[str], np.ndarray]]:
        """key -> (sentences, vectors) of the papers whose stored rows are their current sentences."""
        assert self.stored is not None
        rows = self.stored(sorted({p.id for p in papers}))
        found: dict[str, tuple[list[str], np.ndarray]] = {}
        for paper in papers:
            own = rows.get(paper.id)
            sents = paper_sentences(paper)
            if not own or [text for _, text, _ in own] != [*sents, paper.title]:
                continue  # none stored, or of another text (a catalog written while this one was read)
            vectors = np.frombuffer(b"".join(vector for _, _, vector in own), dtype=np.float32)
            if vectors.size != len(own) * self.embedder.dimension:
                continue
            found[_paper_key(paper)] = (sents, vectors.reshape(len(own), -1))
        return found

    def missing(self, papers: Sequence[Paper]) -> bool:
        with self._lock:
            return any(_paper_key(p) not in self._cache for p in papers)

    def prepare(self, papers: Sequence[Paper], batch: int = 32, stop: threading.Event | None = None) -> int:
        """Embed the sentences of uncached papers without stored rows, batch by batch until `stop` is set;
        returns how many papers were embedded."""
        with self._lock:
            missing = [p for p in papers if _paper_key(p) not in self._cache]
            before = self.embedded_papers
        for start in range(0, len(missing), batch):
            if stop is not None and stop.is_set():
                break
            self.sentences(missing[start : start + batch])
        with self._lock:
            return self.embedded_papers - before

    def save(self, path: Path, papers: Sequence[Paper]) -> None:
        """Write the cached vectors of these papers (others are dropped), atomically."""
        with self._lock:
            entries = [(k, self._cache[k]) for k in map(_paper_key, papers) if k in self._cache]
        if not entries:
            return
        meta = json.dumps([[k, sents] for k, (sents, _) in entries])
        vectors = np.vstack([rows for _, (_, rows) in entries]).astype(np.float32)
        with atomic_writer(path, "wb") as handle:
            np.savez(handle, meta=np.array(meta), vectors=vectors)

    def load(self, path: Path) -> int:
        """Read vectors saved by `save`; returns the number of papers loaded (0 without a usable file)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                vectors = data["vectors"]
        except (OSError, ValueError, KeyError):
            return 0
        if vectors.ndim != 2 or vectors.shape[1] != self.embedder.dimension:
            return 0
        offset = 0
        with self._lock:
            for key, sents in meta:
                rows = vectors[offset : offset + len(sents) + 1]
                offset += len(sents) + 1
                self._cache[key] = (sents, rows)
                self._by_text.update(zip(sents, rows, strict=False))
        return len(meta)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for texts, reusing those of sentences already embedded (citation checks need both)."""
        with self._lock:
            known = {t: self._by_text[t] for t in texts if t in self._by_text}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        if todo:
            known.update(zip(todo, self.embedder.embed(todo), strict=True))
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.vstack([known[t] for t in texts])

    def rank(self, question: str, hits: Sequence[PaperHit]) -> list[Evidence]:
        """Every hit with its sentences ranked for the question, in the hits' order."""
        if not hits:
            return []
        query = _Query(question, self.embedder.embed_one(question), self.idf)
        result = []
        for hit, (sents, vectors) in zip(hits, self.sentences([h.paper for h in hits]), strict=True):
            sims = vectors @ query.vector
            scored = [
                ScoredSentence(
                    text=t, position=i, score=query.score(t, float(sims[i])), similarity=float(sims[i])
                )
                for i, t in enumerate(sents)
            ]
            scored.sort(key=lambda s: -s.score)
            if query.kind and scored:
                # "What accuracy ...?": among the sentences close to the best, those stating a number of the
                # asked kind come first; the best one otherwise restates the paper's subject
                near = max(s.similarity for s in scored) - ANSWER_TYPE_MARGIN
                kind = query.kind
                scored.sort(key=lambda s: not (s.similarity >= near and states_answer_type(s.text, kind)))
            title = query.score(hit.paper.title, float(sims[-1]))
            result.append(
                Evidence(
                    paper=hit.paper,
                    hit_score=hit.score,
                    ranked=scored,
                    title_similarity=title,
                    dense_similarity=hit.dense_similarity,
                )
            )
        return result


_IDENTIFIER = re.compile(r"(?<![\w-])(?=[\w-]*[A-Z][\w-]*[A-Z]|[A-Za-z][\w-]*\d)[A-Za-z][\w-]*[\w](?![\w-])")


def identifiers(text: str) -> set[str]:
    """Names such as 'GAVD', 'LoRA', 'EEG', 'Llama3-70B': tokens with two capitals or letters and digits."""
    return {m.group(0) for m in _IDENTIFIER.finditer(text)}


def rare_identifier_match(
    question: str, papers: Sequence[Paper], candidates: Sequence[Paper], max_papers: int = 3
) -> set[str]:
    """Identifiers of the question found verbatim in a candidate paper yet in at most `max_papers` papers.

    The embedding model does not know acronyms ("What accuracy does GAVD reach?" scores low), so a rare exact
    name shared with a retrieved paper also counts as the collection covering the question.
    """
    names = identifiers(question)
    if not names:
        return set()
    pattern = {n: re.compile(rf"(?<![\w-]){re.escape(n)}(?![\w-])") for n in names}
    texts = [f"{p.title}\n{p.abstract}" for p in candidates]
    found = {n for n, rx in pattern.items() if any(rx.search(t) for t in texts)}
    counts = {n: sum(1 for p in papers if pattern[n].search(f"{p.title}\n{p.abstract}")) for n in found}
    return {n for n in found if counts[n] <= max_papers}


def _squashed(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def unmentioned_versions(question: str, candidates: Sequence[Paper]) -> list[str]:
    """Names with a version or size in the question ('Llama3-70B', 'GPT-4') that no candidate mentions.

    A fact about a model or version the papers never name is not in the collection, however close the
    papers are otherwise ("What speed-up does FireQ report on Llama3-70B?" when it reports Llama3-8B).
    Compared without case, spaces or hyphens, so 'GPT 4' matches 'GPT-4'.
    """
    texts = _squashed(" ".join(f"{p.title} {p.abstract}" for p in candidates))
    names = sorted(n for n in identifiers(question) if re.search(r"\d", n))
    return [n for n in names if _squashed(n) not in texts]
