"""Finding input files and turning one file into a ParsedFile without ever raising on bad input.

Ingestion runs over folders users fill by hand, so anything can be there: binaries, empty or huge files,
unreadable paths. Each such file becomes one clear, one-line problem and the run goes on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from rag.models import Paper, ParsedFile, ParseProblem
from rag.parsing.arxiv_jsonl import parse_arxiv_jsonl
from rag.parsing.bibtex import parse_bibtex
from rag.parsing.common import collapse_ws, problem
from rag.parsing.listing import parse_listing

SUPPORTED_SUFFIXES = (".txt", ".jsonl", ".json", ".bib")
MAX_FILE_BYTES = 50 * 1024 * 1024
FORMATS = ("bibtex", "arxiv-jsonl", "listing")
_SUFFIX_FORMAT = {".bib": "bibtex", ".jsonl": "arxiv-jsonl", ".json": "arxiv-jsonl"}


def discover_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand folders (recursively, sorted, supported suffixes only, hidden entries skipped).

    A path given explicitly is kept whatever its suffix -- even when it does not exist -- so that
    parse_path can report it instead of it silently vanishing.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if child.suffix.lower() in SUPPORTED_SUFFIXES and child.is_file():
                    found.append(child)
        else:
            found.append(path)
    unique: list[Path] = []
    for p in found:
        if p not in unique:
            unique.append(p)
    return unique


def detect_format(text: str, suffix: str = "") -> str:
    """From the suffix first, then the content: '@' -> bibtex, '{' or '[' -> arXiv JSON, else listing."""
    if suffix.lower() in _SUFFIX_FORMAT:
        return _SUFFIX_FORMAT[suffix.lower()]
    head = text.lstrip()[:1]
    if head == "@":
        return "bibtex"
    if head in ("{", "["):
        return "arxiv-jsonl"
    return "listing"


def parse_text(text: str, source: str, fmt: str | None = None) -> ParsedFile:
    """The pure core: parse already-decoded text. Never raises; failures become problems."""
    if not text.strip():
        return ParsedFile(source=source, problems=[problem(source, "empty file; skipped")])
    fmt = fmt or detect_format(text)
    papers: list[Paper]
    problems: list[ParseProblem]
    try:
        if fmt == "bibtex":
            papers, problems = parse_bibtex(text, source)
        elif fmt in ("arxiv-jsonl", "jsonl", "json"):
            papers, problems = parse_arxiv_jsonl(text, source)
        elif fmt == "listing":
            papers, problems = parse_listing(text, source)
        else:
            return ParsedFile(source=source, problems=[problem(source, f"unknown format {fmt!r}; skipped")])
    except Exception as exc:  # a parser bug must not stop ingestion of the other files
        return ParsedFile(
            source=source,
            problems=[problem(source, f"could not parse as {fmt} ({type(exc).__name__}: {exc}); skipped")],
        )
    return _file_result(source, fmt, papers, problems)


def _file_result(source: str, fmt: str, papers: list[Paper], problems: list[ParseProblem]) -> ParsedFile:
    if not papers and not problems:
        problems = [problem(source, f"no paper found in this {fmt} file; skipped")]
    elif not papers and len(problems) > 1:
        # Nothing usable at all: one line for the file rather than one per broken record.
        first = problems[0]
        where = f"{first.entry}: " if first.entry else ""
        summary = f"{len(problems)} problems, first: {where}{first.message}"
        problems = [problem(source, f"no usable paper in this {fmt} file ({summary})")]
    return ParsedFile(source=source, papers=papers, problems=problems)


def _read_checked(path: Path, source: str) -> bytes | ParseProblem:
    """The file's bytes, or the one problem that explains why it cannot be used."""
    if path.is_symlink() and not path.exists():
        return problem(source, "broken symbolic link; skipped")
    if not path.exists():
        return problem(source, "file not found; skipped")
    if path.is_dir():
        return problem(source, "is a directory, not a file; skipped")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return problem(
                source, f"file too large ({size / 1e6:.0f} MB > {MAX_FILE_BYTES // 2**20} MB); skipped"
            )
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # bounded even when st_size lies (pipes, /proc)
    except OSError as exc:
        return problem(source, f"unreadable ({exc.strerror or type(exc).__name__}); skipped")
    if len(data) > MAX_FILE_BYTES:
        return problem(source, f"file too large (> {MAX_FILE_BYTES // 2**20} MB); skipped")
    if not data.strip():
        return problem(source, "empty file; skipped")
    if b"\x00" in data:
        return problem(source, "binary file, not text; skipped")
    return data


