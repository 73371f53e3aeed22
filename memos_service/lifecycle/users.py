"""The right to be forgotten: everything a tenant holds about one user, in every cube.

`purge` hard-deletes the user's memories (and anything merged into them), their history, the
operations log entries about them, the ingestion jobs that carried their messages and stored
responses that echo their memories; the change log tells every index to drop them. Without
`purge`, the memories are tombstoned (deleted, history kept), as a DELETE of each would.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from memos_service.cube.kinds import MemoryOp, MemoryStatus
from memos_service.db.memories import MemoryRepository
from memos_service.db.models import Cube, IdempotentRequest, Job, Memory, MemoryVersion, Operation


def forget_user(session: Session, tenant_id: uuid.UUID, user_id: str, *, purge: bool, actor: str,
                now: datetime) -> dict[str, Any]:
    memories = MemoryRepository(session, tenant_id)
    owned = session.execute(select(Memory.cube_id, Memory.id).where(Memory.tenant_id == tenant_id, Memory.user_id == user_id)
                            .order_by(Memory.id)).all()
    by_cube: dict[uuid.UUID, list[int]] = {}
    for cube_id, memory_id in owned:
        by_cube.setdefault(cube_id, []).append(memory_id)
    counts = {"memories": 0, "versions": 0, "operations": 0, "jobs": 0, "idempotent_responses": 0, "cubes": len(by_cube)}
    if not purge:
        for cube_id, memory_ids in by_cube.items():
            cube = session.get(Cube, cube_id)
            counts["memories"] += len(memories.set_status_many(
                cube, memory_ids, from_statuses=(MemoryStatus.active, MemoryStatus.archived), status=MemoryStatus.deleted,
                op=MemoryOp.delete, actor=actor, reason=f"user {user_id} forgotten", moment=now))
        return counts
    counts["versions"] = session.scalar(select(func.count()).select_from(MemoryVersion).join(
        Memory, Memory.id == MemoryVersion.memory_id).where(Memory.tenant_id == tenant_id, Memory.user_id == user_id))
    counts["operations"] = session.execute(delete(Operation).where(Operation.tenant_id == tenant_id,
                                                                   Operation.user_id == user_id)).rowcount
    for cube_id, memory_ids in by_cube.items():
        counts["memories"] += len(memories.purge(cube_id, memory_ids))
    counts["jobs"] = session.execute(delete(Job).where(Job.tenant_id == tenant_id,
                                                       Job.payload["user_id"].astext == user_id)).rowcount
    echoed = or_(IdempotentRequest.response.contains({"user_id": user_id}),
                 IdempotentRequest.response.contains({"data": [{"user_id": user_id}]}))
    counts["idempotent_responses"] = session.execute(delete(IdempotentRequest).where(
        IdempotentRequest.scope == str(tenant_id), echoed)).rowcount
    return counts



