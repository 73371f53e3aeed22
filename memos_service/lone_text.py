"""One text at a time through ONNX Runtime: the path a search query takes on CPU.

A query is one short text. Through torch on CPU its forward pass took 8-9 ms here, nearly all of
it the cost of running each small operator, and ONNX Runtime runs the same graph in about 2 ms.
Batches stay with torch: sorted by length and in bfloat16 they go twice as fast as ONNX Runtime
takes padded batches of 64 (755 against 382 sentences/s here).

The model's transformer is exported in memory when the embedder loads (about a second, no file
written). Only the transformer: its output goes through the model's own torch modules after it
(pooling, normalisation, any dense layer), so any sentence-transformers model keeps its pipeline.
An export that fails, or whose vectors differ from torch's, is not used.
"""

import copy
import inspect
import io
import warnings
from typing import TYPE_CHECKING

import numpy as np
import structlog
import torch

from memos_service.embedding import unit_rows

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = structlog.get_logger(__name__)
PROBES = ["Where does Ana live now?", "what did I say about the trip to Lisbon last May",
          "Ben's sister started a new job at a bakery in the old town and loves it."]
MIN_COSINE = 0.9999  # to the model's own float32 vectors


class _LastHidden(torch.nn.Module):
    """The transformer with positional inputs and one output, as the exporter wants it."""

    def __init__(self, model: torch.nn.Module, names: list[str]):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.model(**dict(zip(self.names, inputs, strict=True))).last_hidden_state


class LoneTextEncoder:
    def __init__(self, model: "SentenceTransformer", threads: int):
        import onnxruntime

        self._model = model
        # sentence-transformers 6 renamed `tokenize` to `preprocess`.
        self._features = getattr(model, "preprocess", None) or model.tokenize
        # What follows the transformer (pooling, normalisation, dense layers), kept in float32
        # whatever the precision the embedder later gives the model's own layers.
        self._after = copy.deepcopy(list(model)[1:])
        transformer = model[0].auto_model
        accepted = inspect.signature(transformer.forward).parameters
        probe = self._features(PROBES[:1])
        self._names = [name for name in probe if name in accepted]
        graph = io.BytesIO()
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the tracer's notes on Python control flow it froze
            torch.onnx.export(
                _LastHidden(transformer, self._names).eval(), tuple(probe[name] for name in self._names), graph,
                input_names=self._names, output_names=["token_embeddings"], opset_version=17, dynamo=False,
                dynamic_axes={name: {0: "texts", 1: "tokens"} for name in [*self._names, "token_embeddings"]},
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        # Idle runtime threads sleep instead of spinning for more work: spinning, they took the
        # cores FAISS searches with next (its search went from 3.5 to 14 ms at 20k vectors).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(graph.getvalue(), options, providers=["CPUExecutionProvider"])

    def encode(self, text: str) -> np.ndarray:
        """The text's sentence embedding (one row). Callers serialise calls with any other use of
        the model's tokenizer, which is not thread-safe."""
        features = self._features([text])
        hidden = self._session.run(None, {name: features[name].numpy() for name in self._names})[0]
        features["token_embeddings"] = torch.from_numpy(hidden)
        with torch.inference_mode():
            for module in self._after:
                features = module(features)
        return features["sentence_embedding"].float().numpy()

    def agrees_with_torch(self) -> bool:
        expected = self._model.encode(PROBES, convert_to_numpy=True, show_progress_bar=False)
        found = np.vstack([self.encode(text) for text in PROBES])
        cosines = (unit_rows(expected) * unit_rows(found)).sum(axis=1)
        return bool(cosines.min() >= MIN_COSINE)


def lone_text_encoder(model: "SentenceTransformer") -> LoneTextEncoder | None:
    """The ONNX Runtime path for `model` (still in float32), or None where it cannot be trusted."""
    try:
        encoder = LoneTextEncoder(model, threads=torch.get_num_threads())
        if encoder.agrees_with_torch():
            return encoder
        log.warning("ONNX Runtime vectors differ from torch's; lone texts go through torch")
    except Exception as exc:  # any model the exporter or runtime cannot take: torch still can
        log.warning("no ONNX Runtime path for lone texts; they go through torch", error=str(exc))
    return None
