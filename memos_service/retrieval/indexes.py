"""The process's FAISS index manager, configured from the settings."""

from gpu_index import IndexConfig, IndexManager
from memos_service.config import Settings
from memos_service.retrieval.index_source import PostgresChangeSource


def build_index_manager(settings: Settings, dimension: int) -> IndexManager:
    config = IndexConfig(approximate_threshold=settings.index_approximate_threshold, ivf_nprobe=settings.index_ivf_nprobe)
    budget = settings.index_memory_mb * 2**20 if settings.index_memory_mb is not None else None
    return IndexManager(PostgresChangeSource(), dimension, settings.indexes_path, config, memory_budget=budget)
