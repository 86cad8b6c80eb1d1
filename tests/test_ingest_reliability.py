"""Nothing lost, one line per problem (issue 20): concurrent ingests, bad records, a dead Chroma server,
escape codes, read-only commands. Real processes, a real `chroma run` server, the real ONNX model.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from rag import assemble
from rag.cli import EXIT_ERROR, EXIT_SKIPPED, app
from rag.indexing.catalog import DB_NAME, CatalogDB, IngestState
from rag.indexing.chunking import PIECE_CHARS, bounded_pieces, chunk_paper, make_splitter
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.ingest import STAGED_NAME
from rag.indexing.lock import ingest_running
from rag.io import json_safe, printable, strip_controls
from rag.parsing import discover_files, merge_papers, parse_path
from rag.parsing.common import MAX_ABSTRACT_CHARS
from rag.settings import BUNDLED_CORPUS, PROJECT_ROOT, ChunkingSettings, Settings, load_settings
from tests.conftest import free_port
from tests.support.synthetic_papers import records, write_jsonl

runner = CliRunner()
RAG = [sys.executable, "-m", "rag.cli"]
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # anything but a newline


def run_rag(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RAG, *args], env=env or dict(os.environ), capture_output=True, text=True, cwd=PROJECT_ROOT
    )


def verify(env: dict[str, str] | None = None) -> dict[str, object]:
    """Every unreadable vector and every paper its own title does not find, read by a fresh process."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.verify_index"],
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=True,
    )
    return dict(json.loads(done.stdout))


def stored_hashes() -> dict[str, str]:
    """Chunk id -> content hash of every vector in Chroma, read by a process of its own."""
    code = (
        "import json; from rag.indexing.vector_store import VectorStore; from rag.settings import "
        "load_settings; print(json.dumps(VectorStore(load_settings()).content_hashes()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True
    )
    return dict(json.loads(done.stdout))


def embedded(stdout: str) -> int:
    return int(re.search(r"embedded (\d+)", stdout).group(1))  # type: ignore[union-attr]


def read_until(proc: subprocess.Popen[bytes], pattern: bytes, timeout: float) -> bytes:
    """stderr of `proc` up to the first match of `pattern` (fails the test after `timeout` seconds)."""
    assert proc.stderr is not None
    seen, deadline = b"", time.monotonic() + timeout
    while not re.search(pattern, seen):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([proc.stderr], [], [], max(left, 0))
        if not ready:
            pytest.fail(f"no {pattern!r} within {timeout} s; stderr so far: {seen[-400:]!r}")
        part = os.read(proc.stderr.fileno(), 4096)
        if not part:
            pytest.fail(f"stderr closed before {pattern!r}: {seen[-400:]!r}")
        seen += part
    return seen


def one_line(stderr: str) -> str:
    """The only line, an error, with no traceback (a progress bar's carriage-return frames aside)."""
    lines = [
        line for line in stderr.replace("\r", "\n").splitlines() if line.strip() and "chunk/s" not in line
    ]
    lines = [line for line in lines if not re.match(r"^embedding:\s+\d+%", line)]
    assert "Traceback" not in stderr and len(lines) == 1, stderr
    assert lines[0].startswith("error: "), lines
    return lines[0]


