"""The index manager: one `CubeIndex` per cube, derived from Postgres and caught up with it.

Before answering for a cube, its index applies every change-log entry above its watermark, so
each process reads its own writes and everyone else's. Changes are applied by looking at the
memory's current state (is it searchable, with which vector), which makes replay idempotent.
Snapshots (index + watermark) let a restart replay only the tail; lose them and the index is
rebuilt from Postgres.

The indexes a process holds fit a memory budget: past it, the least recently used index of whoever
holds the most is dropped (snapshotted first, so that using it again costs its snapshot and the
change log's tail), so one tenant reading through its many cubes evicts its own indexes, not others'.
"""

import os
import threading
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
import structlog
from prometheus_client import Counter as MetricCounter
from prometheus_client import Gauge, Histogram

from gpu_index.cube_index import CubeIndex, IndexConfig

log = structlog.get_logger(__name__)
SNAPSHOT_FORMAT = 1

RESIDENT = Gauge("memos_index_resident", "Cube indexes held in this process's memory")
RESIDENT_BYTES = Gauge("memos_index_resident_bytes", "Estimated bytes of the cube indexes held")
HITS = MetricCounter("memos_index_hits", "Searches whose cube index was in memory")
MISSES = MetricCounter("memos_index_misses", "Searches whose cube index had to be loaded")
EVICTIONS = MetricCounter("memos_index_evictions", "Cube indexes dropped to stay within the memory budget")
LOAD_SECONDS = Histogram("memos_index_load_seconds", "Time to load a cube index (snapshot or Postgres)",
                         buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300))


