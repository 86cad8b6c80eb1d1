"""Typed records that cross module boundaries: files -> papers -> chunks -> hits -> answers."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Paper(Record):
    """One paper of the collection, merged across every file that lists it."""

    id: str = Field(description="Stable id derived from the normalized title.")
    title: str
    abstract: str
    authors: list[str] = Field(default_factory=list)
    authors_truncated: bool = Field(False, description="The listing ended the author list with 'et al.'.")
    author_count: int | None = Field(None, description="Number of authors when the listing states it.")
    published: date | None = Field(
        None, description="Only when the listing gives a full date; never guessed."
    )
    date_text: str | None = Field(None, description="The date exactly as the listing wrote it.")
    category: str | None = Field(None, description="arXiv group such as CV, LG, ML, CL, AI.")
    upvotes: int | None = None
    has_code: bool = False
    external_id: str | None = Field(
        None, description="Id given by the source, e.g. an arXiv id or BibTeX key."
    )
    sources: list[str] = Field(default_factory=list, description="File names that list this paper.")

    @property
    def year(self) -> int | None:
        return self.published.year if self.published else None


class ParseProblem(Record):
    """Something in an input file that could not be used; the rest of the file still is."""

    source: str
    entry: str | None = None
    message: str

    def __str__(self) -> str:
        where = f"{self.source} [{self.entry}]" if self.entry else self.source
        return f"{where}: {self.message}"


class ParsedFile(Record):
    source: str
    papers: list[Paper] = Field(default_factory=list)
    problems: list[ParseProblem] = Field(default_factory=list)


class Chunk(Record):
    """A sentence-aligned piece of one abstract, the unit that is embedded and searched."""

    id: str
    paper_id: str
    position: int
    text: str
    content_hash: str


class SearchFilters(Record):
    year_from: int | None = None
    year_to: int | None = None
    category: str | None = None
    author: str | None = Field(None, description="Case-insensitive substring of any author name.")
    paper_ids: list[str] | None = Field(None, description="Restrict to these papers (follow-up narrowing).")

    def is_empty(self) -> bool:
        return not any(v not in (None, [], "") for v in self.model_dump().values())


class ChunkHit(Record):
    chunk: Chunk
    score: float


class PaperHit(Record):
    """A paper found by a search, with its best chunks, best first."""

    paper: Paper
    score: float
    chunks: list[ChunkHit] = Field(default_factory=list)
    bm25_rank: int | None = None
    dense_rank: int | None = None
    dense_similarity: float | None = Field(
        None, description="Best cosine similarity of a chunk to the query."
    )

    @property
    def snippet(self) -> str:
        return self.chunks[0].chunk.text if self.chunks else self.paper.abstract[:300]


# --- answers -----------------------------------------------------------------------------------


class Source(Record):
    """A paper given to the answerer, numbered as the model saw it."""

    n: int
    paper_id: str
    title: str
    evidence: list[str] = Field(
        default_factory=list, description="Sentences of the abstract shown as evidence."
    )
    tier: int = Field(
        1,
        description="1: answers the whole question; 2: may also be relevant (meets the main condition, "
        "does not state those in `lacks`).",
    )
    lacks: list[str] = Field(default_factory=list, description="Conditions a tier-2 paper does not state.")


class Citation(Record):
    """A valid [n] marker used in the answer text."""

    n: int
    paper_id: str
    title: str


class FlaggedCitation(Record):
    """A cited sentence that the cited evidence does not seem to support."""

    n: int
    paper_id: str
    sentence: str
    support: float = Field(description="Best similarity of the sentence to the cited paper's evidence.")


class Timings(Record):
    retrieval: float = 0.0
    first_token: float | None = Field(None, description="Seconds from the question to the first answer text.")
    total: float = 0.0


class FacetSupport(Record):
    """How well one paper supports one condition of the question, and the sentence that shows it."""

    facet: str
    sentence: str | None = Field(None, description="The title or abstract sentence that supports it best.")
    score: float = Field(description="Meaning (cosine) and shared words, mixed; compared with a threshold.")
    salient: bool = Field(True, description="The condition matters: failing it keeps a paper out of tier 1.")
    supported: bool | None = Field(
        None,
        description="Set when a model judged the paper: a sentence it quoted, found in the paper, shows the "
        "facet. None: the score against the threshold decides.",
    )

    def meets(self, threshold: float) -> bool:
        return self.supported if self.supported is not None else self.score >= threshold


class PaperVerdict(Record):
    """Whether one paper meets every facet of the question."""

    paper_id: str
    title: str
    qualifies: bool
    strength: float = Field(description="The weakest facet's support: how strongly the paper qualifies.")
    support: list[FacetSupport] = Field(default_factory=list)
    judged_by: str = Field(
        "facets", description="Who decided `qualifies`: 'facets' (the facet check) or '<backend>:<model>'."
    )
    tier: int | None = Field(
        None,
        description="1: meets every salient condition; 2: meets the main one but does not state another; "
        "None: not listed (or no condition of the question is salient).",
    )
    main_facet: str | None = Field(None, description="The question's most specific condition.")

    def lacks(self, threshold: float) -> list[str]:
        return [s.facet for s in self.support if s.salient and not s.meets(threshold)]

    def has(self, threshold: float) -> list[str]:
        return [s.facet for s in self.support if s.salient and s.meets(threshold)]


class GroupCount(Record):
    key: str = Field(description="A year ('2025'), month ('2025-11'), category or author.")
    papers: int


class Distribution(Record):
    """Papers counted per group by a collection question ("how many papers per year?"): the app draws it
    as a bar chart, so the counts travel with the Answer instead of being read back from its text."""

    by: str = Field(description="What the papers are grouped by: year, month, category or author.")
    groups: list[GroupCount] = Field(
        description="In the answer's order: keys ascending, authors most frequent first (the top ones)."
    )
    total_groups: int = Field(description="Groups in all; more than len(groups) when only the top are kept.")


class Answer(Record):
    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    abstained: bool = False
    backend: str
    model: str | None = None
    timings: Timings = Field(default_factory=Timings)
    prompt_tokens: int | None = None
    invalid_citations: int = Field(
        0, description="Out-of-range or invented [n] markers removed from the text."
    )
    unsupported_citations: int = Field(
        0, description="Citations whose sentence the evidence does not support."
    )
    flagged: list[FlaggedCitation] = Field(default_factory=list)
    nearest: list[Citation] = Field(
        default_factory=list, description="Closest papers, shown when abstaining."
    )
    notice: str | None = Field(None, description="Something the user should know, e.g. why no LLM answered.")
    standalone_question: str | None = Field(None, description="The follow-up rewritten to stand alone.")
    facets: list[str] = Field(default_factory=list, description="Conditions every cited paper must meet.")
    verdicts: list[PaperVerdict] = Field(
        default_factory=list, description="The judged candidates: every qualifying paper, then the nearest."
    )
    fell_back: bool = Field(
        False,
        description="The model declined or wrote nothing usable although papers qualified: the "
        "evidence answer was given instead.",
    )
    distribution: Distribution | None = Field(
        None, description="Counts per group, when the question asked for a distribution."
    )


class Turn(Record):
    """One earlier exchange of a conversation."""

    question: str
    answer: Answer


class TextDelta(Record):
    """A piece of answer text as it streams; the stream ends with the final Answer."""

    text: str
