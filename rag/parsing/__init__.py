"""Input files -> Paper records: format detection, the three corpus layouts, arXiv JSONL, BibTeX, merging."""

from rag.parsing.files import discover_files, parse_path, parse_text
from rag.parsing.ids import normalize_title, paper_id
from rag.parsing.merge import merge_papers

__all__ = ["discover_files", "merge_papers", "normalize_title", "paper_id", "parse_path", "parse_text"]
