import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from memos_service.api.deps import (
    CubesDep,
    EmbedderDep,
    IdempotencyDep,
    MemoriesDep,
    Principal,
    ReaderDep,
    SessionDep,
    SettingsDep,
    WriterDep,
)
from memos_service.api.routes.cubes import After, Limit
from memos_service.api.schemas.common import Page, Timestamp
from memos_service.api.schemas.memories import (
    MemoriesPublic,
    MemoryBatchCreate,
    MemoryCreate,
    MemoryHistory,
    MemoryPublic,
    MemoryUpdate,
    MemoryVersionPublic,
)
from memos_service.config import Settings
from memos_service.cube.kinds import MemoryStatus
from memos_service.db.cubes import CubeRepository
from memos_service.db.memories import MemoryFilter
from memos_service.db.models import Cube
from memos_service.embedding import Embedder
from memos_service.errors import Conflict, PayloadTooLarge, ValidationFailed
from memos_service.passages import embed_contents

router = APIRouter(prefix="/v1/cubes/{cube_id:uuid}/memories", tags=["memories"])


def open_cube(cubes: CubeRepository, cube_id: uuid.UUID, embedder: Embedder) -> Cube:
    """The cube, if it is this tenant's and was embedded by the model this process runs."""
    cube = cubes.get(cube_id)
    if (cube.embedding_model, cube.embedding_dim) != (embedder.name, embedder.dimension):
        raise Conflict(
            f"cube {cube_id} holds {cube.embedding_dim}-d vectors from {cube.embedding_model!r}, but this service "
            f"embeds with {embedder.name!r} ({embedder.dimension}-d); re-import the cube or configure that model"
        )
    return cube


def check_content_size(settings: Settings, *texts: str) -> None:
    for text in texts:
        if len(text.encode("utf-8")) > settings.max_content_bytes:
            raise PayloadTooLarge(f"memory content exceeds {settings.max_content_bytes} bytes")


def check_tags(settings: Settings, tags: list[str] | None) -> None:
    if tags is not None and len(tags) > settings.max_tags:
        raise ValidationFailed(f"at most {settings.max_tags} tags per memory")


def _add(items: list[MemoryCreate], cube_id: uuid.UUID, cubes: CubeRepository, memories: MemoriesDep,
         embedder: Embedder, settings: Settings, principal: Principal) -> list[MemoryPublic]:
    check_content_size(settings, *(item.content for item in items))
    for item in items:
        check_tags(settings, item.tags)
    cube = open_cube(cubes, cube_id, embedder)
    vectors = embed_contents(embedder, [item.content for item in items], settings.passages_per_memory)
    added = memories.add_many(cube, [item.model_dump() for item in items], vectors, principal.actor)
    return [MemoryPublic.of(memory) for memory in added]


@router.post("", status_code=201, response_model=MemoryPublic, operation_id="add_memory")
def add_memory(cube_id: uuid.UUID, body: MemoryCreate, cubes: CubesDep, memories: MemoriesDep, session: SessionDep,
               embedder: EmbedderDep, settings: SettingsDep, principal: WriterDep, idempotency: IdempotencyDep) -> Response:
    if (replayed := idempotency.replay(session)) is not None:
        return replayed
    (added,) = _add([body], cube_id, cubes, memories, embedder, settings, principal)
    return idempotency.respond(session, 201, added)


@router.post("/batch", status_code=201, response_model=MemoriesPublic, operation_id="add_memories")
def add_memories(cube_id: uuid.UUID, body: MemoryBatchCreate, cubes: CubesDep, memories: MemoriesDep,
                 session: SessionDep, embedder: EmbedderDep, settings: SettingsDep, principal: WriterDep,
                 idempotency: IdempotencyDep) -> Response:
    """All or nothing: one transaction, embedded in batches."""
    if len(body.items) > settings.max_batch_size:
        raise PayloadTooLarge(f"a batch holds at most {settings.max_batch_size} memories")
    if (replayed := idempotency.replay(session)) is not None:
        return replayed
    added = _add(body.items, cube_id, cubes, memories, embedder, settings, principal)
    return idempotency.respond(session, 201, MemoriesPublic(data=added))


