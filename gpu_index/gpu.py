"""GPU replicas: FAISS's when FAISS was built with CUDA and a GPU is visible (the `gpu` extra), else
PyTorch's where it sees CUDA."""

import faiss
import structlog

from gpu_index.torch_replica import TorchFlatReplica, cuda_available, torch_replica

log = structlog.get_logger(__name__)
# FAISS GPU k-selection handles at most this many neighbours per query.
GPU_MAX_K = 2048
_resources = None


def gpu_count() -> int:
    get = getattr(faiss, "get_num_gpus", None)
    return get() if get is not None else 0


def gpu_replica(index: faiss.Index) -> "faiss.Index | TorchFlatReplica | None":
    """A search-only copy on GPU 0, or None without a GPU. Only flat indexes are replicated:
    an IVF cube is searched on the CPU, and the CPU copy stays the master that snapshots are written from.
    FAISS's own GPU index where FAISS has GPU support; else, where PyTorch sees CUDA, a matrix
    product on the GPU (`torch_replica`)."""
    global _resources
    if not isinstance(index, faiss.IndexFlat):
        return None
    if gpu_count() == 0:
        return torch_replica(index.reconstruct_n(0, index.ntotal)) if cuda_available() else None
    try:
        if _resources is None:
            _resources = faiss.StandardGpuResources()
        return faiss.index_cpu_to_gpu(_resources, 0, index)
    except Exception as exc:  # noqa: BLE001 - a failed replica degrades to CPU search, never an error
        log.warning("GPU replica failed; searching on CPU", error=str(exc))
        return None