_BIBTEX_ENTRY_START = re.compile(rb"^[ \t]*@", re.MULTILINE)


def _record_spans(data: bytes, fmt: str) -> list[tuple[int, int]]:
    """Byte ranges of the records a bad byte may cost: a line of JSONL, an entry of BibTeX."""
    if fmt == "bibtex":
        starts = [0] + [m.start() for m in _BIBTEX_ENTRY_START.finditer(data) if m.start() > 0]
    else:
        starts = _line_starts(data)
    ends = starts[1:] + [len(data)]
    return list(zip(starts, ends, strict=True))


def _line_starts(data: bytes) -> list[int]:
    starts, at = [0], data.find(b"\n")
    while at != -1:
        starts.append(at + 1)
        at = data.find(b"\n", at + 1)
    return starts


def decode_records(data: bytes, source: str, fmt: str) -> tuple[str, list[ParseProblem]]:
    """UTF-8 text of the file; in JSONL and BibTeX a record with a bad byte is blanked, not the file.

    A blanked record keeps its newlines, so the line numbers of every later problem stay true.
    """
    try:
        return _newlines(data.decode("utf-8-sig")), []
    except UnicodeDecodeError as exc:
        first_bad = data.count(b"\n", 0, exc.start) + 1
        if fmt not in ("bibtex", "arxiv-jsonl"):
            return "", [problem(source, f"binary file or not UTF-8 text (line {first_bad}); skipped")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    parts: list[str] = []
    problems: list[ParseProblem] = []
    first_line = 1  # of the current record: counted as the records go by, so this stays linear
    for start, end in _record_spans(data, fmt):
        chunk = data[start:end]
        newlines = chunk.count(b"\n")
        first_line += newlines
        try:
            parts.append(chunk.decode("utf-8"))
        except UnicodeDecodeError as exc:
            line = first_line - newlines + chunk.count(b"\n", 0, exc.start)
            if fmt == "bibtex":
                head = _BIBTEX_KEY.search(chunk.decode("utf-8", errors="replace"))
                key = collapse_ws(head.group(1)) if head and head.group(1) else f"line {line}"
                problems.append(problem(source, f"not UTF-8 text (line {line}); entry skipped", key))
            else:
                problems.append(problem(source, "not UTF-8 text; skipped", f"line {line}"))
            parts.append("\n" * newlines)
    return _newlines("".join(parts)), problems


_BIBTEX_KEY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]\s*([^,\s]*)")


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _format_of(path: Path, data: bytes) -> str:
    fmt = _SUFFIX_FORMAT.get(path.suffix.lower())
    return fmt or detect_format(data[:4096].decode("utf-8-sig", errors="ignore"))


def parse_path(path: str | os.PathLike[str]) -> ParsedFile:
    """Read and parse one file; any failure is one problem naming the file, never an exception."""
    p = Path(path)
    source = p.name or str(p)
    try:
        data = _read_checked(p, source)
    except Exception as exc:  # e.g. PermissionError from is_dir() on a locked-down parent
        data = problem(source, f"unreadable ({type(exc).__name__}); skipped")
    if isinstance(data, ParseProblem):
        return ParsedFile(source=source, problems=[data])
    fmt = _format_of(p, data)
    text, bad_records = decode_records(data, source, fmt)
    if not bad_records:
        return parse_text(text, source, fmt)
    if not text.strip():
        return _file_result(source, fmt, [], bad_records)
    parsed = parse_text(text, source, fmt)
    problems = sorted([*bad_records, *parsed.problems], key=_line_of)
    return _file_result(source, fmt, parsed.papers, problems)


def _line_of(item: ParseProblem) -> int:
    """Problems in file order: those naming a line by its number, the others (BibTeX keys) after."""
    entry = item.entry or ""
    return int(entry[5:]) if entry.startswith("line ") and entry[5:].isdigit() else 1 << 60
