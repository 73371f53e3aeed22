"""The process's FAISS index manager, configured from the settings."""

from gpu_index import IndexConfig, IndexManager
from memos_service.config import Settings
from memos_service.retrieval.index_source import PostgresChangeSource


def build_index_manager(settings: Settings, dimension: int) -> IndexManager:
    config = IndexConfig(hnsw_threshold=settings.index_hnsw_threshold, hnsw_ef_search=settings.index_hnsw_ef_search)
    return IndexManager(PostgresChangeSource(), dimension, settings.indexes_path, config)
