"""What the project writes: files atomically (a reader, or a process killed half-way, sees the old file or the
new one, never half), and paper text for terminals with no control characters in it.

Every file the project writes next to an index or into an output folder goes through here.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to, moved over `path` only when the block ends cleanly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(0o644)  # mkstemp makes it 0600
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_writer(path: Path, mode: str = "w", *, fsync: bool = False) -> Iterator[IO[Any]]:
    """A handle on a temporary file beside `path`, moved over `path` only when the block ends cleanly."""
    encoding = None if "b" in mode else "utf-8"
    with atomic_path(path) as tmp, open(tmp, mode, encoding=encoding) as handle:  # noqa: PTH123
        yield handle
        handle.flush()
        if fsync:
            os.fsync(handle.fileno())


def atomic_write_text(path: Path, text: str, *, fsync: bool = False) -> None:
    with atomic_writer(path, "w", fsync=fsync) as handle:
        handle.write(text)


# --- text for terminals -----------------------------------------------------------------------------
# Paper text comes from files anyone can write. A terminal obeys escape sequences wherever they appear
# (ESC]0;...BEL retitles the window, ESC[2J clears the screen, 8-bit CSI 0x9b does the same as ESC[), so
# text is cleaned when it is parsed and again when it is printed. Each pattern has one quantifier over a
# class that excludes its terminator: linear time on any input.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x20-\x3f]*[\x40-\x7e]?"  # CSI: colours, cursor moves, screen clears
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS ...
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"  # any other ESC sequence
)
# C0 and C1 controls and DEL, and the bidirectional overrides that reorder what a terminal shows.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_RAW_IN_JSON = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_KEEP = {"\n", "\t"}


def strip_controls(text: str) -> str:
    """Text without escape sequences or control characters; whitespace controls become spaces."""
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\v\f\r" else "", text)


def _visible(char: str) -> str:
    code = ord(char)
    if char in _KEEP:
        return char
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ for ESC, ␇ for BEL
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def printable(text: str) -> str:
    """Text that is safe to print: escape sequences removed, other control characters made visible."""
    return _CONTROL.sub(lambda m: _visible(m.group()), _ESCAPE_SEQUENCE.sub("", text))


def json_safe(serialized: str) -> str:
    """JSON text with the control characters json.dumps leaves raw (DEL, C1, bidi overrides) escaped.

    Those characters can only occur inside JSON strings, so a \\uXXXX escape keeps the document valid
    and the decoded value unchanged.
    """
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", serialized)
