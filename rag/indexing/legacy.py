"""Earlier versions' `catalog.json` (every paper and chunk in one file), imported once into the SQLite
catalog. The import is written to a side file and renamed into place, so a kill -9 during it leaves the
JSON file answering; the JSON file is then kept as `catalog.json.imported`, and the bm25s folder it came
with is removed (the chunks are indexed again as one keyword segment).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pydantic import Field

from rag.indexing.catalog import KEYWORD_DIR, CatalogDB, IngestState
from rag.indexing.keyword import store_changes
from rag.models import Chunk, Paper, Record

LEGACY_NAME = "catalog.json"


class LegacyCatalog(Record):
    embedding_model: str
    sources: list[str] = Field(default_factory=list)
    pending: list[str] | None = None
    papers: list[Paper] = Field(default_factory=list)
    chunks: list[Chunk] = Field(default_factory=list)


def import_legacy(index_dir: Path, db_path: Path) -> int | None:
    """Import `index_dir/catalog.json` into `db_path` when that does not exist yet; returns the papers
    imported, or None when there was nothing to import. The caller holds the writer lock.

    Raises pydantic.ValidationError for a catalog.json that is not one, leaving it as it was.
    """
    legacy = index_dir / LEGACY_NAME
    if db_path.exists() or not legacy.exists():
        return None
    old = LegacyCatalog.model_validate_json(legacy.read_text(encoding="utf-8"))
    side = db_path.with_name(db_path.name + ".importing")
    for leftover in (side, side.with_name(side.name + "-wal"), side.with_name(side.name + "-shm")):
        leftover.unlink(missing_ok=True)
    chunks_of: dict[str, list[Chunk]] = {}
    for chunk in old.chunks:
        chunks_of.setdefault(chunk.paper_id, []).append(chunk)
    db = CatalogDB.create(side)
    try:
        store_changes(
            db,
            index_dir / KEYWORD_DIR,
            [(p, chunks_of.get(p.id, [])) for p in old.papers],
            [],
            IngestState(embedding_model=old.embedding_model, sources=old.sources, pending=old.pending),
        )
    finally:
        db.close()  # the last connection: SQLite folds the WAL into the file and removes it
    side.rename(db_path)
    legacy.rename(legacy.with_name(LEGACY_NAME + ".imported"))
    shutil.rmtree(index_dir / "bm25", ignore_errors=True)
    return len(old.papers)
