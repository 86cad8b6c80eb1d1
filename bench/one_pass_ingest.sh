#!/bin/bash
# The one-pass ingest, wired in, against the version before it: wall seconds of `rag ingest` of the
# bundled corpus, the first `rag ask` after it, then an ingest through the library (PaperIndex.ingest,
# as the app's Status tab does: no evidence step) and the first `rag ask` after that.
#   git archive 1bea51b | tar -x -C /tmp/before     # the version before
#   bench/one_pass_ingest.sh /tmp/before /tmp/m-before; bench/one_pass_ingest.sh "$PWD" /tmp/m-after
# Results: bench/results/one-pass.md, "Wired in". The data folder given is deleted first.
set -e
code=$1; data=$2
py=${PYTHON:-$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/python}  # the venv's, not what its link points to
cd "$code"
export RAG_OLLAMA_HOST=http://127.0.0.1:9  # no Ollama: extractive answers
question="Which papers prove regret lower bounds?"
seconds() { local s; s=$(date +%s.%N); "$@" >&2; echo "$(date +%s.%N) - $s" | bc; }  # output to stderr
rm -rf "$data"; export RAG_DATA_DIR=$data
echo "rag ingest: $(seconds "$py" -m rag.cli ingest data/corpus --no-progress) s"
echo "first rag ask: $(seconds "$py" -m rag.cli ask "$question" --backend extractive) s"
rm -rf "$data"
library="from pathlib import Path
from rag.indexing.index import PaperIndex
from rag.settings import load_settings
print(PaperIndex(load_settings()).ingest([Path('data/corpus')], progress=False))"
echo "library ingest: $(seconds "$py" -c "$library") s"
echo "first rag ask: $(seconds "$py" -m rag.cli ask "$question" --backend extractive) s"
