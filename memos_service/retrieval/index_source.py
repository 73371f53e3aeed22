"""Postgres as the `ChangeSource` the FAISS indexes are derived from. Cube ids reach it only
after the tenant-scoped repository has opened the cube, and hits are loaded back through it."""

import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from memos_service.cube.kinds import MemoryStatus
from memos_service.db.engine import session_scope
from memos_service.db.models import Memory, MemoryChange, MemoryPassage

# Archived memories stay in the index so `include_archived` can find them; filters drop them otherwise.
SEARCHABLE = (MemoryStatus.active.value, MemoryStatus.archived.value)


class PostgresChangeSource:
    """Reads in a session of its own per call, or in the one given: a search catches its index up
    inside the request's transaction, which spares it a second connection (2 ms of a 25 ms search
    here). Read committed, each statement there still sees every write committed before it."""

    def __init__(self, session: Session | None = None):
        self._session = session

    def _reading(self) -> AbstractContextManager[Session]:
        return nullcontext(self._session) if self._session is not None else session_scope()

    def head(self, cube_id: uuid.UUID) -> int:
        with self._reading() as session:
            return session.scalar(select(func.coalesce(func.max(MemoryChange.seq), 0)).where(MemoryChange.cube_id == cube_id))

    def changes_since(self, cube_id: uuid.UUID, seq: int, limit: int) -> list[tuple[int, int]]:
        query = (select(MemoryChange.seq, MemoryChange.memory_id)
                 .where(MemoryChange.cube_id == cube_id, MemoryChange.seq > seq).order_by(MemoryChange.seq).limit(limit))
        with self._reading() as session:
            return [(int(seq), int(memory_id)) for seq, memory_id in session.execute(query)]

    def searchable_vectors(self, cube_id: uuid.UUID, memory_ids: list[int]) -> dict[int, np.ndarray]:
        query = select(Memory.id, Memory.embedding).where(
            Memory.cube_id == cube_id, Memory.id.in_(memory_ids), Memory.status.in_(SEARCHABLE))
        with self._reading() as session:
            whole = {int(memory_id): vector for memory_id, vector in session.execute(query)}
            passages = self._passages(session, cube_id, Memory.id.in_(list(whole)))
        return {memory_id: _rows(vector, passages.get(memory_id, [])) for memory_id, vector in whole.items()}

    def all_searchable(self, cube_id: uuid.UUID, batch: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        last = 0
        while True:
            query = (select(Memory.id, Memory.embedding)
                     .where(Memory.cube_id == cube_id, Memory.status.in_(SEARCHABLE), Memory.id > last)
                     .order_by(Memory.id).limit(batch))
            with self._reading() as session:
                rows = session.execute(query).all()
                if not rows:
                    return
                passages = self._passages(session, cube_id, Memory.id > last, Memory.id <= rows[-1][0],
                                          Memory.status.in_(SEARCHABLE))
            last = rows[-1][0]
            ids = np.array([row[0] for row in rows], dtype=np.int64)
            if not passages:  # the common case, and the cheap one at a million memories
                yield ids, np.vstack([np.asarray(row[1], dtype=np.float32) for row in rows])
                continue
            vectors = [_rows(vector, passages.get(memory_id, [])) for memory_id, vector in rows]
            yield np.repeat(ids, [len(memory_rows) for memory_rows in vectors]), np.vstack(vectors)

    @staticmethod
    def _passages(session: Session, cube_id: uuid.UUID, *which: ColumnElement[bool]) -> dict[int, list[Any]]:
        """The passage vectors of the cube's memories that match `which`, in order, by memory."""
        query = (select(MemoryPassage.memory_id, MemoryPassage.embedding).join(Memory, Memory.id == MemoryPassage.memory_id)
                 .where(Memory.cube_id == cube_id, *which).order_by(MemoryPassage.memory_id, MemoryPassage.ordinal))
        found: dict[int, list[Any]] = {}
        for memory_id, vector in session.execute(query):
            found.setdefault(int(memory_id), []).append(vector)
        return found


def _rows(whole: Any, passages: list[Any]) -> np.ndarray:
    """A memory's vectors as the index takes them: its whole text's first, then its passages'."""
    return np.vstack([np.asarray(vector, dtype=np.float32) for vector in (whole, *passages)])