@router.get("", response_model=Page[MemoryPublic], operation_id="list_memories")
def list_memories(
    cube_id: uuid.UUID, cubes: CubesDep, memories: MemoriesDep, _: ReaderDep,
    user_id: Annotated[str | None, Query(max_length=200)] = None,
    agent_id: Annotated[str | None, Query(max_length=200)] = None,
    session_id: Annotated[str | None, Query(max_length=200)] = None,
    memory_type: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[list[MemoryStatus] | None, Query(description="Default: active only.")] = None,
    tags: Annotated[list[str] | None, Query(description="Memories carrying all of these tags.")] = None,
    event_after: Annotated[Timestamp | None, Query(description="event_time at or after")] = None,
    event_before: Annotated[Timestamp | None, Query(description="event_time before")] = None,
    order: Annotated[Literal["oldest", "newest"], Query(description="By when they were stored.")] = "oldest",
    limit: Limit = 50, after: After = None,
) -> Page[MemoryPublic]:
    cube = cubes.get(cube_id)
    filters = MemoryFilter(user_id=user_id, agent_id=agent_id, session_id=session_id, memory_type=memory_type,
                           tags=tuple(tags or ()), event_after=event_after, event_before=event_before,
                           statuses=tuple(status or (MemoryStatus.active,)))
    rows, cursor = memories.page(cube, filters, limit=limit, after=after, newest_first=order == "newest")
    return Page[MemoryPublic](data=[MemoryPublic.of(row) for row in rows], has_more=cursor is not None, next_cursor=cursor)


@router.get("/{memory_id:uuid}", response_model=MemoryPublic, operation_id="get_memory")
def get_memory(cube_id: uuid.UUID, memory_id: uuid.UUID, cubes: CubesDep, memories: MemoriesDep, _: ReaderDep) -> MemoryPublic:
    return MemoryPublic.of(memories.get(cubes.get(cube_id), memory_id))


@router.patch("/{memory_id:uuid}", response_model=MemoryPublic, operation_id="update_memory")
def update_memory(cube_id: uuid.UUID, memory_id: uuid.UUID, body: MemoryUpdate, cubes: CubesDep,
                  memories: MemoriesDep, embedder: EmbedderDep, settings: SettingsDep, principal: WriterDep) -> MemoryPublic:
    """Writes a new version; the previous one stays in the history."""
    changes = body.changes()
    if body.content is not None:
        check_content_size(settings, body.content)
    check_tags(settings, body.tags)
    cube = open_cube(cubes, cube_id, embedder)
    vectors = embed_contents(embedder, [body.content], settings.passages_per_memory) if body.content is not None else None
    return MemoryPublic.of(memories.update(cube, memory_id, changes, vectors, principal.actor, body.reason))


@router.delete("/{memory_id:uuid}", response_model=MemoryPublic, operation_id="delete_memory")
def delete_memory(cube_id: uuid.UUID, memory_id: uuid.UUID, cubes: CubesDep, memories: MemoriesDep,
                  principal: WriterDep,
                  reason: Annotated[str | None, Query(max_length=2000)] = None) -> MemoryPublic:
    """A tombstone: the memory leaves search and lists but keeps its history."""
    return MemoryPublic.of(memories.delete(cubes.get(cube_id), memory_id, principal.actor, reason))


@router.post("/{memory_id:uuid}/restore", response_model=MemoryPublic, operation_id="restore_memory",
             responses={409: {"description": "The memory is deleted or merged, not archived"}})
def restore_memory(cube_id: uuid.UUID, memory_id: uuid.UUID, cubes: CubesDep, memories: MemoriesDep,
                   principal: WriterDep) -> MemoryPublic:
    """Brings an archived memory back into search (a new version); restoring an active one changes nothing."""
    return MemoryPublic.of(memories.restore(cubes.get(cube_id), memory_id, principal.actor, datetime.now(UTC)))


@router.get("/{memory_id:uuid}/history", response_model=MemoryHistory, operation_id="memory_history")
def memory_history(cube_id: uuid.UUID, memory_id: uuid.UUID, cubes: CubesDep, memories: MemoriesDep,
                   _: ReaderDep) -> MemoryHistory:
    versions = memories.history(cubes.get(cube_id), memory_id)
    return MemoryHistory(memory_id=memory_id, versions=[MemoryVersionPublic.of(version) for version in versions])
