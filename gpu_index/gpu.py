"""GPU replicas, when FAISS was built with CUDA and a GPU is visible (the `gpu` extra)."""

import faiss
import structlog

log = structlog.get_logger(__name__)
# FAISS GPU k-selection handles at most this many neighbours per query.
GPU_MAX_K = 2048
_resources = None


def gpu_count() -> int:
    get = getattr(faiss, "get_num_gpus", None)
    return get() if get is not None else 0


def gpu_replica(index: faiss.Index) -> faiss.Index | None:
    """A search-only copy on GPU 0, or None without a GPU. Only flat indexes are replicated:
    an IVF cube is searched on the CPU, and the CPU copy stays the master that snapshots are written from."""
    global _resources
    if gpu_count() == 0 or not isinstance(index, faiss.IndexFlat):
        return None
    try:
        if _resources is None:
            _resources = faiss.StandardGpuResources()
        return faiss.index_cpu_to_gpu(_resources, 0, index)
    except Exception as exc:  # noqa: BLE001 - a failed replica degrades to CPU search, never an error
        log.warning("GPU replica failed; searching on CPU", error=str(exc))
        return None
