"""The Assistant: question -> filters -> hybrid retrieval -> evidence -> answer -> citation check -> Answer.

One object per app (UI, CLI, eval): it holds the index, the searcher, cached sentence vectors and loaded
models. `stream` yields TextDelta pieces as the answer is written and ends with exactly one Answer, whose
text is the verified one (invalid citation markers removed), so a UI should show the final text at the end.
"""

from __future__ import annotations

import atexit
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from rag.answering.conversation import ResolvedQuestion, accept_condensed, resolve
from rag.answering.evidence import (
    Evidence,
    EvidenceSelector,
    rare_identifier_match,
    unmentioned_versions,
)
from rag.answering.extractive import (
    Composition,
    compose,
    compose_listing,
    describe_filters,
    question_kind,
)
from rag.answering.facets import FacetJudge, describe_lack
from rag.answering.llm import BackendUnavailable, ChatLLM, Choice, choose, probe_ollama
from rag.answering.llm_judge import LLMJudge, default_cache_dir
from rag.answering.markers import find_markers, strip_markers
from rag.answering.prompts import answer_messages, condense_messages
from rag.answering.verify import verify
from rag.collection import CollectionQuery, parse_collection_query, run_query
from rag.collection.fields import FieldQuestion, compose_field_answer, parse_field_question
from rag.collection.llm_parse import parse_with_llm
from rag.collection.render import compose_collection_answer, distribution_of
from rag.indexing.catalog import CatalogDB
from rag.indexing.index import IngestReport, PaperIndex
from rag.models import (
    Answer,
    Citation,
    Paper,
    PaperHit,
    PaperVerdict,
    Record,
    SearchFilters,
    Source,
    TextDelta,
    Timings,
    Turn,
)
from rag.retrieval.filters import matches
from rag.retrieval.search import Searcher
from rag.settings import Settings

# a small model may still decline although the pipeline found papers that answer: caught, not shown
_REFUSAL = re.compile(
    r"^\W*(the\s+collection\s+does\s+not\s+cover|(the\s+)?(provided\s+|given\s+)?papers?\s+(do|does)\s+not"
    r"|i\s+(cannot|can't|could\s+not|don't|do\s+not)|there\s+is\s+no\s+(information|paper|mention)"
    r"|no\s+(paper|information)\b|none\s+of\s+the\s+papers)",
    re.I,
)
# the data block's delimiters in a reply: the model copied its prompt instead of answering
_ECHO = re.compile(r"</?\s*papers\s*>", re.I)


def _failed_reply(text: str) -> str | None:
    """Why a model's reply cannot stand as the answer, or None when it can."""
    if len(re.findall(r"[A-Za-z]{2,}", strip_markers(text))) < 3:
        return "wrote no answer"
    if _REFUSAL.search(text):
        return "declined"
    if _ECHO.search(text):
        return "repeated its prompt"
    return None if find_markers(text) else "cited nothing"


NOT_COVERED_EXTRACTIVE = (
    "The collection does not seem to cover this question: no paper is close enough to "
    "answer it (the nearest ones are listed)."
)
NEAREST = 3
RELATED_MAX = 3  # tier-2 papers shown under a list ("may also be relevant"); 0 and 8 did worse (tuning)
SIMILAR_MARGIN = 0.08  # a list without salient conditions: papers this close to the closest one
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class BackendStatus(Record):
    backend: str  # the backend `auto` resolves to now
    model: str | None = None
    ollama_reachable: bool = False
    ollama_model_present: bool = False
    message: str = ""


class _Run:
    """Mutable state of one answer while it is produced."""

    def __init__(self, question: str, started: float) -> None:
        self.question, self.started = question, started
        self.notices: list[str] = []
        self.facets: list[str] = []
        self.verdicts: list[PaperVerdict] = []
        self.unmentioned: list[str] = []  # names of the question no candidate paper mentions
        self.related: list[PaperHit] = []  # tier 2 of a list question
        self.fell_back = False
        self.first_token: float | None = None
        self.retrieval = 0.0

    def delta(self, text: str) -> TextDelta:
        if self.first_token is None:
            self.first_token = time.perf_counter() - self.started
        return TextDelta(text=text)


