"""Answering: LLM backends and the answer pipeline."""
