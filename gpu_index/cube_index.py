"""One cube's vectors in FAISS, cosine similarity as inner product over unit vectors.

FAISS pitfalls this design answers:
- GPU (and HNSW) indexes cannot `remove_ids`: every index here is append-only over positions; a
  removed or replaced memory leaves a tombstone, searches skip tombstones by over-fetching, and
  the index is compacted (rebuilt from its own live vectors) when tombstones pass a fraction.
- Flat while small, IVF past a size threshold: exact where exact is cheap. IVF (inverted lists
  over k-means cells, `nprobe` of them scanned) rather than HNSW because it measured better on
  every count (`memos bench index`): at 1M clustered vectors HNSW reached recall@10 0.42 at
  efSearch 512 after a 155 s build; IVF reaches 0.985 (nprobe 192, p95 12 ms) after a 40 s one.
  Vectors are kept as float16 in the lists: half the memory and half the bytes a search reads (a
  scan is bound by memory, not arithmetic), for cosines off by about 1e-3. The cells are trained
  on the live vectors when the index is built, and retrained when the cube has doubled since, so
  they keep fitting what it holds.
- GPU indexes cannot be written and ignore ID selectors: the CPU copy is the master that is
  snapshotted; a GPU replica (when there is a GPU) only answers searches, from a copy rebuilt after
  changes, with k capped at the GPU limit.
- Not thread-safe under mutation: one lock guards every read and write of a cube's index.

A memory may have several vectors: its whole text's, then one per passage (`memos_service/passages.py`),
added together, so its whole vector holds its lowest position. Searches give each memory once, at
its best vector's score; near-duplicates are found between whole vectors only.
"""

import threading
from dataclasses import dataclass

import faiss
import numpy as np

from gpu_index.gpu import GPU_MAX_K, gpu_replica


@dataclass(frozen=True)
class IndexConfig:
    approximate_threshold: int = 100_000  # live vectors past which a flat index becomes IVF
    ivf_nprobe: int = 192  # cells scanned per search: recall against speed
    compact_dead_fraction: float = 0.2
    use_gpu: bool = True


def ivf_cells(vectors: int) -> int:
    """sqrt(N) cells, under FAISS's 4-16 x sqrt(N) rule of thumb: training k-means costs cells^2
    (40 points a cell): 4096 cells at 1M had not finished training after 9 minutes here, 1000 take 9 s."""
    return max(1, int(np.sqrt(vectors)))


# k-means wants about 40 training points a cell (FAISS warns below 39); more only slows the build.
TRAINING_POINTS_PER_CELL = 40


