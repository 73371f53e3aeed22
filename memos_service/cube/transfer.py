"""Cube export and import over the archive format: what crosses is content, history and
provenance; what stays behind is anything that only means something in this database."""

from typing import Any

from pydantic import Field, ValidationError, model_validator

from memos_service.api.schemas.common import CleanStr, Identifier, JsonObject, Schema, Tag, Timestamp
from memos_service.cube.archive import VERSION_FIELDS, Archive, ArchiveError, read_archive, write_archive
from memos_service.cube.config import CubeConfig
from memos_service.cube.kinds import MemoryKind, MemoryStatus
from memos_service.db.memories import ArchivedMemoryWriter, MemoryRepository
from memos_service.db.models import Cube, Memory, MemoryVersion
from memos_service.embedding import Embedder

MEMORY_FIELDS = ("kind", "memory_type", "content", "user_id", "agent_id", "session_id", "status", "version",
                 "event_time", "created_at", "updated_at", "expires_at", "importance", "access_count",
                 "last_accessed_at", "strength", "source", "tags")


def export_cube(cube: Cube, memories: MemoryRepository) -> bytes:
    rows = memories.all_in_cube(cube)
    keys = {memory.id: f"m{position:08d}" for position, memory in enumerate(rows, start=1)}
    versions = memories.versions_of([memory.id for memory in rows])
    records = [_record(memory, keys, versions[memory.id]) for memory in rows]
    described = {"name": cube.name, "description": cube.description, "owner_user_id": cube.owner_user_id, "config": cube.config}
    return write_archive(described, {"model": cube.embedding_model, "dim": cube.embedding_dim}, records)


def _record(memory: Memory, keys: dict[int, str], versions: list[MemoryVersion]) -> dict[str, Any]:
    record = {name: getattr(memory, name) for name in MEMORY_FIELDS}
    record.update(key=keys[memory.id], metadata=memory.metadata_,
                  merged_into=keys.get(memory.merged_into) if memory.merged_into else None)
    record["versions"] = [
        {name: getattr(version, "metadata_" if name == "metadata" else name) for name in VERSION_FIELDS}
        for version in versions
    ]
    return record


class ArchivedCube(Schema):
    name: Identifier
    description: CleanStr = Field(max_length=2000)
    owner_user_id: Identifier | None
    config: CubeConfig


class ArchivedVersion(Schema):
    version: int = Field(ge=1)
    op: Identifier
    content: CleanStr
    memory_type: Identifier
    status: MemoryStatus
    metadata: JsonObject
    tags: list[Tag]
    importance: float = Field(ge=0.0, le=1.0)
    event_time: Timestamp | None
    expires_at: Timestamp | None
    actor: Identifier
    reason: CleanStr | None
    created_at: Timestamp


class ArchivedMemory(Schema):
    key: Identifier
    kind: MemoryKind
    memory_type: Identifier
    content: CleanStr = Field(min_length=1)
    user_id: Identifier | None
    agent_id: Identifier | None
    session_id: Identifier | None
    status: MemoryStatus
    version: int = Field(ge=1)
    event_time: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
    expires_at: Timestamp | None
    importance: float = Field(ge=0.0, le=1.0)
    access_count: int = Field(ge=0, lt=2**31)
    last_accessed_at: Timestamp | None
    strength: float = Field(ge=0.0)
    source: JsonObject
    metadata: JsonObject
    tags: list[Tag]
    merged_into: Identifier | None
    versions: list[ArchivedVersion] = Field(min_length=1)

    @model_validator(mode="after")
    def _history_is_whole(self) -> "ArchivedMemory":
        if [version.version for version in self.versions] != list(range(1, self.version + 1)):
            raise ValueError("versions must run 1..version without gaps")
        return self


def load_archive(data: bytes, max_records: int | None = None) -> Archive:
    """Reads and validates an archive completely, so an import fails before it writes anything."""
    archive = read_archive(data)
    if max_records is not None and len(archive.memories) > max_records:
        raise ArchiveError(f"archive holds {len(archive.memories)} memories; the limit is {max_records}")
    try:
        cube = ArchivedCube.model_validate(archive.manifest["cube"])
        records = [ArchivedMemory.model_validate(raw).model_dump() for raw in archive.memories]
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ArchiveError(f"invalid record: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    keys = [record["key"] for record in records]
    if len(set(keys)) != len(keys):
        raise ArchiveError("memory keys in the archive are not unique")
    dangling = {record["merged_into"] for record in records} - set(keys) - {None}
    if dangling:
        raise ArchiveError(f"merged_into names memories not in the archive: {sorted(dangling)[:3]}")
    described = {**cube.model_dump(exclude={"config"}), "config": cube.config.stored()}
    return Archive({**archive.manifest, "cube": described}, records)


def import_into(archive: Archive, cube: Cube, memories: MemoryRepository, embedder: Embedder) -> int:
    """Adds a loaded archive's memories, with their history, to `cube`."""
    # Vectors are recomputed rather than carried: the archive stays model-independent.
    vectors = embedder.embed([record["content"] for record in archive.memories])
    return len(ArchivedMemoryWriter(memories).write(cube, archive.memories, vectors))