class Assistant:
    """Answers questions over one index. Thread-safe: the UI may call it from several workers at once."""

    def __init__(self, settings: Settings, index: PaperIndex, llm: ChatLLM | None = None) -> None:
        """Built by `rag.assemble.open_assistant`, which also owns first-use ingest and the evidence cache."""
        self.settings = settings
        self.index = index
        self.searcher = Searcher(index)
        self._catalog: CatalogDB | None = None  # read for the sentence vectors the ingest stored
        self.selector = EvidenceSelector(index.embedder, stored=self._stored_sentences)
        self.judge = FacetJudge(
            self.selector.embed,
            self.selector.sentences,
            self.selector.vocabulary,
            settings.answer.facet_threshold,
        )
        # vectors this process embedded for papers the catalog has none for (an index built before the
        # one-pass ingest); an index whose papers all have them never writes this file
        self.evidence_file = index.settings.index_dir / "evidence-vectors.npz"
        if self.evidence_file.exists():
            self.selector.load(self.evidence_file)
        # models kept between requests by backend name (an injected one, a loaded GGUF)
        self._llms: dict[str, ChatLLM] = {llm.backend: llm} if llm is not None else {}
        self._lock = threading.Lock()
        self._judges: dict[str, LLMJudge] = {}
        self._idf_papers = -1
        self._category_names: list[str] = []

    def ingest(
        self, paths: Sequence[Path], *, replace: bool = False, progress: bool | None = None
    ) -> IngestReport:
        """Bring the index up to date with these sources, then the evidence vectors with the index."""
        report = self.index.ingest(list(paths), replace=replace, progress=progress)
        self.prepare_evidence()
        return report

    def reindex(self) -> IngestReport:
        """Read the registered sources again (the Status tab's button): only what changed is embedded."""
        return self.ingest([], progress=False)

    def _stored_sentences(self, paper_ids: Sequence[str]) -> Mapping[str, list[tuple[int, str, bytes]]]:
        """The catalog's sentence vectors of these papers (its own connection sees every later commit)."""
        if self._catalog is None:
            self._catalog = CatalogDB.open(self.index.catalog_path)
        return self._catalog.sentence_vectors(paper_ids) if self._catalog is not None else {}

    def _without_stored_sentences(self) -> list[Paper]:
        """Papers the catalog has no sentence vectors for: written by a version before the one-pass ingest."""
        if self._catalog is None:
            self._catalog = CatalogDB.open(self.index.catalog_path)
        ids = self._catalog.papers_without_sentences() if self._catalog is not None else []
        return [self.index.papers[i] for i in ids if i in self.index.papers]

    def needs_evidence(self) -> bool:
        """Some paper's sentences are neither stored by the ingest nor embedded yet (an older index)."""
        return self.selector.missing(self._without_stored_sentences())

    def prepare_evidence(self, stop: threading.Event | None = None) -> int:
        """Embed the sentences of the papers the ingest stored none for (an index built before the one-pass
        ingest) and save them beside the index; returns how many papers needed it, 0 for a new index.

        Without this, the first question about such a paper pays for embedding its sentences (about a
        second for a list question over a dozen papers on two cores).
        """
        papers = self._without_stored_sentences()
        added = self.selector.prepare(papers, stop=stop)
        if added:
            self.selector.save(self.evidence_file, papers)
        return added

    def prepare_evidence_in_background(self) -> threading.Thread:
        """prepare_evidence on a thread that is stopped and joined at interpreter exit.

        A daemon thread still inside onnxruntime when Python finalizes is killed by pthread_exit, which
        unwinds through C++ frames and aborts the process; stopping between batches and joining avoids that.
        """
        stop = threading.Event()
        worker = threading.Thread(
            target=self.prepare_evidence, args=(stop,), name="prepare-evidence", daemon=True
        )

        def finish() -> None:
            stop.set()
            worker.join()

        atexit.register(finish)
        worker.start()
        return worker

    # --- backends -----------------------------------------------------------------------------------------

    def choose(self, requested: str | None = None) -> Choice:
        """Who answers a request (see `rag.answering.llm.choose`); a loaded GGUF is kept for the next one."""
        with self._lock:
            return choose(self.settings, requested or self.settings.answer.backend, self._llms)

    def backend_status(self) -> BackendStatus:
        probe = probe_ollama(self.settings.ollama)
        llm, notice = self.choose("auto")
        if llm is None:
            return BackendStatus(
                backend="extractive",
                ollama_reachable=probe.reachable,
                ollama_model_present=probe.model_present,
                message=notice or "Evidence-only answers.",
            )
        return BackendStatus(
            backend=llm.backend,
            model=llm.model,
            ollama_reachable=probe.reachable,
            ollama_model_present=probe.model_present,
            message=f"Answers written by {llm.model} ({llm.backend}).",
        )

    # --- answering ----------------------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: list[Turn] | None = None,
        filters: SearchFilters | None = None,
        backend: str | None = None,
    ) -> Answer:
        for item in self.stream(question, history, filters, backend):
            if isinstance(item, Answer):
                return item
        raise RuntimeError("the answer stream ended without an Answer")  # not reached

    def stream(
        self,
        question: str,
        history: list[Turn] | None = None,
        filters: SearchFilters | None = None,
        backend: str | None = None,
    ) -> Iterator[TextDelta | Answer]:
        """Text deltas, then exactly one Answer. Raises ValueError for an empty question or unknown backend,
        BackendUnavailable when an explicitly requested backend cannot answer."""
        run = _Run("", time.perf_counter())
        run.question = self._clean(question, run)
        llm, notice = self.choose(backend)
        if notice:
            run.notices.append(notice)
        resolved = resolve(run.question, history, filters)
        standalone = resolved.search_query if resolved.followup else None
        if llm is not None and resolved.followup and history and not resolved.listing:
            try:
                standalone = self._condense(llm, run.question, history) or standalone
            except BackendUnavailable as exc:
                self._fall_back(exc, backend, run)
                llm = None
        query = standalone or resolved.search_query

        t0 = time.perf_counter()
        self.refresh_vocabulary()
        collection_query = (
            None
            if resolved.followup
            else parse_collection_query(run.question, self._category_names, self.index.papers.values())
        )
        if collection_query is not None:  # the query holds the question's own filters; these are the app's
            if llm is not None and self._collection_parser(llm) == "llm":
                parsed = parse_with_llm(run.question, collection_query, llm, self.index.papers.values())
                collection_query = parsed.query
                if parsed.notice:
                    run.notices.append(parsed.notice)
            yield from self._collection(collection_query, filters, run)
            return
        field_question = None if resolved.followup else parse_field_question(run.question)
        if field_question is not None:
            yield from self._field(field_question, resolved.filters, run, standalone)
            return
        if resolved.listing:
            yield from self._listing(resolved, run, standalone)
            return
        kind = question_kind(run.question)
        answer = self.settings.answer
        hits = self.searcher.search(
            query, k=max(answer.screen_pool, 2 * answer.max_sources), filters=resolved.filters
        )
        qualifying = (
            self._screen(query, hits, run, llm) if kind == "list" else self._covered(run.question, hits, run)
        )
        run.retrieval = time.perf_counter() - t0
        if not qualifying and not run.related:
            yield from self._abstain(run, hits, resolved, standalone)
            return
        # a list names every paper that qualifies; a fact answer leads with the best of them
        evidence = self._evidence(
            query, qualifying if kind == "list" else qualifying[: answer.max_sources], run
        )
        related = self._evidence(query, run.related, run) if kind == "list" else []
        lacks = {v.paper_id: v.lacks(answer.facet_threshold) for v in run.verdicts}

        # the evidence answer: what is shown without a model, and instead of a model's failed reply
        composition = compose(
            run.question, evidence, answer.evidence_sentences, kind, judged=True, related=related, lacks=lacks
        )
        if llm is not None and kind != "list":  # a list is exactly the judged papers: composed, not written
            chosen = evidence[: min(answer.llm_sources, answer.max_sources)]
            sources = [
                Source(
                    n=i,
                    paper_id=e.paper.id,
                    title=e.paper.title,
                    evidence=e.chosen(self.settings.answer.evidence_sentences),
                )
                for i, e in enumerate(chosen, start=1)
            ]
            try:
                yield from self._generate(llm, query, sources, composition, run, standalone)
                return
            except BackendUnavailable as exc:
                self._fall_back(exc, backend, run)
        yield from self._emit(run, composition, "extractive", None, None, standalone)

    def _collection_parser(self, llm: ChatLLM) -> str:
        """Who writes a metadata question's query on this backend (answer.collection_parser_*)."""
        answer = self.settings.answer
        return {"llamacpp": answer.collection_parser_llamacpp, "ollama": answer.collection_parser_ollama}.get(
            llm.backend, "rules"
        )

    def _collection(
        self, query: CollectionQuery, filters: SearchFilters | None, run: _Run
    ) -> Iterator[TextDelta | Answer]:
        """A question about the collection itself: run its query exactly over the catalog.

        A topic part ("KAN papers from 2024 and 2025") is screened like a list question: the papers that
        meet every facet of the topic. Counts, extremes and groups are computed, never written by a model.
        """
        t0 = time.perf_counter()
        topic: set[str] | None = None
        if query.topic:
            hits = self.searcher.search(query.topic, k=self.settings.answer.screen_pool)
            topic = {h.paper.id for h in self._screen(query.topic, hits, run)}
        papers: list[Paper] = list(self.index.papers.values())
        if filters is not None and not filters.is_empty():  # the app's filter controls narrow the catalog
            papers = [p for p in papers if matches(p, filters)]
        result = run_query(query, papers, topic)
        run.retrieval = time.perf_counter() - t0
        composition = compose_collection_answer(query, result, self.index.papers)
        if not result.paper_ids and query.aggregate != "count":
            yield run.delta(composition.text)
            yield self._abstained(run, [], None, "extractive", None, composition.text, None)
            return
        distribution = distribution_of(query, result)  # the app draws it as a chart
        for item in self._emit(run, composition, "extractive", None, None, None):
            yield item.model_copy(update={"distribution": distribution}) if isinstance(item, Answer) else item

    def _field(
        self, asked: FieldQuestion, filters: SearchFilters | None, run: _Run, standalone: str | None
    ) -> Iterator[TextDelta | Answer]:
        """A field of one named paper ("who wrote the paper on ...?"): its listing, or a decline when no
        paper is close enough to the name. Never a general answer: abstracts do not list authors or dates."""
        t0 = time.perf_counter()
        named = self.searcher.search(asked.reference, k=NEAREST + 2, filters=filters)
        run.retrieval = time.perf_counter() - t0
        if not self._covers(asked.reference, named):
            text = (
                f"No paper in the collection matches “{asked.reference}” closely enough to answer this "
                "(the nearest ones are listed)."
            )
            yield run.delta(text)
            yield self._abstained(run, named, standalone, "extractive", None, text, None)
            return
        composition = compose_field_answer(asked, named[0].paper)
        yield from self._emit(run, composition, "extractive", None, None, standalone)

    def _screen(
        self, question: str, hits: list[PaperHit], run: _Run, llm: ChatLLM | None = None
    ) -> list[PaperHit]:
        """Judge every candidate against the question's conditions: tier 1 (every salient condition met),
        strongest first; tier 2 goes to `run.related`. Exclusion needs evidence: without a salient condition
        similarity alone decides, and a paper is left out only for a salient condition it does not state.

        With `llm` and the `llm_judge` setting, the model judges the papers near or above the facet threshold.
        """
        papers = [h.paper for h in hits]
        if llm is not None and self.settings.answer.llm_judge:
            outcome = self._llm_judge(llm).assess(question, papers)
            facets, verdicts = outcome.facets, outcome.verdicts
            if outcome.notice:
                run.notices.append(outcome.notice)
        else:
            facets, verdicts = self.judge.judge(question, papers)
        run.facets = [f.text for f in facets if f.salient and not f.negated]
        if not run.facets:  # nothing specific to judge by ("which papers are there?"): similarity decides
            return self._similar(question, hits)
        by_id = {h.paper.id: h for h in hits}
        first = [v for v in verdicts if v.qualifies]
        second = [v for v in verdicts if not v.qualifies and v.tier in (1, 2)]
        rest = [v for v in verdicts if v.tier is None]
        run.verdicts = first + second + rest[:NEAREST]
        if first:
            run.related = [by_id[v.paper_id] for v in second[:RELATED_MAX]]
        else:
            run.related = [by_id[v.paper_id] for v in self._partial(run.facets, verdicts)[:RELATED_MAX]]
        return [by_id[v.paper_id] for v in first]

    def _partial(self, facets: list[str], verdicts: list[PaperVerdict]) -> list[PaperVerdict]:
        """No paper meets every salient condition. When one of them is stated by no candidate at all (it may
        be worded as no abstract words it), the papers meeting the most of the others are shown as possibly
        relevant; when each is met by some paper but never together, there is nothing to show: decline."""
        threshold = self.settings.answer.facet_threshold
        met = {f for v in verdicts for f in v.has(threshold)}
        if not met or met >= set(facets):
            return []
        most = max(len(v.has(threshold)) for v in verdicts)
        return [v for v in verdicts if len(v.has(threshold)) == most]

    def _similar(self, question: str, hits: list[PaperHit]) -> list[PaperHit]:
        """A list question with nothing specific to check: the papers nearly as close as the closest."""
        if not self._covers(question, hits):
            return []
        best = max(h.dense_similarity or 0.0 for h in hits)
        floor = max(self.settings.answer.min_relevance, best - SIMILAR_MARGIN)
        close = [h for h in hits if (h.dense_similarity or 0.0) >= floor]
        return close or hits[:1]

    def _evidence(self, query: str, hits: list[PaperHit], run: _Run) -> list[Evidence]:
        """Ranked sentences of each paper; for a judged paper, the sentence that meets the question's main
        condition comes first (for the regret question: the one stating the lower bound)."""
        evidence = self.selector.rank(query, hits)
        shown = {
            v.paper_id: s.sentence
            for v in run.verdicts
            for s in v.support
            if s.facet == v.main_facet and s.sentence and s.score >= self.settings.answer.facet_threshold
        }
        for e in evidence:
            sentence = shown.get(e.paper.id)
            if sentence is not None and any(s.text == sentence for s in e.ranked):
                e.ranked.sort(key=lambda s: s.text != sentence)
        return evidence

    def _llm_judge(self, llm: ChatLLM) -> LLMJudge:
        """One judge per model, kept between questions."""
        key = f"{llm.backend}:{llm.model}"
        with self._lock:
            if key not in self._judges:
                cache = default_cache_dir(self.settings)
                self._judges[key] = LLMJudge(self.judge, llm, cache, self.settings.answer)
            return self._judges[key]

    def refresh_vocabulary(self) -> None:
        """Word weights and category names follow the collection (the UI can re-index while the app runs);
        computed once per collection size, not per question."""
        if self._idf_papers != len(self.index.papers):
            self.selector.fit_idf(list(self.index.papers.values()))
            self._category_names = sorted({p.category for p in self.index.papers.values() if p.category})
            self._idf_papers = len(self.index.papers)

    def _clean(self, question: str, run: _Run) -> str:
        text = " ".join(_CONTROL.sub(" ", question or "").split())
        if not text:
            raise ValueError("The question is empty: type a question about the papers.")
        limit = self.settings.answer.max_question_chars
        if len(text) > limit:
            run.notices.append(f"The question was cut to its first {limit} of {len(text)} characters.")
            text = text[:limit].rstrip()
        return text

    def _fall_back(self, exc: BackendUnavailable, requested: str | None, run: _Run) -> None:
        """With `auto`, a model that fails before writing anything gives way to evidence-only answers."""
        if (requested or self.settings.answer.backend) != "auto":
            raise exc
        run.notices.append(f"Evidence-only answers — {exc}")

    def _condense(self, llm: ChatLLM, question: str, history: list[Turn]) -> str | None:
        text = "".join(llm.stream_chat(condense_messages(question, history), max_tokens=64))
        first_line = next((line for line in text.strip().splitlines() if line.strip()), "")
        return accept_condensed(first_line, question)

    def _covered(self, question: str, hits: list[PaperHit], run: _Run) -> list[PaperHit]:
        """A fact question: its best papers, if the collection covers it at all.

        It does not when the question names a version or size ('Llama3-70B') that none of them mentions.
        """
        if not self._covers(question, hits):
            return []
        best = hits[: self.settings.answer.max_sources]
        unmentioned = unmentioned_versions(question, [h.paper for h in best])
        if unmentioned:
            run.unmentioned = unmentioned
            return []
        return best

    def _covers(self, question: str, hits: list[PaperHit]) -> bool:
        """Abstain unless the best paper is similar enough, or shares a rare exact name with the question."""
        if not hits:
            return False
        best = max(h.dense_similarity or 0.0 for h in hits)
        if best >= self.settings.answer.min_relevance:
            return True
        top = [h.paper for h in hits[: NEAREST + 2]]
        return bool(rare_identifier_match(question, list(self.index.papers.values()), top))

    def _generate(
        self,
        llm: ChatLLM,
        question: str,
        sources: list[Source],
        fallback: Composition,
        run: _Run,
        standalone: str | None,
    ) -> Iterator[TextDelta | Answer]:
        """The model's answer; the evidence answer `fallback` instead when it declines or cites nothing."""
        messages = answer_messages(question, sources, self.index.papers)
        prompt_tokens = llm.count_tokens(messages)
        parts: list[str] = []
        try:
            for piece in llm.stream_chat(messages):
                parts.append(piece)
                yield run.delta(piece)
        except BackendUnavailable as exc:
            if not parts:
                raise
            run.notices.append(f"The answer was cut off: {exc}")
        prompt_tokens = prompt_tokens or getattr(llm, "last_prompt_tokens", None)
        text = "".join(parts).strip()
        reason = _failed_reply(text)
        if reason:
            # the papers were judged to answer: a refusal, an empty, echoed or uncited reply is a failure
            run.notices.append(
                f"{llm.model} {reason} although the papers answer the question: showing the evidence instead."
            )
            run.fell_back = True
            yield run.delta("\n\n")
            yield from self._emit(run, fallback, "extractive", None, prompt_tokens, standalone)
            return
        yield from self._emit(
            run,
            Composition(text=text, sources=sources),
            llm.backend,
            llm.model,
            prompt_tokens,
            standalone,
            streamed=True,
        )

    def _emit(
        self,
        run: _Run,
        composition: Composition,
        backend: str,
        model: str | None,
        prompt_tokens: int | None,
        standalone: str | None,
        streamed: bool = False,
    ) -> Iterator[TextDelta | Answer]:
        if not streamed:
            for line in composition.text.splitlines(keepends=True):
                yield run.delta(line)
        checked = verify(
            composition.text,
            composition.sources,
            self.selector.embed,
            self.settings.answer.support_threshold,
            check_numbers=backend != "extractive",
        )
        if backend != "extractive" and not checked.citations:
            run.notices.append("The model cited no source: check its answer against the sources listed.")
        yield Answer(
            question=run.question,
            text=checked.text,
            citations=checked.citations,
            sources=composition.sources,
            backend=backend,
            model=model,
            timings=self._timings(run),
            prompt_tokens=prompt_tokens,
            invalid_citations=checked.invalid_citations,
            unsupported_citations=len(checked.flagged),
            flagged=checked.flagged,
            notice=" ".join(run.notices) or None,
            standalone_question=standalone,
            facets=run.facets,
            verdicts=run.verdicts,
            fell_back=run.fell_back,
        )

    def _listing(
        self, resolved: ResolvedQuestion, run: _Run, standalone: str | None
    ) -> Iterator[TextDelta | Answer]:
        """A question made only of filters: every matching paper, straight from the catalog."""
        t0 = time.perf_counter()
        papers = [
            p for p in self.index.papers.values() if resolved.filters is None or matches(p, resolved.filters)
        ]
        if resolved.month:
            papers = [p for p in papers if p.published and p.published.month == resolved.month]
        run.retrieval = time.perf_counter() - t0
        description = describe_filters(resolved.filters, resolved.month)
        if not papers:
            text = f"No paper in the collection matches ({description})."
            yield run.delta(text)
            yield self._abstained(run, [], standalone, "extractive", None, text, None)
            return
        yield from self._emit(run, compose_listing(papers, description), "extractive", None, None, standalone)

    def _abstain(
        self, run: _Run, hits: list[PaperHit], resolved: ResolvedQuestion, standalone: str | None
    ) -> Iterator[TextDelta | Answer]:
        if not hits and resolved.filters is not None:
            text = f"No paper in the collection matches ({describe_filters(resolved.filters)})."
        elif resolved.narrowed:
            text = "None of the papers cited before seems to answer this (the nearest ones are listed)."
        elif resolved.filters is not None:
            text = (
                f"No paper matching the filters ({describe_filters(resolved.filters)}) seems to answer this "
                "(the nearest ones are listed)."
            )
        elif run.unmentioned:
            text = (
                "The collection does not seem to cover this question: none of the nearest papers mentions "
                f"{', '.join(run.unmentioned)} (they are listed)."
            )
        else:
            text = NOT_COVERED_EXTRACTIVE
        reasons = self._reasons(run)
        if reasons:
            text = f"{text}\n\n{reasons}"
        yield run.delta(text)
        yield self._abstained(run, hits, standalone, "extractive", None, text, None)

    def _reasons(self, run: _Run) -> str:
        """What the nearest papers have and lack, and which conditions no paper meets at all."""
        if not run.facets or not run.verdicts:
            return ""
        threshold = self.settings.answer.facet_threshold
        met_somewhere = {f for v in run.verdicts for f in v.has(threshold)}
        missing = [f for f in run.facets if f not in met_somewhere]
        if len(run.facets) > 1 and not missing:
            lead = "Each part of the question is covered by some paper, but no paper covers all of them:"
        elif missing and len(missing) < len(run.facets):
            lead = f"No paper covers {', '.join(repr(f) for f in missing)}; the nearest papers:"
        else:
            lead = "The nearest papers:"
        lines = [f"- {describe_lack(v, threshold)}" for v in run.verdicts[:NEAREST]]
        return "\n".join([lead, *lines])

    def _abstained(
        self,
        run: _Run,
        hits: Sequence[PaperHit | Evidence],
        standalone: str | None,
        backend: str,
        model: str | None,
        text: str,
        prompt_tokens: int | None,
    ) -> Answer:
        nearest = [
            Citation(n=i, paper_id=h.paper.id, title=h.paper.title)
            for i, h in enumerate(hits[:NEAREST], start=1)
        ]
        return Answer(
            question=run.question,
            text=text,
            abstained=True,
            backend=backend,
            model=model,
            timings=self._timings(run),
            prompt_tokens=prompt_tokens,
            nearest=nearest,
            notice=" ".join(run.notices) or None,
            standalone_question=standalone,
            facets=run.facets,
            verdicts=run.verdicts,
            fell_back=run.fell_back,
        )

    def _timings(self, run: _Run) -> Timings:
        return Timings(
            retrieval=round(run.retrieval, 4),
            first_token=None if run.first_token is None else round(run.first_token, 4),
            total=round(time.perf_counter() - run.started, 4),
        )
