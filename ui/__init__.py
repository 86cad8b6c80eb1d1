"""The Gradio chat app (`rag chat`): build_app composes it, launch starts it."""

from ui.app import build_app, launch

__all__ = ["build_app", "launch"]
