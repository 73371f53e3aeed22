"""One cube's vectors in FAISS, cosine similarity as inner product over unit vectors.

FAISS pitfalls this design answers:
- HNSW (and GPU) indexes cannot `remove_ids`: every index here is append-only over positions; a
  removed or replaced memory leaves a tombstone, searches skip tombstones by over-fetching, and
  the index is compacted (rebuilt from its own live vectors) when tombstones pass a fraction.
- Flat while small, HNSW past a size threshold: exact where exact is cheap.
- GPU indexes cannot be written and ignore ID selectors: the CPU copy is the master that is
  snapshotted; a GPU replica (when there is a GPU) only answers searches, from a copy rebuilt after
  changes, with k capped at the GPU limit.
- Not thread-safe under mutation: one lock guards every read and write of a cube's index.
"""

import threading
from dataclasses import dataclass

import faiss
import numpy as np

from gpu_index.gpu import GPU_MAX_K, gpu_replica


@dataclass(frozen=True)
class IndexConfig:
    hnsw_threshold: int = 100_000  # live vectors past which a flat index becomes HNSW
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 256
    compact_dead_fraction: float = 0.2
    use_gpu: bool = True


class CubeIndex:
    def __init__(self, dim: int, config: IndexConfig | None = None):
        self.dim = dim
        self.config = config or IndexConfig()
        self.lock = threading.RLock()
        self.watermark = 0  # the change-log seq this index reflects
        self.loaded = False  # restored from a snapshot or filled from the source yet
        self._reset(approximate=False)

    def _reset(self, approximate: bool) -> None:
        if approximate:
            index = faiss.IndexHNSWFlat(self.dim, self.config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = self.config.hnsw_ef_construction
            index.hnsw.efSearch = self.config.hnsw_ef_search
        else:
            index = faiss.IndexFlatIP(self.dim)
        self.index = index
        self.labels = np.zeros(0, dtype=np.int64)  # position -> memory id, -1 for a tombstone
        self.position: dict[int, int] = {}  # memory id -> live position
        self._replica = None

    @property
    def approximate(self) -> bool:
        return isinstance(self.index, faiss.IndexHNSWFlat)

    @property
    def live(self) -> int:
        return len(self.position)

    @property
    def dead(self) -> int:
        return len(self.labels) - len(self.position)

    def upsert(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        with self.lock:
            self._tombstone(ids)
            start = len(self.labels)
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            self.labels = np.concatenate([self.labels, ids.astype(np.int64)])
            self.position.update({int(memory_id): start + offset for offset, memory_id in enumerate(ids)})
            self._replica = None
            self._maybe_restructure()

    def remove(self, ids: np.ndarray) -> None:
        with self.lock:
            self._tombstone(ids)
            self._replica = None
            self._maybe_restructure()

    def _tombstone(self, ids: np.ndarray) -> None:
        for memory_id in ids:
            position = self.position.pop(int(memory_id), None)
            if position is not None:
                self.labels[position] = -1

    def _maybe_restructure(self) -> None:
        wants_hnsw = self.live >= self.config.hnsw_threshold
        too_dead = self.dead > self.config.compact_dead_fraction * max(len(self.labels), 1)
        if wants_hnsw != self.approximate or too_dead:
            self.rebuild()

    def rebuild(self) -> None:
        """Rewrites the index from its live vectors: drops tombstones, picks flat or HNSW."""
        with self.lock:
            positions = np.array(sorted(self.position.values()), dtype=np.int64)
            ids = self.labels[positions] if len(positions) else np.zeros(0, dtype=np.int64)
            vectors = self._reconstruct(positions)
            self._reset(approximate=len(ids) >= self.config.hnsw_threshold)
            if len(ids):
                self.index.add(vectors)
                self.labels = ids.copy()
                self.position = {int(memory_id): offset for offset, memory_id in enumerate(ids)}

    def _reconstruct(self, positions: np.ndarray) -> np.ndarray:
        if not len(positions):
            return np.zeros((0, self.dim), dtype=np.float32)
        if isinstance(self.index, faiss.IndexFlat):
            return self.index.reconstruct_batch(positions.astype(np.int64)).astype(np.float32)
        return np.vstack([self.index.reconstruct(int(position)) for position in positions]).astype(np.float32)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Up to k live (memory id, cosine similarity) pairs, best first."""
        with self.lock:
            if not self.live or k <= 0:
                return []
            # Tombstones may take places in the raw result: ask for enough to skip them all.
            fetch = min(k + self.dead, len(self.labels))
            index = self._search_index(fetch)
            scores, positions = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), fetch)
            hits = []
            for score, position in zip(scores[0], positions[0], strict=True):
                if position < 0:
                    continue
                memory_id = int(self.labels[position])
                if memory_id >= 0:
                    hits.append((memory_id, float(score)))
                if len(hits) == k:
                    break
            return hits

    def _search_index(self, fetch: int):
        if not self.config.use_gpu or fetch > GPU_MAX_K or self.approximate:
            return self.index
        if self._replica is None:
            self._replica = gpu_replica(self.index)
        return self._replica or self.index

    def neighbours_within(self, memory_ids: list[int], threshold: float, batch: int = 2048,
                          approximate_k: int = 64) -> list[tuple[int, int, float]]:
        """(id, neighbour id, cosine) for every live neighbour at or above `threshold` of each given
        live memory, on the CPU master. Flat: an exact range search. HNSW: its k nearest (FAISS's
        HNSW range search is not built for this, and aborts the process on large batches), so a
        memory with more than k near-duplicates gets the rest on a later run."""
        found: list[tuple[int, int, float]] = []
        with self.lock:
            positions = [self.position[memory_id] for memory_id in memory_ids if memory_id in self.position]
            for start in range(0, len(positions), batch):
                chunk = np.array(positions[start:start + batch], dtype=np.int64)
                queries = self._reconstruct(chunk)
                if self.approximate:
                    k = min(approximate_k + self.dead, len(self.labels))
                    scores, hits = self.index.search(queries, k)
                    rows = [(scores[row], hits[row]) for row in range(len(chunk))]
                else:
                    limits, all_scores, all_hits = self.index.range_search(queries, float(threshold))
                    rows = [(all_scores[limits[row]:limits[row + 1]], all_hits[limits[row]:limits[row + 1]])
                            for row in range(len(chunk))]
                for position, (scores, hits) in zip(chunk, rows, strict=True):
                    query_id = int(self.labels[position])
                    for score, hit in zip(scores, hits, strict=True):
                        if hit < 0 or score < threshold:
                            continue
                        neighbour = int(self.labels[hit])
                        if neighbour >= 0 and neighbour != query_id:
                            found.append((query_id, neighbour, float(score)))
        return found

    def ids(self) -> set[int]:
        with self.lock:
            return set(self.position)

    # Snapshots: the CPU master only.
    def serialize(self) -> tuple[np.ndarray, np.ndarray]:
        with self.lock:
            return faiss.serialize_index(self.index), self.labels.copy()

    def restore(self, data: np.ndarray, labels: np.ndarray, watermark: int) -> None:
        """Takes the state a `serialize()` produced."""
        index = faiss.deserialize_index(data)
        if index.d != self.dim or index.ntotal != len(labels):
            raise ValueError("snapshot does not match its labels or the embedding dimension")
        with self.lock:
            self.index, self.labels, self.watermark, self._replica = index, labels.astype(np.int64), watermark, None
            self.position = {int(memory_id): position for position, memory_id in enumerate(labels) if memory_id >= 0}
