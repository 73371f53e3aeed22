"""A GPU replica that needs only PyTorch: exact top-k by one matrix product over a flat cube's
vectors, for machines with CUDA but FAISS without GPU support (faiss-gpu's wheels need CUDA 12
libraries that a CUDA 13 PyTorch image lacks). It answers like a FAISS flat index: `search(query,
k)` -> (scores, positions), positions -1 past the end, so the cube index uses either the same way.
The CPU index stays the master; a replica is rebuilt from it after writes, as FAISS's is."""

from functools import cache
from typing import Any

import numpy as np
import structlog

log = structlog.get_logger(__name__)


class TorchFlatReplica:
    def __init__(self, vectors: np.ndarray, device: str, dtype: Any = None):
        import torch

        self._torch = torch
        self.device = device
        self.dtype = dtype or torch.float32
        self.ntotal = len(vectors)
        self._vectors = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)).to(device, self.dtype)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        torch = self._torch
        count = len(queries)
        scores = np.full((count, k), -np.inf, dtype=np.float32)
        positions = np.full((count, k), -1, dtype=np.int64)
        take = min(k, self.ntotal)
        if take:
            with torch.no_grad():
                found = torch.from_numpy(np.ascontiguousarray(queries, dtype=np.float32)).to(self.device, self.dtype)
                # Scores in float32 whatever the stored precision, and ties broken by position, as FAISS does.
                best = torch.topk((found @ self._vectors.T).float(), take, dim=1, sorted=True)
            scores[:, :take], positions[:, :take] = best.values.cpu().numpy(), best.indices.cpu().numpy()
        return scores, positions


@cache
def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def torch_replica(vectors: np.ndarray, device: str = "cuda") -> TorchFlatReplica | None:
    """A replica on `device`, or None where the vectors do not fit in its memory (search stays on
    the CPU, said in the log)."""
    import torch

    try:
        return TorchFlatReplica(vectors, device)
    except torch.OutOfMemoryError as exc:
        log.warning("vectors do not fit in GPU memory; searching on CPU", vectors=len(vectors), error=str(exc)[:200])
        torch.cuda.empty_cache()
        return None
