"""The change log that derived indexes replay.

Invariant: within a cube, seq order is commit order. A sequence hands out numbers when rows are
inserted, not when they commit, so without care a reader could see seq 10 committed while seq 9
is still in flight, move its watermark to 10 and miss 9 for good. Every writer therefore takes a
per-cube transaction lock before appending; it is held until commit, so the next writer's
numbers are both larger and committed later.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from memos_service.db.models import MemoryChange


def lock_cube_log(session: Session, cube_id: uuid.UUID) -> None:
    # Re-entrant within a transaction: taking it again for the same cube is free.
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(str(cube_id), 0))))


def append_changes(session: Session, tenant_id: uuid.UUID, cube_id: uuid.UUID, memory_ids: Sequence[int], op: str) -> None:
    """One lock for all of them: taking it is a round trip, and it flushes what the session holds
    pending, so a lock per row would also insert a batch's rows one at a time."""
    lock_cube_log(session, cube_id)
    session.execute(insert(MemoryChange), [{"tenant_id": tenant_id, "cube_id": cube_id, "memory_id": memory_id, "op": op}
                                           for memory_id in memory_ids])
