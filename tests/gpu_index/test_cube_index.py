"""The FAISS wrapper on its own: exactness while flat, recall once IVF, tombstones, snapshots."""

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


def recall_at_10(index: CubeIndex, vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray) -> float:
    return float(np.mean([len(set(exact_top(vectors, ids, q, 10)) & {i for i, _ in index.search(q, 10)}) / 10
                          for q in queries]))


def clustered_vectors(count: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, dim))
    vectors = (centres[rng.integers(0, 50, count)] + 0.5 * rng.normal(size=(count, dim))).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_ivf_past_the_threshold_keeps_recall_and_skips_tombstones():
    vectors, ids = clustered_vectors(6000, dim=64, seed=1), np.arange(6000)
    index = CubeIndex(64, IndexConfig(approximate_threshold=4000, ivf_nprobe=64, use_gpu=False))
    index.upsert(ids, vectors)
    assert index.approximate and index.trained_for == 6000
    queries = vectors[:50] + 0.05 * unit_vectors(50, dim=64, seed=2)
    assert recall_at_10(index, vectors, ids, queries) >= 0.98
    index.remove(ids[:1000])  # a sixth: tombstones, skipped, not yet compacted
    assert index.approximate and index.dead == 1000
    assert recall_at_10(index, vectors[1000:], ids[1000:], queries) >= 0.98
    index.remove(ids[1000:2500])
    assert not index.approximate and index.live == 3500  # back to exact when small again
    # Exact over the vectors IVF held in float16: only near-ties can change places.
    assert recall_at_10(index, vectors[2500:], ids[2500:], queries) >= 0.99


def test_ivf_is_retrained_when_the_cube_doubles():
    vectors = clustered_vectors(9000, dim=32, seed=4)
    index = CubeIndex(32, IndexConfig(approximate_threshold=2000, use_gpu=False))
    index.upsert(np.arange(2000), vectors[:2000])
    assert index.approximate and index.trained_for == 2000
    index.upsert(np.arange(2000, 4000), vectors[2000:4000])
    assert index.trained_for == 2000  # twice the size it was trained for is still within reach
    index.upsert(np.arange(4000, 9000), vectors[4000:])
    assert index.trained_for == 9000 and index.live == 9000


def test_bulk_load_builds_once_when_settled():
    vectors = clustered_vectors(5000, dim=32, seed=5)
    index = CubeIndex(32, IndexConfig(approximate_threshold=1000, use_gpu=False))
    for start in range(0, 5000, 1000):
        index.upsert(np.arange(start, start + 1000), vectors[start:start + 1000], settle=False)
    assert not index.approximate
    index.settle()
    assert index.approximate and index.trained_for == 5000


def test_snapshot_round_trip_flat_and_ivf():
    vectors = clustered_vectors(3000, dim=32, seed=6)
    for threshold in (10_000, 1000):
        config = IndexConfig(approximate_threshold=threshold, ivf_nprobe=16, use_gpu=False)
        index = CubeIndex(32, config)
        index.upsert(np.arange(3000), vectors)
        index.remove(np.arange(10))
        data, labels = index.serialize()
        restored = CubeIndex(32, config)
        restored.restore(data, labels, watermark=42)
        assert restored.watermark == 42 and restored.ids() == index.ids()
        assert restored.approximate == index.approximate == (threshold == 1000)
        assert restored.search(vectors[100], 5) == index.search(vectors[100], 5)
        restored.rebuild()  # vectors come back out of a restored IVF index too
        assert restored.live == 2990 and restored.search(vectors[100], 1)[0][0] == 100


def test_near_neighbours_are_found_on_flat_and_ivf_alike():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(3000, 16)).astype(np.float32)
    vectors[1] = vectors[0] + 0.01  # a near-duplicate pair among random vectors
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    found = {}
    for threshold in (10_000, 100):  # flat, then IVF
        index = CubeIndex(16, IndexConfig(approximate_threshold=threshold, use_gpu=False))
        index.upsert(np.arange(1, 3001, dtype=np.int64), vectors)
        index.remove(np.array([5], dtype=np.int64))
        pairs = index.neighbours_within(list(range(1, 3001)), 0.99)
        found[index.approximate] = {(a, b) for a, b, _ in pairs}
    assert found[False] == found[True] == {(1, 2), (2, 1)}
