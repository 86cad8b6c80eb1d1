"""Check an index from outside the processes that wrote it: `python -m tests.support.verify_index`.

Reads RAG_DATA_DIR like the CLI, in a process of its own (a process that had the embedded Chroma folder
open while others wrote would read its own stale copy). Prints one JSON object naming every catalog
chunk whose vector cannot be read back, every chunk that a dense query with its own vector does not
return first (a vector the search index lost), and every paper that a dense search for its own title
does not return in its first ten, with the rank of its best chunk for that title (None: never returned).
"""

from __future__ import annotations

import json
import sys

import numpy as np

from rag.indexing.index import PaperIndex
from rag.retrieval import Searcher
from rag.settings import load_settings


def main() -> int:
    index = PaperIndex(load_settings())
    searcher = Searcher(index)
    ids = list(index.chunks)
    unreadable = index.store.unreadable(ids)
    readable = [i for i in ids if i not in set(unreadable)]
    not_found = []
    for start in range(0, len(readable), 500):
        got = index.store.collection.get(ids=readable[start : start + 500], include=["embeddings"])
        for chunk_id, vector in zip(got["ids"], got["embeddings"], strict=True):
            if [i for i, _ in index.store.query(np.asarray(vector), 1)] != [chunk_id]:
                not_found.append(chunk_id)
    missed = [
        p.id
        for p in index.papers.values()
        if p.id not in {h.paper.id for h in searcher.search(p.title, k=10, mode="dense")}
    ]
    # a paper below the first ten ranks low; one none of whose chunks any rank returns has lost its vectors
    ranks: dict[str, int | None] = {}
    everything = index.store.count()
    for paper_id in missed:
        ranked = index.store.query(index.embedder.embed_one(index.papers[paper_id].title), everything)
        ranks[paper_id] = next(
            (n for n, (chunk_id, _) in enumerate(ranked, start=1) if chunk_id.split("#")[0] == paper_id), None
        )
    summary = {
        "papers": len(index.papers),
        "chunks": len(index.chunks),
        "vectors": index.store.count(),
        "unreadable": unreadable,
        "not_found_by_own_vector": not_found,
        "missed_by_title": missed,
        "chunk_rank_of_missed": ranks,
    }
    json.dump(summary, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