class ChangeSource(Protocol):
    """What the index needs from the source of truth."""

    def head(self, cube_id: uuid.UUID) -> int:
        """The cube's highest change-log seq (0 when none)."""
        ...

    def changes_since(self, cube_id: uuid.UUID, seq: int, limit: int) -> list[tuple[int, int]]:
        """(seq, memory id) above `seq`, in seq order."""
        ...

    def searchable_vectors(self, cube_id: uuid.UUID, memory_ids: list[int]) -> dict[int, np.ndarray]:
        """Vectors of those memories that belong in the index now, a row each for the whole text and
        then its passages; the rest are to be removed."""
        ...

    def all_searchable(self, cube_id: uuid.UUID, batch: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every searchable (ids, vectors) of the cube, in batches of memories: as `CubeIndex.upsert`
        takes them, a memory's id repeated for its passages after its whole vector."""
        ...


class IndexManager:
    def __init__(self, source: ChangeSource, dim: int, snapshot_dir: Path | None = None,
                 config: IndexConfig | None = None, snapshot_every: int = 2000, memory_budget: int | None = None):
        self.source = source
        self.dim = dim
        self.snapshot_dir = snapshot_dir
        self.config = config or IndexConfig()
        self.snapshot_every = snapshot_every
        self.memory_budget = memory_budget  # bytes; None: every index stays
        self._indexes: OrderedDict[uuid.UUID, CubeIndex] = OrderedDict()  # least recently used first
        self._owners: dict[uuid.UUID, Hashable] = {}
        self._unsaved: dict[uuid.UUID, int] = {}
        self._lock = threading.Lock()

    def index_for(self, cube_id: uuid.UUID, source: ChangeSource | None = None, owner: Hashable = None) -> CubeIndex:
        """The cube's index, caught up with the change log (read from `source` when given: the same
        truth, read through the caller's own connection). `owner` (the cube's tenant) is whose share of
        the memory budget it counts in."""
        with self._lock:
            index = self._indexes.get(cube_id)
            if index is None:
                index = self._indexes[cube_id] = CubeIndex(self.dim, self.config)
                self._unsaved[cube_id] = 0
                MISSES.inc()
            else:
                self._indexes.move_to_end(cube_id)
                HITS.inc()
            self._owners[cube_id] = owner
        # Loading or filling takes only this cube's lock: other cubes keep answering meanwhile.
        with index.lock:
            if not index.loaded:
                started = time.perf_counter()
                if not self._load_into(cube_id, index):
                    self._fill(cube_id, index)
                index.loaded = True
                LOAD_SECONDS.observe(time.perf_counter() - started)
        self.catch_up(cube_id, index, source)
        self._keep_within_budget(keep=cube_id)
        return index

    def holds(self, cube_id: uuid.UUID) -> bool:
        """Whether the cube's index is in memory now."""
        return cube_id in self._indexes

    def resident_bytes(self) -> int:
        with self._lock:
            return sum(index.nbytes for index in self._indexes.values())

    def _keep_within_budget(self, keep: uuid.UUID) -> None:
        """Drops indexes until the rest fit the budget: each time the least recently used of the owner
        holding the most bytes (never `keep`, the one just asked for)."""
        with self._lock:
            sizes = {cube_id: index.nbytes for cube_id, index in self._indexes.items()}
            total = sum(sizes.values())
            evicted: list[tuple[uuid.UUID, CubeIndex]] = []
            while self.memory_budget is not None and total > self.memory_budget:
                held: Counter[Hashable] = Counter()
                for cube_id, size in sizes.items():
                    if cube_id != keep:
                        held[self._owners.get(cube_id)] += size
                if not held:
                    break  # the one index asked for is larger than the budget: it stays while in use
                heaviest = held.most_common(1)[0][0]
                victim = next(cube_id for cube_id in self._indexes
                              if cube_id != keep and self._owners.get(cube_id) == heaviest)
                evicted.append((victim, self._indexes.pop(victim)))
                self._owners.pop(victim, None)
                total -= sizes.pop(victim)
            RESIDENT.set(len(self._indexes))
            RESIDENT_BYTES.set(total)
        for cube_id, index in evicted:
            EVICTIONS.inc()
            # Snapshotted unless one is as fresh: using it again then costs the snapshot and the log's tail.
            unsaved = self._unsaved.pop(cube_id, 0)
            if self.snapshot_dir is not None and (unsaved or not self._snapshot_path(cube_id).exists()):
                self._write_snapshot(cube_id, index)
            log.info("index evicted", cube_id=str(cube_id), bytes=index.nbytes)

    def search(self, cube_id: uuid.UUID, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        return self.index_for(cube_id).search(vector, k)

    def catch_up(self, cube_id: uuid.UUID, index: CubeIndex, source: ChangeSource | None = None,
                 page: int = 5000) -> int:
        source = source or self.source
        applied = 0
        with index.lock:
            while True:
                changes = source.changes_since(cube_id, index.watermark, page)
                if not changes:
                    break
                touched = sorted({memory_id for _, memory_id in changes})
                vectors = source.searchable_vectors(cube_id, touched)
                gone = np.array([memory_id for memory_id in touched if memory_id not in vectors], dtype=np.int64)
                if len(gone):
                    index.remove(gone)
                if vectors:
                    ids = np.fromiter(vectors, dtype=np.int64, count=len(vectors))
                    rows = [vectors[memory_id].reshape(-1, self.dim) for memory_id in ids]
                    index.upsert(np.repeat(ids, [len(memory_rows) for memory_rows in rows]), np.vstack(rows))
                index.watermark = changes[-1][0]
                applied += len(changes)
        if applied:
            self._unsaved[cube_id] = self._unsaved.get(cube_id, 0) + applied
            if self._unsaved[cube_id] >= self.snapshot_every:
                self.snapshot(cube_id)
        return applied

    def rebuild(self, cube_id: uuid.UUID) -> CubeIndex:
        """A fresh index from Postgres, replacing the one in memory and its snapshot."""
        index = CubeIndex(self.dim, self.config)
        self._fill(cube_id, index)
        index.loaded = True
        self.catch_up(cube_id, index)
        with self._lock:
            self._indexes[cube_id] = index
        self.snapshot(cube_id)
        return index

    def _fill(self, cube_id: uuid.UUID, index: CubeIndex) -> None:
        # The watermark is read first: whatever changes while the rows stream in is replayed after.
        with index.lock:
            index.watermark = self.source.head(cube_id)
            # Flat while loading, then one structure for the whole cube (IVF past the threshold).
            for ids, vectors in self.source.all_searchable(cube_id, batch=10_000):
                index.upsert(ids, vectors, settle=False)
            index.settle()

    def lag(self) -> dict[uuid.UUID, int]:
        """Changes each loaded index has not applied yet."""
        with self._lock:
            loaded = dict(self._indexes)
        return {cube_id: max(0, self.source.head(cube_id) - index.watermark) for cube_id, index in loaded.items()}

    def forget(self, cube_id: uuid.UUID) -> None:
        with self._lock:
            self._indexes.pop(cube_id, None)
            self._owners.pop(cube_id, None)
        if self.snapshot_dir is not None:
            self._snapshot_path(cube_id).unlink(missing_ok=True)

    # Snapshots: one .npz per cube, written to a temporary name and renamed into place.
    def _snapshot_path(self, cube_id: uuid.UUID) -> Path:
        assert self.snapshot_dir is not None
        return self.snapshot_dir / f"{cube_id}.npz"

    def snapshot(self, cube_id: uuid.UUID) -> Path | None:
        index = self._indexes.get(cube_id)
        return None if index is None else self._write_snapshot(cube_id, index)

    def _write_snapshot(self, cube_id: uuid.UUID, index: CubeIndex) -> Path | None:
        if self.snapshot_dir is None:
            return None
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        path = self._snapshot_path(cube_id)
        temporary = path.with_suffix(f".{os.getpid()}.tmp.npz")
        with index.lock:
            data, labels = index.serialize()
            np.savez(temporary, index=data, labels=labels,
                     meta=np.array([SNAPSHOT_FORMAT, self.dim, index.watermark], dtype=np.int64))
        os.replace(temporary, path)
        self._unsaved[cube_id] = 0
        return path

    def snapshot_all(self) -> None:
        for cube_id in list(self._indexes):
            if self._unsaved.get(cube_id):
                self.snapshot(cube_id)

    def _load_into(self, cube_id: uuid.UUID, index: CubeIndex) -> bool:
        """Restores `index` from the cube's snapshot; False when there is none usable."""
        if self.snapshot_dir is None or not self._snapshot_path(cube_id).exists():
            return False
        try:
            with np.load(self._snapshot_path(cube_id), allow_pickle=False) as saved:
                version, dim, watermark = (int(value) for value in saved["meta"])
                if version != SNAPSHOT_FORMAT or dim != self.dim:
                    raise ValueError(f"snapshot v{version} of dimension {dim}")
                index.restore(saved["index"], saved["labels"], watermark)
            return True
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            # A snapshot is only a shortcut: a bad one is rebuilt from Postgres, never trusted.
            log.warning("ignoring unreadable index snapshot", cube_id=str(cube_id), error=str(exc))
            return False
