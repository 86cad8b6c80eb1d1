"""Answering: evidence selection, LLM or extractive answers, citation checks, conversations.

The pipeline is imported on first use of ``Assistant``/``BackendStatus`` (PEP 562), so importing a light
submodule such as ``rag.answering.conversation`` does not load the whole pipeline, and modules the pipeline
itself imports (``rag.collection``) may import those submodules without an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.answering.pipeline import Assistant, BackendStatus

__all__ = ["Assistant", "BackendStatus"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from rag.answering import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
