"""The catalog: every paper and chunk of the index, written atomically after each ingest."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import Field

from rag.models import Chunk, Paper, Record


class Catalog(Record):
    embedding_model: str
    sources: list[str] = Field(
        default_factory=list, description="Files and folders the collection is made of."
    )
    papers: list[Paper] = Field(default_factory=list)
    chunks: list[Chunk] = Field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Catalog | None:
        if not path.exists():
            return None
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.model_dump_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
