"""Which plaintext memories a cache or an adapter is built from: named ones, a search's top
results, or the cube's most used ("hottest") memories; always active ones, oldest event first.
What cache and adapter jobs share: claiming the job with its selection, and recording what was
built with its sources, stale at once if a source changed while it was being built."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from memos_service.cube.kinds import MemoryStatus
from memos_service.db import jobs
from memos_service.db.blobs import BlobRepository, BlobStatus
from memos_service.db.cubes import CubeRepository
from memos_service.db.memories import MemoryFilter, MemoryRepository
from memos_service.db.models import Blob, Cube, Memory
from memos_service.errors import ValidationFailed
from memos_service.lm.model import LanguageModel, check_cube_model

SELECTION_FIELDS = ("memory_ids", "query", "top_k", "hottest", "template")


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


@dataclass
class Selected:
    """A claimed job's memories, as they were when it started."""

    tenant_id: uuid.UUID
    cube_id: uuid.UUID
    payload: dict[str, Any]
    memories: list[Memory]
    text: str

    @property
    def sources(self) -> list[dict[str, Any]]:
        return [{"id": str(memory.public_id), "version": memory.version} for memory in self.memories]


def prefix_text(contents: Sequence[str], template: str) -> str:
    """Memories as the text a cache or adapter is built from: `{memories}` becomes them, one per line."""
    return template.replace("{memories}", "\n".join(f"- {content}" for content in contents))


def claim_selection(session: Session, job_id: uuid.UUID, now: datetime, default_template: str) -> Selected | None:
    """Claims the job and reads its memories and the text they make (its template, or the default)."""
    job = jobs.claim(session, job_id, now)
    if job is None:
        return None
    payload = dict(job.payload)
    cube = CubeRepository(session, job.tenant_id).get(job.cube_id)
    chosen = select_memories(session, job.tenant_id, cube, payload)
    text = prefix_text([memory.content for memory in chosen], payload.get("template") or default_template)
    return Selected(job.tenant_id, job.cube_id, payload, chosen, text)


def record_built(session: Session, job_id: uuid.UUID, selected: Selected, *, kind: str, lm: LanguageModel,
                 sha256: str, size: int, metadata: dict[str, Any]) -> Blob:
    """The row for stored bytes, in the caller's transaction: the cube keeps to one model; the row
    names its sources and selection, and is stale at once if a source changed meanwhile."""
    cube = CubeRepository(session, selected.tenant_id).get(selected.cube_id, for_update=True)
    check_cube_model(cube, lm)
    selection = {name: selected.payload[name] for name in SELECTION_FIELDS if selected.payload.get(name) is not None}
    blob = BlobRepository(session, selected.tenant_id).create(
        cube, kind=kind, sha256=sha256, size=size, lm_name=lm.name, lm_fingerprint=lm.fingerprint,
        memory_ids=[memory.id for memory in selected.memories],
        metadata={**metadata, "sources": selected.sources, "selection": selection}, job_id=job_id)
    current = dict(session.execute(select(Memory.id, Memory.version).where(
        Memory.id.in_([memory.id for memory in selected.memories]), Memory.status == MemoryStatus.active)).all())
    if any(current.get(memory.id) != memory.version for memory in selected.memories):
        blob.status = BlobStatus.stale
    return blob
