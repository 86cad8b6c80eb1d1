"""The catalog: every paper and chunk of the index, written atomically after each ingest."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from rag.io import atomic_write_text
from rag.models import Chunk, Paper, Record


class Catalog(Record):
    embedding_model: str
    sources: list[str] = Field(
        default_factory=list, description="Files and folders the collection is made of."
    )
    pending: list[str] | None = Field(
        None,
        description="The sources an ingest that has not finished was asked to make the collection of; "
        "written before its slow part, so a bare `rag ingest` finishes it. None when none is unfinished.",
    )
    papers: list[Paper] = Field(default_factory=list)
    chunks: list[Chunk] = Field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Catalog | None:
        if not path.exists():
            return None
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def save(self, path: Path) -> None:
        atomic_write_text(path, self.model_dump_json(), fsync=True)
