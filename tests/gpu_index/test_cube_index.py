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


def best_of_each(vectors: np.ndarray, labels: np.ndarray, query: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The reference for memories of several vectors: each memory once, at its best vector's score."""
    best: dict[int, float] = {}
    for memory_id, score in zip(labels.tolist(), (vectors @ query).tolist(), strict=True):
        best[memory_id] = max(best.get(memory_id, -2.0), score)
    return sorted(best.items(), key=lambda item: -item[1])[:k]


def with_passages(count: int, passages: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`count` memories, every third with `passages` passage vectors after its whole one."""
    vectors, labels = [], []
    rows = unit_vectors(count * (1 + passages), seed=seed)
    for memory_id in range(count):
        own = 1 + (passages if memory_id % 3 == 0 else 0)
        vectors.append(rows[memory_id * (1 + passages): memory_id * (1 + passages) + own])
        labels += [memory_id] * own
    return np.vstack(vectors), np.array(labels, dtype=np.int64)


def test_a_memory_of_several_vectors_is_found_once_at_its_best():
    vectors, labels = with_passages(300, passages=5)
    index = CubeIndex(32, IndexConfig(use_gpu=False))
    index.upsert(labels, vectors)
    assert index.live == 300 and index.vectors == len(labels) and index.dead == 0
    for row in (1, 3, 200):  # a passage of memory 0, of memory 0 again, a whole vector
        found = index.search(vectors[row], 10)
        expected = best_of_each(vectors, labels, vectors[row], 10)
        assert [memory_id for memory_id, _ in found] == [memory_id for memory_id, _ in expected]
        assert np.allclose([score for _, score in found], [score for _, score in expected], atol=1e-5)
    # k memories however many of the nearest vectors are one memory's passages.
    crowded = np.vstack([vectors[0]] * 40 + [unit_vectors(1, seed=9)[0]])
    index.upsert(np.array([7] * 40 + [8]), crowded)
    assert len(index.search(vectors[0], 30)) == 30 and len(set(i for i, _ in index.search(vectors[0], 30))) == 30


def test_passages_go_with_their_memory_when_replaced_removed_or_compacted():
    vectors, labels = with_passages(60, passages=3)
    index = CubeIndex(32, IndexConfig(use_gpu=False, compact_dead_fraction=0.9))
    index.upsert(labels, vectors)
    passage = vectors[2]  # memory 0's second passage
    assert index.search(passage, 1)[0][0] == 0

    index.upsert(np.array([0]), vectors[[1]])  # memory 0 now says one thing: its old passages are gone
    assert index.dead == 4 and index.live == 60
    assert index.search(passage, 1)[0][0] != 0
    index.remove(np.array([3]))  # and memory 3's four vectors with it
    assert 3 not in {memory_id for memory_id, _ in index.search(vectors[labels.tolist().index(3) + 2], 60)}

    before = index.search(passage, 20)
    index.rebuild()
    assert index.dead == 0 and index.search(passage, 20) == before
    restored = CubeIndex(32, IndexConfig(use_gpu=False))
    restored.restore(*index.serialize(), watermark=5)
    assert restored.search(passage, 20) == before and restored.passages == index.passages


def test_search_among_and_near_duplicates_see_passages_right():
    vectors, labels = with_passages(30, passages=2)
    index = CubeIndex(32, IndexConfig(use_gpu=False))
    index.upsert(labels, vectors)
    # Among memories 0 and 1 only: memory 0 by its passage, once.
    assert [memory_id for memory_id, _ in index.search_among(vectors[2], 5, [0, 1])] == [0, 1]
    # A memory equal to another's passage contains it rather than duplicates it: only whole vectors pair up.
    index.upsert(np.array([100, 101]), vectors[[1, 2]])  # memory 0's two passages, as memories of their own
    pairs = {(a, b) for a, b, _ in index.neighbours_within([0, 100, 101], 0.99)}
    assert pairs == set()
    index.upsert(np.array([102]), vectors[[3]])  # memory 1's whole vector, again
    assert {(a, b) for a, b, _ in index.neighbours_within([102], 0.99)} == {(102, 1)}