class CubeIndex:
    def __init__(self, dim: int, config: IndexConfig | None = None):
        self.dim = dim
        self.config = config or IndexConfig()
        self.lock = threading.RLock()
        self.watermark = 0  # the change-log seq this index reflects
        self.loaded = False  # restored from a snapshot or filled from the source yet
        self._reset()

    def _reset(self, training: np.ndarray | None = None) -> None:
        """An empty index: flat, or IVF with cells trained on `training` (the live vectors)."""
        if training is None:
            index = faiss.IndexFlatIP(self.dim)
        else:
            cells = ivf_cells(len(training))
            index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(self.dim), self.dim, cells,
                                                  faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
            sample_size = min(len(training), TRAINING_POINTS_PER_CELL * cells)
            sample = training[np.random.default_rng(0).choice(len(training), sample_size, replace=False)]
            index.train(sample)
            self._tune(index)
        self.trained_for = 0 if training is None else len(training)
        self.index = index
        self.labels = np.zeros(0, dtype=np.int64)  # position -> memory id, -1 for a tombstone
        self.position: dict[int, int] = {}  # memory id -> live position of its whole vector
        self.passages: dict[int, list[int]] = {}  # memory id -> live positions of its passages' vectors
        self.vectors = 0  # live positions
        self._replica = None

    def _tune(self, index: faiss.IndexIVF) -> None:
        index.nprobe = self.config.ivf_nprobe
        # One query's cells are scanned by every core: the default splits work by query, which
        # leaves a lone query on one core (measured: p50 2x slower at 1M).
        index.parallel_mode = 1
        index.set_direct_map_type(faiss.DirectMap.Array)  # position -> vector, for rebuilds and range search

    @property
    def approximate(self) -> bool:
        return isinstance(self.index, faiss.IndexIVF)

    @property
    def live(self) -> int:
        return len(self.position)

    @property
    def nbytes(self) -> int:
        """What the index holds in memory, estimated: each position's vector and label, and the Python
        maps from memory to positions (about 120 bytes an entry)."""
        return len(self.labels) * (4 * self.dim + 8) + (len(self.position) + len(self.passages)) * 120

    @property
    def dead(self) -> int:
        return len(self.labels) - self.vectors

    def upsert(self, ids: np.ndarray, vectors: np.ndarray, settle: bool = True) -> None:
        """Adds or replaces memories' vectors: row i is memory ids[i]'s, each memory's whole vector
        first, then its passages' (its id repeated). `settle=False` defers choosing the structure (and
        an IVF rebuild) to a later `settle()`: a bulk load then builds once, not at every doubling."""
        with self.lock:
            self._tombstone(np.unique(ids))
            start = len(self.labels)
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            self.labels = np.concatenate([self.labels, ids.astype(np.int64)])
            self._place(ids, np.arange(start, len(self.labels)))
            self._replica = None
            if settle:
                self.settle()

    def _place(self, ids: np.ndarray, positions: np.ndarray) -> None:
        """Records live vectors at these positions, in position order: a memory's first is its whole vector."""
        for memory_id, position in zip(ids.tolist(), positions.tolist(), strict=True):
            if memory_id not in self.position:
                self.position[memory_id] = position
            else:
                self.passages.setdefault(memory_id, []).append(position)
        self.vectors += len(ids)

    def remove(self, ids: np.ndarray) -> None:
        with self.lock:
            self._tombstone(ids)
            self._replica = None
            self.settle()

    def _tombstone(self, ids: np.ndarray) -> None:
        for memory_id in ids.tolist():
            position = self.position.pop(memory_id, None)
            if position is not None:
                positions = [position, *self.passages.pop(memory_id, [])]
                self.labels[positions] = -1
                self.vectors -= len(positions)

    def settle(self) -> None:
        """Rebuilds when the structure no longer fits the cube: past the threshold or back under
        it, too many tombstones, or an IVF index whose cube has doubled since its cells were trained."""
        wants_approximate = self.vectors >= self.config.approximate_threshold
        too_dead = self.dead > self.config.compact_dead_fraction * max(len(self.labels), 1)
        outgrown = self.approximate and self.vectors > 2 * self.trained_for
        if wants_approximate != self.approximate or too_dead or outgrown:
            self.rebuild()

    def rebuild(self) -> None:
        """Rewrites the index from its live vectors: drops tombstones, picks flat or IVF (and
        retrains IVF's cells on what the cube holds now)."""
        with self.lock:
            # In position order, so each memory's whole vector stays its first.
            positions = np.flatnonzero(self.labels >= 0)
            ids = self.labels[positions]
            vectors = self._reconstruct(positions)
            self._reset(training=vectors if len(ids) >= self.config.approximate_threshold else None)
            if len(ids):
                self.index.add(vectors)
                self.labels = ids.copy()
                self._place(ids, np.arange(len(ids)))

    def _reconstruct(self, positions: np.ndarray) -> np.ndarray:
        if not len(positions):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.index.reconstruct_batch(positions.astype(np.int64)).astype(np.float32)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Up to k live (memory id, cosine similarity) pairs, best first."""
        with self.lock:
            if not self.live or k <= 0:
                return []
            # Tombstones may take places in the raw result: ask for enough to skip them all. A memory's
            # further passages may take more: ask again for twice as many until k memories are found,
            # or the index has no more to give.
            query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
            fetch = min(k + self.dead, len(self.labels))
            while True:
                scores, positions = self._search_index(fetch).search(query, fetch)
                hits = self._memories(scores[0], positions[0], k)
                given = int((positions[0] >= 0).sum())
                if len(hits) == k or fetch == len(self.labels) or given < fetch:
                    return hits
                fetch = min(2 * fetch, len(self.labels))

    def _memories(self, scores: np.ndarray, positions: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Up to k live (memory id, score) pairs from a raw result, each memory once, at its best vector."""
        hits: list[tuple[int, float]] = []
        seen: set[int] = set()
        for score, position in zip(scores.tolist(), positions.tolist(), strict=True):
            memory_id = int(self.labels[position]) if position >= 0 else -1
            if memory_id >= 0 and memory_id not in seen:
                seen.add(memory_id)
                hits.append((memory_id, score))
                if len(hits) == k:
                    break
        return hits

    def search_among(self, query: np.ndarray, k: int, memory_ids: list[int]) -> list[tuple[int, float]]:
        """Up to k (memory id, cosine similarity) pairs among the given memories only, best first: an
        ID selector over their positions, on the CPU master (GPU indexes ignore selectors). With IVF,
        among those in the `nprobe` cells scanned."""
        with self.lock:
            wanted = [memory_id for memory_id in memory_ids if memory_id in self.position]
            passages = [position for memory_id in wanted for position in self.passages.get(memory_id, ())]
            positions = np.array([self.position[memory_id] for memory_id in wanted] + passages, dtype=np.int64)
            if not len(positions) or k <= 0:
                return []
            selector = faiss.IDSelectorBatch(positions)
            params = (faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nprobe) if self.approximate
                      else faiss.SearchParameters(sel=selector))
            # k memories lie among the first k + (their passages) vectors, however the passages fall.
            scores, found = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32),
                                              min(k + len(passages), len(positions)), params=params)
            return self._memories(scores[0], found[0], k)

    def _search_index(self, fetch: int):
        if not self.config.use_gpu or fetch > GPU_MAX_K or self.approximate:
            return self.index
        if self._replica is None:
            self._replica = gpu_replica(self.index)
        return self._replica or self.index

    def neighbours_within(self, memory_ids: list[int], threshold: float, batch: int = 2048) -> list[tuple[int, int, float]]:
        """(id, neighbour id, cosine) for every live neighbour at or above `threshold` of each given
        live memory, by a range search on the CPU master: exact while flat; with IVF, within the
        `nprobe` cells nearest each memory, where near-duplicates lie."""
        found: list[tuple[int, int, float]] = []
        with self.lock:
            positions = [self.position[memory_id] for memory_id in memory_ids if memory_id in self.position]
            for start in range(0, len(positions), batch):
                chunk = np.array(positions[start:start + batch], dtype=np.int64)
                queries = self._reconstruct(chunk)
                limits, all_scores, all_hits = self.index.range_search(queries, float(threshold))
                rows = [(all_scores[limits[row]:limits[row + 1]], all_hits[limits[row]:limits[row + 1]])
                        for row in range(len(chunk))]
                for position, (scores, hits) in zip(chunk, rows, strict=True):
                    query_id = int(self.labels[position])
                    for score, hit in zip(scores, hits, strict=True):
                        if hit < 0 or score < threshold:
                            continue
                        neighbour = int(self.labels[hit])
                        # A sentence of a longer memory is part of it, not a duplicate of it.
                        if neighbour >= 0 and neighbour != query_id and self.position[neighbour] == hit:
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
        approximate = isinstance(index, faiss.IndexIVF)
        if approximate:
            self._tune(index)  # the settings in force now, not the ones it was saved with
        with self.lock:
            self.trained_for = index.ntotal if approximate else 0
            self.index, self.labels, self.watermark, self._replica = index, labels.astype(np.int64), watermark, None
            self.position, self.passages, self.vectors = {}, {}, 0
            live = np.flatnonzero(self.labels >= 0)
            self._place(self.labels[live], live)
