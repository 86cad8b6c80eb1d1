"""The evidence side of the one embedding pass (issue 19, item 2): sentence vectors are read from the catalog
the ingest wrote, so a question right after an ingest embeds no sentence; only papers an older version
indexed (no rows) are embedded, once. Real model, real Chroma, real SQLite under tmp_path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.answering import Assistant
from rag.answering.evidence import paper_sentences
from rag.assemble import open_assistant
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.index import PaperIndex
from rag.settings import Settings
from tests.support.synthetic_papers import records, write_jsonl
from tests.test_one_pass_ingest import assert_rows_are, ingest_six, stored_rows


class CountingEmbedder(OnnxEmbedder):
    """The real embedder, recording every text given to `embed` (what the evidence side embeds)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed(texts)


def test_a_question_right_after_an_ingest_embeds_no_sentence(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "papers.jsonl", records(12, seed=31))
    embedder = CountingEmbedder()
    settings = Settings(data_dir=tmp_path / "data")
    index = PaperIndex(settings, embedder=embedder)
    index.ingest([source], progress=False)
    papers = list(index.papers.values())
    rows = stored_rows(index)

    embedder.texts.clear()
    assistant = open_assistant(settings, index=index, evidence="now")
    assert not assistant.needs_evidence() and not assistant.evidence_file.exists()
    target = papers[4]
    question = f"What is known about {target.title.rsplit(' ', 1)[0].lower()}?"
    answer = assistant.ask(question, backend="extractive")
    assert target.id in {s.paper_id for s in answer.sources}  # evidence was chosen from its sentences
    every_sentence = {t for p in papers for t in [*paper_sentences(p), p.title]}
    assert question in embedder.texts  # the wrapper does see what is embedded
    assert not every_sentence & set(embedder.texts)
    assert assistant.selector.embedded_papers == 0
    ranked = assistant.selector.sentences([target])[0]
    assert_rows_are(rows[target.id], [*ranked[0], target.title], ranked[1])  # the catalog's vectors


def test_an_edited_papers_new_rows_are_read_in_the_same_process(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    rows, source, index = ingest_six(tmp_path, embedder)
    assistant = Assistant(index.settings, index=index)
    assistant.selector.sentences(list(index.papers.values()))
    rows[1]["abstract"] = "Kelp forests are mapped from drones. " + str(rows[1]["abstract"])
    write_jsonl(source, rows)
    index.ingest([], progress=False)
    hits = assistant.searcher.search("kelp forests mapped from drones", k=1)
    best = assistant.selector.rank("kelp forests mapped from drones", hits)[0].ranked[0]
    assert best.text == "Kelp forests are mapped from drones." and assistant.selector.embedded_papers == 0


def test_papers_an_older_version_indexed_are_embedded_once_and_saved(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    """A catalog without sentence rows (indexed before the pass): evidence embeds those papers' sentences
    once, saves them beside the index, and a new process loads them."""
    source = write_jsonl(tmp_path / "papers.jsonl", records(4, seed=33))
    index = PaperIndex(Settings(data_dir=tmp_path / "data"), embedder=embedder)
    index.ingest([source], progress=False)
    older = list(index.papers)[:2]
    with sqlite3.connect(index.catalog_path) as conn:
        conn.executemany("DELETE FROM sentence_vectors WHERE paper_id = ?", [(i,) for i in older])

    first = Assistant(index.settings, index=index)
    assert first.needs_evidence() and first.prepare_evidence() == 2 and first.evidence_file.exists()
    assert first.prepare_evidence() == 0 and not first.needs_evidence()
    second = Assistant(index.settings, index=index)  # as a new process: the saved file, nothing embedded
    assert not second.needs_evidence() and second.prepare_evidence() == 0
    second.selector.sentences(list(index.papers.values()))
    assert second.selector.embedded_papers == 0
