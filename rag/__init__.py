"""Local question answering over research-paper abstracts, with verified citations."""

__version__ = "0.1.0"
