"""Sentence vectors for evidence are prepared once per index and reused by every later process."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from rag.answering import Assistant
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.index import PaperIndex
from rag.settings import Settings

LISTING = "Daily Papers\n\n{title}\n\n{abstract}\n\n  • 2 authors\n·\nMar 3, 2025\n"


def write(path: Path, abstract: str) -> Path:
    papers = [
        ("Kelp Forest Mapping", abstract),
        ("Lichen Growth Models", "Lichens grow slowly. We model it."),
    ]
    path.write_text("\n".join(LISTING.format(title=t, abstract=a) for t, a in papers), encoding="utf-8")
    return path


def test_vectors_come_from_the_catalog_and_follow_an_edit(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    """The ingest stores the sentence vectors: nothing is prepared or saved, and an edit is seen at once."""
    source = write(tmp_path / "papers.txt", "Kelp forests are mapped from drones. Cover fell by 30%.")
    index = PaperIndex(Settings(data_dir=tmp_path / "data"), embedder=embedder)
    index.ingest([source], progress=False)

    first = Assistant(index.settings, index=index)
    assert not first.needs_evidence() and first.prepare_evidence() == 0
    assert not first.evidence_file.exists()
    hits = first.searcher.search("how much kelp cover was lost", k=1)
    best = first.selector.rank("how much kelp cover was lost", hits)[0].ranked[0]
    assert best.text == "Cover fell by 30%." and first.selector.embedded_papers == 0

    write(source, "Kelp forests are mapped from satellites. Cover fell by 45%.")
    index.ingest([], progress=False)
    assert first.prepare_evidence() == 0  # the same process reads the edited paper's new rows
    hits = first.searcher.search("how much kelp cover was lost", k=1)
    assert first.selector.rank("how much kelp cover was lost", hits)[0].ranked[0].text == "Cover fell by 45%."
    assert first.selector.embedded_papers == 0


def without_sentence_rows(index: PaperIndex) -> None:
    """What a catalog written before the one-pass ingest holds: no sentence vectors."""
    with sqlite3.connect(index.catalog_path) as conn:
        conn.execute("DELETE FROM sentence_vectors")


def test_a_damaged_file_is_ignored(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    source = write(tmp_path / "papers.txt", "Kelp forests are mapped from drones.")
    index = PaperIndex(Settings(data_dir=tmp_path / "data"), embedder=embedder)
    index.ingest([source], progress=False)
    without_sentence_rows(index)
    assistant = Assistant(index.settings, index=index)
    assistant.evidence_file.write_bytes(b"not an npz file")
    assert Assistant(index.settings, index=index).prepare_evidence() == 2


EXIT_WHILE_PREPARING = """
import sys, threading
from pathlib import Path
from rag.answering import Assistant
from rag.answering.evidence import EvidenceSelector
from rag.indexing.index import PaperIndex
from rag.settings import Settings

index = PaperIndex(Settings(data_dir=Path(sys.argv[1])))
assistant = Assistant(index.settings, index=index)
assistant.selector = EvidenceSelector(index.embedder)  # cold, as on a new index
assistant.evidence_file = Path(sys.argv[2])
inside = threading.Event()
embed = index.embedder.embed
def embed_and_say(texts):
    inside.set()
    return embed(texts)
index.embedder.embed = embed_and_say
worker = assistant.prepare_evidence_in_background()
inside.wait(60)
# leave while the worker is inside onnxruntime (its first batch), and say that it was
print("leaving while preparing" if worker.is_alive() else "worker already done", flush=True)
"""


def test_exit_while_preparing_in_background_is_clean(
    corpus_settings: Settings, corpus_index: PaperIndex, tmp_path: Path
) -> None:
    """A daemon thread inside onnxruntime at interpreter exit aborts the process ('terminate called ...').
    It embeds only for an index an older version wrote (no sentence vectors): a copy of the corpus's."""
    assert len(corpus_index.papers) > 100  # enough sentences that the worker is still busy when we leave
    older = tmp_path / "older"
    shutil.copytree(corpus_settings.data_dir, older)
    without_sentence_rows(PaperIndex(Settings(data_dir=older), embedder=corpus_index.embedder))
    done = subprocess.run(
        [sys.executable, "-c", EXIT_WHILE_PREPARING, str(older), str(tmp_path / "ev.npz")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "terminate" not in done.stderr
    assert done.stdout.strip() == "leaving while preparing"  # the case that crashed was exercised
