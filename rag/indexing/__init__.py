"""Chunks -> vectors and BM25 -> a persistent, incrementally updated index."""
