"""The FAISS wrapper on its own: exactness while flat, recall once HNSW, tombstones, snapshots."""

import numpy as np

from gpu_index import CubeIndex, IndexConfig


def unit_vectors(count: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def exact_top(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return ids[np.argsort(-(vectors @ query), kind="stable")[:k]].tolist()


def test_flat_index_is_exact_and_skips_tombstones():
    vectors, ids = unit_vectors(500), np.arange(1000, 1500)
    index = CubeIndex(32, IndexConfig(use_gpu=False))
    index.upsert(ids, vectors)
    query = vectors[7]
    assert [memory_id for memory_id, _ in index.search(query, 10)] == exact_top(vectors, ids, query, 10)

    index.remove(ids[:50])
    assert index.live == 450 and index.dead == 50
    kept = [memory_id for memory_id, _ in index.search(query, 10)]
    assert kept == exact_top(vectors[50:], ids[50:], query, 10)
    assert len(index.search(query, 1000)) == 450


def test_updates_replace_vectors_and_compaction_drops_tombstones():
    vectors = unit_vectors(100)
    index = CubeIndex(32, IndexConfig(use_gpu=False, compact_dead_fraction=0.2))
    index.upsert(np.arange(100), vectors)
    index.upsert(np.array([5]), vectors[[90]])  # memory 5 now has memory 90's vector
    assert {memory_id for memory_id, _ in index.search(vectors[90], 2)} == {5, 90}
    assert 5 not in [memory_id for memory_id, _ in index.search(vectors[5], 1)]
    index.remove(np.arange(50, 80))
    assert index.dead == 0 and index.live == 70  # compacted once tombstones passed a fifth


def test_hnsw_past_the_threshold_keeps_recall():
    vectors, ids = unit_vectors(4000, dim=64, seed=1), np.arange(4000)
    index = CubeIndex(64, IndexConfig(hnsw_threshold=2000, hnsw_ef_search=128, use_gpu=False))
    index.upsert(ids, vectors)
    assert index.approximate
    queries = unit_vectors(50, dim=64, seed=2)
    recall = np.mean([len(set(exact_top(vectors, ids, q, 10)) & {i for i, _ in index.search(q, 10)}) / 10 for q in queries])
    assert recall >= 0.98
    index.remove(ids[:2500])
    assert not index.approximate and index.live == 1500  # back to exact when small again


def test_snapshot_round_trip():
    vectors = unit_vectors(300)
    index = CubeIndex(32, IndexConfig(use_gpu=False))
    index.upsert(np.arange(300), vectors)
    index.remove(np.arange(10))
    data, labels = index.serialize()
    restored = CubeIndex(32, IndexConfig(use_gpu=False))
    restored.restore(data, labels, watermark=42)
    assert restored.watermark == 42 and restored.ids() == index.ids()
    assert restored.search(vectors[100], 5) == index.search(vectors[100], 5)


def test_near_neighbours_are_found_on_flat_and_hnsw_alike():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(3000, 16)).astype(np.float32)
    vectors[1] = vectors[0] + 0.01  # a near-duplicate pair among random vectors
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    found = {}
    for threshold in (10_000, 100):  # flat, then HNSW (a large batch: FAISS's HNSW range search aborted on these)
        index = CubeIndex(16, IndexConfig(hnsw_threshold=threshold, use_gpu=False))
        index.upsert(np.arange(1, 3001, dtype=np.int64), vectors)
        index.remove(np.array([5], dtype=np.int64))
        pairs = index.neighbours_within(list(range(1, 3001)), 0.99)
        found[index.approximate] = {(a, b) for a, b, _ in pairs}
    assert found[False] == found[True] == {(1, 2), (2, 1)}
