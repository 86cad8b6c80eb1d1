"""One writer at a time per data folder: an advisory file lock (flock) held for a whole ingest.

Two processes writing one embedded Chroma folder at once lose vectors: each keeps its own copy of the
vector index in memory and writes it back over the other's, and the lost chunks then fail to read
("Error getting embedding") and are never found by dense search. A process that opened the folder
before another one wrote to it does the same damage when it writes later, so a writer opens Chroma only
once it holds the lock. The kernel releases the lock when its holder exits, even on kill -9.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = "ingest.lock"


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_NAME


def _pid_in(handle_path: Path) -> int | None:
    try:
        text = handle_path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


# Within one process: a thread-level lock per folder, and how deep the holding thread is in it. A second
# flock on the same file from the same process would wait for itself.
_THREAD_LOCKS: dict[str, threading.RLock] = {}
_DEPTH: dict[str, int] = {}
_REGISTRY = threading.Lock()


@contextmanager
def ingest_lock(data_dir: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the data folder's writer lock; says once that it waits when another process holds it.

    Re-entrant in the thread that holds it (an ingest, then the evidence vectors, under one hold).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = lock_path(data_dir)
    key = str(path.resolve())
    with _REGISTRY:
        in_process = _THREAD_LOCKS.setdefault(key, threading.RLock())
    with in_process:
        if _DEPTH.get(key, 0):
            _DEPTH[key] += 1
            try:
                yield
            finally:
                _DEPTH[key] -= 1
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _pid_in(path)
                say(f"waiting for another ingest (pid {holder if holder else 'unknown'}) ...")
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
            _DEPTH[key] = 1
            yield
        finally:
            _DEPTH[key] = 0
            os.close(fd)  # closing the descriptor releases the lock


def ingest_running(data_dir: Path) -> int | None:
    """The pid of a process ingesting into this folder now (0 when its pid is unknown), else None.

    Reads only: a folder without a lock file has never been written by an ingest that locks.
    """
    path = lock_path(data_dir)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _pid_in(path) or 0
    finally:
        os.close(fd)
    return None