# --------------------------------------------------------------------------------- concurrent writers
def test_two_ingests_at_once_take_turns_and_every_vector_reads_back(tmp_path: Path) -> None:
    """B starts while A holds the lock (A is paused there, so the overlap is certain): B waits, naming
    A's pid, then embeds only its own half; every chunk reads back and is found by its paper's title."""
    first = write_jsonl(tmp_path / "first.jsonl", records(100, seed=1, sentences=(2, 3)))
    second = write_jsonl(tmp_path / "second.jsonl", records(100, seed=2, sentences=(2, 3)))
    data = Path(os.environ["RAG_DATA_DIR"])
    a = subprocess.Popen(
        [*RAG, "ingest", str(first), "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 90
    while ingest_running(data) != a.pid:
        assert a.poll() is None and time.monotonic() < deadline, "A never took the lock"
        time.sleep(0.05)
    os.kill(a.pid, signal.SIGSTOP)
    b = subprocess.Popen(
        [*RAG, "ingest", str(first), str(second), "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        waited = read_until(b, rb"waiting for another ingest \(pid \d+\) \.\.\.\n", timeout=90)
    finally:
        os.kill(a.pid, signal.SIGCONT)
    assert f"(pid {a.pid})".encode() in waited
    a_out, a_err = a.communicate(timeout=300)
    b_out, b_err = b.communicate(timeout=300)
    assert a.returncode == 0 and b.returncode == 0, (a_err, waited + b_err)
    assert waited.count(b"\n") == 1 and not b_err.strip(), waited + b_err  # the one line, nothing else

    summary = verify()
    chunks = int(summary["chunks"])  # type: ignore[call-overload]
    assert summary["papers"] == 200 and summary["vectors"] == chunks
    assert embedded(a_out.decode()) + embedded(b_out.decode()) == chunks  # nothing embedded twice
    assert summary["unreadable"] == summary["not_found_by_own_vector"] == summary["missed_by_title"] == []


def test_kill_9_mid_ingest_leaves_the_previous_catalog_and_the_next_ingest_finishes(tmp_path: Path) -> None:
    """An ingest that adds 120 papers and changes one is killed (SIGKILL) while it embeds: the catalog
    answers as before it (the changed paper's old text is still what is found), read-only commands say
    the ingest is unfinished, and a bare `rag ingest` finishes it without embedding anything twice: it
    embeds exactly the chunks the killed run did not store, and the papers whose chunks that run stored
    get the sentence vectors it staged, not embedded again."""
    rows = records(20, seed=14, sentences=(2, 3))
    old = write_jsonl(tmp_path / "old.jsonl", rows)
    first = run_rag("ingest", str(old), "--no-progress")
    assert first.returncode == 0, first.stderr
    before = json.loads(run_rag("papers", "--json").stdout)
    rows[3]["abstract"] = "Zebrafish quasicrystals refract. " + str(rows[3]["abstract"])
    write_jsonl(old, rows)
    new = write_jsonl(tmp_path / "new.jsonl", records(120, seed=15, sentences=(2, 3)))
    env = {**os.environ, "RAG_EMBEDDING_BATCH_SIZE": "4"}
    proc = subprocess.Popen(
        [*RAG, "ingest", str(new), "--progress"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    read_until(proc, rb"\b(3[2-9]|[4-9]\d)/\d+ \[", timeout=120)  # some batches are stored in Chroma
    proc.kill()
    proc.wait(timeout=30)
    after_kill = stored_hashes()
    staged = load_settings().index_dir / STAGED_NAME
    assert staged.exists()  # the sentence rows of the groups the killed run embedded

    listed = run_rag("papers", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == before  # the catalog as it was
    assert "an ingest of new.jsonl is unfinished: run `rag ingest` to finish it" in listed.stderr
    found = run_rag("search", "zebrafish quasicrystals", "--mode", "bm25", "--json")
    assert found.returncode == 0 and json.loads(found.stdout) == []  # the old text is what is indexed

    finished = run_rag("ingest", "--no-progress")
    assert finished.returncode == 0, finished.stderr
    assert "140 papers" in finished.stdout
    summary = verify()
    chunks = int(summary["chunks"])  # type: ignore[call-overload]
    assert summary["papers"] == 140 and summary["vectors"] == chunks
    assert summary["unreadable"] == summary["not_found_by_own_vector"] == summary["missed_by_title"] == []
    first_chunks = int(re.search(r"(\d+) chunks", first.stdout).group(1))  # type: ignore[union-attr]
    assert 0 < embedded(finished.stdout) < chunks - first_chunks  # what the killed run stored is kept
    final = stored_hashes()
    kept = [i for i, h in final.items() if after_kill.get(i) == h]
    assert len(kept) > first_chunks and embedded(finished.stdout) == len(final) - len(kept)  # none twice
    catalog = CatalogDB.open(load_settings().index_dir / DB_NAME)
    assert catalog is not None and catalog.papers_without_sentences() == []  # every paper's, staged or not
    catalog.close()
    assert not staged.exists()
    found = run_rag("search", "zebrafish quasicrystals", "--mode", "bm25", "--json")
    assert [hit["title"] for hit in json.loads(found.stdout)][:1] == [rows[3]["title"]]
    assert run_rag("stats").returncode == 0


RAW_WRITER = """
import sys, numpy as np, chromadb
from chromadb.config import Settings
path, name, tag, count, wait = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "wait"
client = chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))
collection = client.get_or_create_collection(name, embedding_function=None, metadata={"hnsw:space": "cosine"})
collection.query(query_embeddings=[[1.0] + [0.0] * 383], n_results=1)  # loads the vector index
print("ready", flush=True)
if wait:
    sys.stdin.readline()
vectors = np.random.default_rng(len(tag)).normal(size=(count, 384))
for start in range(0, count, 128):
    ids = [f"{tag}-{i}" for i in range(start, min(count, start + 128))]
    collection.upsert(ids=ids, embeddings=vectors[start : start + len(ids)].tolist())
print("done", flush=True)
"""


@contextmanager
def raw_writer(settings: Settings, tag: str, count: int, wait: bool = True) -> Iterator[None]:
    """A process writing `count` random vectors into the index's Chroma folder without the lock, as
    two ingests did before they took turns. It opens the folder, then (with `wait`) lets the block run
    before it writes: it holds the vector index as it was before the block, and writes it back."""
    args = [str(settings.data_dir / "chroma"), settings.index_name, tag, str(count), "wait" if wait else ""]
    proc = subprocess.Popen(
        [sys.executable, "-c", RAW_WRITER, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    yield
    out, _ = proc.communicate("go\n", timeout=120)
    assert proc.returncode == 0 and out.strip() == "done"


def test_vectors_an_unlocked_writer_lost_are_found_and_embedded_again(tmp_path: Path) -> None:
    """What two unlocked ingests did, at a test's size: Chroma writes its vector index to disk every
    1,000 writes, so 990 vectors come first; the ingest's 25 cross that mark, the stale writer's 1,100
    cross the next one from its own old copy, and the ingest's vectors are gone from the search index."""
    settings = load_settings()
    with raw_writer(settings, "filler", 990, wait=False):
        pass
    with raw_writer(settings, "junk", 1100):
        ingested = run_rag("ingest", str(write_jsonl(tmp_path / "b.jsonl", records(25, seed=4))))
        assert ingested.returncode == 0, ingested.stderr
    # every ingest reads back every vector (`rag ingest --check` does only that). This process never
    # opened the folder before, so it can run here
    repaired = runner.invoke(app, ["ingest", "--no-progress"])
    assert repaired.exit_code == 0, repaired.output
    assert "embedded 0, repaired 25 unreadable, removed 1100" in repaired.stdout, repaired.stdout
    checked = runner.invoke(app, ["ingest", "--check"])
    assert checked.exit_code == 0 and "checked 25 chunk vectors of 25 papers: all readable" in checked.stdout
    summary = verify()
    assert summary["papers"] == 25 and summary["vectors"] == summary["chunks"] == 25
    assert summary["unreadable"] == summary["not_found_by_own_vector"] == summary["missed_by_title"] == []


# ------------------------------------------------------------------------------------ bad records
def test_a_bad_line_costs_only_itself(tmp_path: Path) -> None:
    rows = [json.dumps(r).encode() for r in records(20, seed=6)]
    rows[7] = rows[7].replace(b'"title": "', b'"title": "Caf\xe9 ')  # Latin-1, not UTF-8
    jsonl = tmp_path / "mixed.jsonl"
    jsonl.write_bytes(b"\n".join(rows) + b"\n")
    parsed = parse_path(jsonl)
    assert len(parsed.papers) == 19
    assert [(p.entry, p.message) for p in parsed.problems] == [("line 8", "not UTF-8 text; skipped")]

    bib = tmp_path / "refs.bib"
    bib.write_bytes(
        b"@article{good1, title={Good One}, abstract={Fine.}}\n"
        b"@article{bad, title={Fr\xe9chet Nets}, abstract={Broken bytes.}}\n"
        b"@article{good2, title={Good Two}, abstract={Also fine.}}\n"
    )
    parsed = parse_path(bib)
    assert [p.external_id for p in parsed.papers] == ["good1", "good2"]
    assert [(p.entry, p.message) for p in parsed.problems] == [
        ("bad", "not UTF-8 text (line 2); entry skipped")
    ]


def test_a_huge_record_is_skipped_by_name_and_later_ingests_work(tmp_path: Path) -> None:
    rows = records(12, seed=7)
    rows[4]["abstract"] = "Dunes drift. " * (MAX_ABSTRACT_CHARS // 10)
    huge = write_jsonl(tmp_path / "huge.jsonl", rows)
    result = runner.invoke(app, ["ingest", str(huge), "--no-progress"])
    assert result.exit_code == EXIT_SKIPPED, result.output
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 1 and "[line 5]" in skipped[0] and "too large" in skipped[0]
    assert str(rows[4]["title"])[:40] in skipped[0]
    assert "11 papers" in result.stdout

    other = write_jsonl(tmp_path / "other.jsonl", records(3, seed=8))
    later = runner.invoke(app, ["ingest", str(other), "--no-progress"])
    assert "14 papers" in later.stdout and "Traceback" not in later.output, later.output


def test_a_huge_abstract_is_split_in_bounded_pieces() -> None:
    """The splitter (NLTK Punkt, regexes under a 5 s limit) only ever sees PIECE_CHARS at a time."""
    text = "An unending clause without any full stop " * 60_000  # 2.5 MB
    pieces = bounded_pieces(text)
    assert "".join(pieces) == text and max(map(len, pieces)) <= PIECE_CHARS
    sentences = "A short sentence ends here. " * 1_000
    cut = bounded_pieces(sentences)
    assert all(p.endswith(".") for p in cut[:-1]) and "".join(cut) == sentences
    assert bounded_pieces("x" * (3 * PIECE_CHARS + 5)) == ["x" * PIECE_CHARS] * 3 + ["x" * 5]

    papers = merge_papers([parse_path(f) for f in discover_files([BUNDLED_CORPUS])])
    splitter = make_splitter(ChunkingSettings())
    for paper in papers:  # an abstract of normal length is chunked exactly as before
        before = [p for p in splitter.split_text(paper.abstract) if p.strip()]
        assert [c.text for c in chunk_paper(paper, splitter)] == before
    started = time.perf_counter()
    long = papers[0].model_copy(update={"abstract": text[:1_000_000]})
    assert len(chunk_paper(long, splitter)) > 1000 and time.perf_counter() - started < 60


def test_an_empty_folder_is_reported_and_not_registered(tmp_path: Path) -> None:
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    (empty / "notes.md").write_text("not a paper file")
    good = write_jsonl(tmp_path / "good.jsonl", records(2, seed=9))
    result = runner.invoke(app, ["ingest", str(empty), str(good), "--no-progress"])
    assert result.exit_code == EXIT_SKIPPED
    assert f"no papers found in {empty}; not added" in result.stderr
    db = CatalogDB.open(load_settings().index_dir / DB_NAME)
    state = db.state() if db else None
    assert state is not None and state.sources == [str(good)] and state.pending is None
    again = runner.invoke(app, ["ingest", "--no-progress"])  # the folder is not read, nor reported, again
    assert again.exit_code == 0 and "nothing-here" not in again.output


# ------------------------------------------------------------------------------- a dead Chroma server
@contextmanager
def chroma_server(path: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    assert chroma, "the chroma command comes with the chromadb package"
    server = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "chroma server did not start"
                time.sleep(0.2)
        yield server
    finally:
        server.kill()
        server.wait(timeout=20)


def test_a_chroma_server_that_dies_or_is_down_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("RAG_CHROMA_URL", url)
    papers = write_jsonl(tmp_path / "papers.jsonl", records(80, seed=10, sentences=(2, 3)))
    env = {**os.environ, "RAG_EMBEDDING_BATCH_SIZE": "4"}
    with chroma_server(tmp_path / "server", port) as server:
        proc = subprocess.Popen(
            [*RAG, "ingest", str(papers), "--progress"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        read_until(proc, rb"\b(3[2-9]|[4-9]\d)/\d+ \[", timeout=120)
        server.kill()
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == EXIT_ERROR, err
    line = one_line(err.decode())
    assert f"the Chroma server at {url} does not answer" in line and "then run `rag ingest`" in line

    down = runner.invoke(app, ["ingest", "--no-progress"])
    assert down.exit_code == EXIT_ERROR
    assert url in one_line(down.stderr) and "chroma run" in down.stderr
    stats = runner.invoke(app, ["stats"])  # reads only: says what is unfinished, resumes nothing
    assert stats.exit_code == EXIT_ERROR and "papers.jsonl is unfinished" in one_line(stats.stderr)

    with chroma_server(tmp_path / "server", port):
        resumed = runner.invoke(app, ["ingest", "--no-progress"])
        assert resumed.exit_code == 0, resumed.output
        info = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)
    assert info["papers"] == 80 and info["chunks"] == info["vectors"] and info["unfinished"] == []
    assert 0 < embedded(resumed.stdout) < info["chunks"]


def test_an_unexpected_failure_is_one_line_unless_debugging(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = load_settings().index_dir / "catalog.json"
    catalog.parent.mkdir(parents=True)
    catalog.write_text('{"embedding_model": 3, "papers": "no"}')
    result = runner.invoke(app, ["papers"])
    assert result.exit_code == EXIT_ERROR and "ValidationError" in one_line(result.stderr)
    assert "RAG_DEBUG=1" in result.stderr
    monkeypatch.setenv("RAG_DEBUG", "1")
    debugging = runner.invoke(app, ["papers"])
    assert type(debugging.exception).__name__ == "ValidationError"


# ------------------------------------------------------------------------------------ terminal output
def test_printable_and_json_safe() -> None:
    raw = "A\x1b]0;owned\x07B\x1b[2J\x1b[31mC\x1b[0m\x9b2JD\x00E\x7f\u202eF\nG"
    assert strip_controls(raw) == "ABCDEF G"
    assert printable(raw) == "ABCD\u2400E\u2421<U+202E>F\nG"
    encoded = json_safe(json.dumps({"t": raw}, ensure_ascii=False))
    assert not CONTROL.search(encoded) and json.loads(encoded)["t"] == raw
    assert printable("Fréchet · naïve 数据 — ok") == "Fréchet · naïve 数据 — ok"


def test_escape_codes_in_papers_never_reach_the_terminal(tmp_path: Path) -> None:
    rows = records(3, seed=11)
    rows[0]["title"] = "Dune \x1b]0;pwned\x07Drift \x1b[2JModels"
    rows[0]["authors"] = "Eve \x9b31mMallory and Bob"
    rows[0]["abstract"] = "We model dune drift \x1b[31mred\x1b[0m with wind. " + str(rows[0]["abstract"])
    assert runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "x.jsonl", rows))]).exit_code == 0
    outputs = [
        runner.invoke(app, args).stdout
        for args in (
            ["papers"],
            ["papers", "--json"],
            ["search", "dune drift models", "-k", "2"],
            ["search", "dune drift models", "--json"],
            ["ask", "What do the dune drift models do?", "--backend", "extractive"],
            ["ask", "What do the dune drift models do?", "--backend", "extractive", "--json"],
        )
    ]
    for text in outputs:
        assert "Dune Drift Models" in text and not CONTROL.search(text), text
    listed = json.loads(outputs[1])
    assert next(p for p in listed if p["title"] == "Dune Drift Models")["authors"][0] == "Eve Mallory"


# ------------------------------------------------------------------------------ read-only commands
def test_read_only_commands_never_ingest(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    settings = load_settings()
    for command in (["stats"], ["papers"], ["search", "dunes"]):
        fresh = runner.invoke(app, command)
        assert fresh.exit_code == EXIT_ERROR and "no index yet" in one_line(fresh.stderr), command
    assert not settings.data_dir.exists()

    # what a first ingest killed half-way leaves: the plan, no papers yet
    first = write_jsonl(tmp_path / "first.jsonl", records(4, seed=12))
    CatalogDB.create(settings.index_dir / DB_NAME).set_state(
        IngestState(embedding_model="all-MiniLM-L6-v2", pending=[str(first)])
    )
    for command in (["stats"], ["papers"], ["search", "dunes"]):
        result = runner.invoke(app, command)
        assert result.exit_code == EXIT_ERROR, command
        assert one_line(result.stderr) == (
            "error: an ingest of first.jsonl is unfinished: run `rag ingest` to finish it"
        )
    assert not (settings.data_dir / "chroma").exists()  # not even opened

    # ask and chat finish that ingest on first use, rather than adding the bundled corpus
    said: list[str] = []
    index = assemble.open_index(settings, say=said.append, embedder=embedder)
    assert len(index.papers) == 4 and index.unfinished == [] and "unfinished ingest" in said[0]

    second = write_jsonl(tmp_path / "second.jsonl", records(2, seed=13))
    state = index.state
    assert state is not None
    CatalogDB.create(index.catalog_path).set_state(
        state.model_copy(update={"pending": [str(first), str(second)]})
    )
    listed = runner.invoke(app, ["papers", "--json"])
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)) == 4
    assert "an ingest of second.jsonl is unfinished: run `rag ingest` to finish it" in listed.stderr
    finished = runner.invoke(app, ["ingest", "--no-progress"])
    assert finished.exit_code == 0 and "6 papers" in finished.stdout
