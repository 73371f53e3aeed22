"""Which plaintext memories a cache or an adapter is built from: named ones, a search's top
results, or the cube's most used ("hottest") memories; always active ones, oldest event first."""

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from memos_service.cube.kinds import MemoryStatus
from memos_service.db.memories import MemoryFilter, MemoryRepository
from memos_service.db.models import Cube, Memory
from memos_service.errors import ValidationFailed


def select_memories(session: Session, tenant_id: uuid.UUID, cube: Cube, selection: dict[str, Any]) -> list[Memory]:
    memories = MemoryRepository(session, tenant_id)
    active = select(Memory).where(Memory.tenant_id == tenant_id, Memory.cube_id == cube.id,
                                  Memory.status == MemoryStatus.active, Memory.kind == "plaintext")
    if selection.get("memory_ids"):
        wanted = [uuid.UUID(value) for value in selection["memory_ids"]]
        found = list(session.scalars(active.where(Memory.public_id.in_(wanted))))
        if missing := set(wanted) - {memory.public_id for memory in found}:
            raise ValidationFailed(f"not active memories of this cube: {sorted(map(str, missing))[:5]}")
    elif selection.get("query"):
        from memos_service.embedding import get_embedder

        vector = get_embedder().embed([selection["query"]])[0]
        found = [hit.memory for hit in memories.search_dense(cube, vector, MemoryFilter(), selection.get("top_k") or 10)]
    else:
        used = func.coalesce(Memory.last_accessed_at, Memory.created_at)
        found = list(session.scalars(active.order_by(Memory.access_count.desc(), used.desc(), Memory.id)
                                     .limit(selection.get("hottest") or 10)))
    if not found:
        raise ValidationFailed("the selection holds no active memories")
    return sorted(found, key=lambda memory: (memory.event_time or memory.created_at, memory.id))
