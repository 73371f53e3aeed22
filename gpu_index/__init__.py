"""FAISS index manager: per-cube indexes derived from Postgres (CPU master copy, GPU replica
when CUDA is present), caught up from the change log, snapshotted to disk.

This package knows FAISS and numpy only; the service plugs Postgres in through `ChangeSource`.
"""

from gpu_index.cube_index import CubeIndex, IndexConfig
from gpu_index.gpu import gpu_count
from gpu_index.manager import ChangeSource, IndexManager

__all__ = ["ChangeSource", "CubeIndex", "IndexConfig", "IndexManager", "gpu_count"]
