"""Atomic file writes: a reader (or a process killed half-way) sees the old file or the new one, never half.

Every file the project writes next to an index or into an output folder goes through here.
"""

from __future__ import annotations

import os
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
