"""Answering: evidence selection, LLM or extractive answers, citation checks, conversations."""

from rag.answering.pipeline import Assistant, BackendStatus

__all__ = ["Assistant", "BackendStatus"]
