"""The PyTorch GPU replica: its logic on the CPU here (same positions as FAISS's exact search), the
same on CUDA where there is one (marked `gpu`, skipped with the reason here)."""

import faiss
import numpy as np
import pytest

from gpu_index import CubeIndex, IndexConfig
from gpu_index.torch_replica import TorchFlatReplica, cuda_available
from tests.gpu_index.test_cube_index import exact_top, unit_vectors

needs_cuda = pytest.mark.skipif(not cuda_available(), reason="no CUDA device visible to PyTorch")


def _faiss_flat(vectors: np.ndarray) -> faiss.IndexFlatIP:
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return index


def test_the_replica_answers_as_faiss_exact_search_does():
    vectors = unit_vectors(2000, dim=64, seed=1)
    queries = unit_vectors(5, dim=64, seed=2)
    replica = TorchFlatReplica(vectors, "cpu")
    scores, positions = replica.search(queries, 10)
    expected_scores, expected_positions = _faiss_flat(vectors).search(queries, 10)
    assert (positions == expected_positions).all()
    assert np.allclose(scores, expected_scores, atol=1e-5)


def test_asking_for_more_than_it_holds_pads_as_faiss_does():
    vectors = unit_vectors(3, dim=16)
    scores, positions = TorchFlatReplica(vectors, "cpu").search(vectors[:1], 5)
    assert positions[0, :3].tolist() == _faiss_flat(vectors).search(vectors[:1], 3)[1][0].tolist()
    assert positions[0, 3:].tolist() == [-1, -1] and np.isneginf(scores[0, 3:]).all()
    assert TorchFlatReplica(vectors[:0], "cpu").search(vectors[:1], 2)[1].tolist() == [[-1, -1]]


@pytest.mark.gpu
@needs_cuda
def test_on_cuda_a_flat_cube_searches_through_the_torch_replica_with_the_cpu_results():
    vectors, ids = unit_vectors(5000, dim=64, seed=3), np.arange(10_000, 15_000)
    index = CubeIndex(64, IndexConfig(use_gpu=True))
    index.upsert(ids, vectors)
    index.remove(ids[:100])
    for query in unit_vectors(20, dim=64, seed=4):
        assert [memory_id for memory_id, _ in index.search(query, 10)] == exact_top(vectors[100:], ids[100:], query, 10)
    assert isinstance(index._search_index(10), TorchFlatReplica)


@pytest.mark.gpu
@needs_cuda
def test_on_cuda_half_precision_keeps_the_top_10():
    import torch

    vectors, queries = unit_vectors(100_000, dim=384, seed=5), unit_vectors(50, dim=384, seed=6)
    _, exact = _faiss_flat(vectors).search(queries, 10)
    _, half = TorchFlatReplica(vectors, "cuda", torch.float16).search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact.tolist(), half.tolist(), strict=True)])
    assert recall >= 0.99, recall
