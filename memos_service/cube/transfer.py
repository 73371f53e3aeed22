"""Cube export and import over the archive format: what crosses is content, history, provenance,
and the activation caches and adapters built from the memories (bytes and metadata, their links
to memories re-pointed at the imported copies); what stays behind is anything that only means
something in this database."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal

from pydantic import Field, ValidationError, model_validator

from memos_service.api.schemas.common import (
    CleanJsonObject,
    CleanStr,
    Identifier,
    JsonObject,
    MemoryType,
    Schema,
    Tag,
    Timestamp,
)
from memos_service.blobs.store import BlobStore
from memos_service.cube.archive import BLOBS, MEMORIES, VERSION_FIELDS, Archive, ArchiveError, read_archive, write_archive
from memos_service.cube.config import CubeConfig
from memos_service.cube.kinds import MemoryKind, MemoryOp, MemoryStatus
from memos_service.db.blobs import BlobRepository
from memos_service.db.memories import ArchivedMemoryWriter, MemoryRepository
from memos_service.db.models import Blob, Cube, Memory, MemoryVersion
from memos_service.embedding import Embedder
from memos_service.lm.model import keep_cube_model
from memos_service.passages import embed_contents

MEMORY_FIELDS = ("kind", "memory_type", "content", "user_id", "agent_id", "session_id", "status", "version",
                 "event_time", "created_at", "updated_at", "expires_at", "importance", "access_count",
                 "last_accessed_at", "strength", "source", "tags")


BLOB_FIELDS = ("kind", "status", "format", "sha256", "size", "lm_name", "lm_fingerprint", "use_count", "last_used_at",
               "created_at")


def export_cube(cube: Cube, memories: MemoryRepository, blobs: BlobRepository, store: BlobStore, out: BinaryIO) -> None:
    """Streams: memories are read a page at a time, with their versions, and written as they come."""
    ordered = memories.keys_in_cube(cube)
    keys = {row_id: f"m{position:08d}" for position, (row_id, _) in enumerate(ordered, start=1)}
    public_keys = {str(public_id): keys[row_id] for row_id, public_id in ordered}

    def records() -> Iterator[dict[str, Any]]:
        for page in memories.pages_in_cube(cube):
            versions = memories.versions_of([memory.id for memory in page])
            yield from (_record(memory, keys, versions[memory.id]) for memory in page)

    blob_records = [_blob_record(blob, keys, public_keys) for blob in blobs.all_in_cube(cube)]
    described = {"name": cube.name, "description": cube.description, "owner_user_id": cube.owner_user_id, "config": cube.config}
    write_archive(out, described, {"model": cube.embedding_model, "dim": cube.embedding_dim}, records(), blob_records, store)


def _record(memory: Memory, keys: dict[int, str], versions: list[MemoryVersion]) -> dict[str, Any]:
    record = {name: getattr(memory, name) for name in MEMORY_FIELDS}
    record.update(key=keys[memory.id], metadata=memory.metadata_,
                  merged_into=keys.get(memory.merged_into) if memory.merged_into else None)
    record["versions"] = [
        {name: getattr(version, "metadata_" if name == "metadata" else name) for name in VERSION_FIELDS}
        for version in versions
    ]
    return record


def _blob_record(blob: Blob, keys: dict[int, str], public_keys: dict[str, str]) -> dict[str, Any]:
    record = {name: getattr(blob, name) for name in BLOB_FIELDS}
    record.update(memories=[keys[memory_id] for memory_id in blob.memory_ids],
                  metadata=_repoint(blob.metadata_, public_keys.__getitem__))
    return record


def _repoint(metadata: dict[str, Any], new_id: Callable[[str], str]) -> dict[str, Any]:
    """A cache's or adapter's metadata with the memory ids it names (its sources, a selection by
    ids) translated: public ids to archive keys on export, archive keys to new public ids on import."""
    repointed = dict(metadata)
    if "sources" in metadata:
        repointed["sources"] = [{**source, "id": new_id(source["id"])} for source in metadata["sources"]]
    selection = metadata.get("selection") or {}
    if selection.get("memory_ids"):
        repointed["selection"] = {**selection, "memory_ids": [new_id(value) for value in selection["memory_ids"]]}
    return repointed


class ArchivedCube(Schema):
    name: Identifier
    description: CleanStr = Field(max_length=2000)
    owner_user_id: Identifier | None
    config: CubeConfig


class ArchivedVersion(Schema):
    version: int = Field(ge=1)
    op: MemoryOp
    content: CleanStr
    memory_type: MemoryType
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
    memory_type: MemoryType
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


class ArchivedSource(Schema, extra="allow"):
    id: Identifier
    version: int = Field(ge=1)


class ArchivedBlobMetadata(Schema, extra="allow"):
    sources: list[ArchivedSource] = Field(min_length=1)
    version: int | None = Field(None, ge=1, lt=2**31)  # an adapter's, within its cube
    active: bool | None = None


class ArchivedBlob(Schema):
    kind: Literal["activation", "adapter"]
    status: Literal["ready", "stale"]
    format: Literal["safetensors"]
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    lm_name: CleanStr = Field(min_length=1, max_length=500)
    lm_fingerprint: str = Field(pattern=r"^[0-9a-f]{64}$")
    use_count: int = Field(ge=0, lt=2**31)
    last_used_at: Timestamp | None
    created_at: Timestamp
    memories: list[Identifier] = Field(min_length=1)
    metadata: CleanJsonObject

    @model_validator(mode="after")
    def _metadata_names_its_sources(self) -> "ArchivedBlob":
        ArchivedBlobMetadata.model_validate(self.metadata)
        return self


_RECORD_MODELS: dict[str, type[Schema]] = {MEMORIES: ArchivedMemory, BLOBS: ArchivedBlob}


def _invalid(what: str, error: ValidationError) -> ArchiveError:
    """The first validation error, where it is and what it says."""
    first = error.errors()[0]
    return ArchiveError(f"{what}: {'.'.join(map(str, first['loc']))}: {first['msg']}")


def _validated(name: str, line: bytes) -> dict[str, Any]:
    """One line of memories.jsonl or blobs.jsonl, validated as it is parsed (no raw copy kept)."""
    try:
        return _RECORD_MODELS[name].model_validate_json(line).model_dump()
    except ValidationError as exc:
        raise _invalid(f"invalid record in {name}", exc) from None


@contextmanager
def staged_archive(source: BinaryIO, store: BlobStore) -> Iterator[Archive]:
    """The archive, read and validated completely before the block that imports it runs, so an import
    fails before it writes a row. Its blob files are staged, and enter the store only when that block
    succeeds: a refused import leaves nothing behind."""
    with store.staged() as staged:
        yield _checked(read_archive(source, staged.put_stream, _validated))
        staged.keep()


def _checked(archive: Archive) -> Archive:
    try:
        cube = ArchivedCube.model_validate(archive.manifest["cube"])
    except ValidationError as exc:
        raise _invalid("invalid record", exc) from None
    records, blobs = archive.memories, archive.blobs
    keys = [record["key"] for record in records]
    if len(set(keys)) != len(keys):
        raise ArchiveError("memory keys in the archive are not unique")
    dangling = {record["merged_into"] for record in records} - set(keys) - {None}
    for blob in blobs:
        named = _repoint(blob["metadata"], str)
        dangling |= set(blob["memories"]) | {source["id"] for source in named["sources"]}
        dangling |= set(named.get("selection", {}).get("memory_ids", []))
    if dangling := dangling - set(keys) - {None}:
        raise ArchiveError(f"the archive names memories it does not hold: {sorted(dangling)[:3]}")
    if len({(blob["lm_name"], blob["lm_fingerprint"]) for blob in blobs}) > 1:
        raise ArchiveError("the caches and adapters of one cube belong to one model")
    if any(archive.blob_sizes.get(blob["sha256"]) != blob["size"] for blob in blobs):
        raise ArchiveError("a cache or adapter names bytes the archive does not hold")
    described = {**cube.model_dump(exclude={"config"}), "config": cube.config.stored()}
    return Archive({**archive.manifest, "cube": described}, records, blobs, archive.blob_sizes)


@dataclass(frozen=True)
class Imported:
    memories: int
    activations: int
    adapters: int


def import_into(archive: Archive, cube: Cube, memories: MemoryRepository, blobs: BlobRepository,
                embedder: Embedder, passages_per_memory: int) -> Imported:
    """Adds a loaded archive's memories, with their history, and its caches and adapters to `cube`."""
    # Vectors are recomputed rather than carried: the archive stays model-independent.
    vectors = embed_contents(embedder, [record["content"] for record in archive.memories], passages_per_memory)
    written = ArchivedMemoryWriter(memories).write(cube, archive.memories, vectors)
    by_key = {record["key"]: memory for record, memory in zip(archive.memories, written, strict=True)}
    if archive.blobs:
        first = archive.blobs[0]  # all of one model: checked on load
        keep_cube_model(cube, first["lm_name"], first["lm_fingerprint"], "import the archive into a new cube")
        _write_blobs(cube, archive.blobs, by_key, blobs)
    kinds = [blob["kind"] for blob in archive.blobs]
    return Imported(len(written), kinds.count("activation"), kinds.count("adapter"))


def _write_blobs(cube: Cube, records: list[dict[str, Any]], by_key: dict[str, Memory], blobs: BlobRepository) -> None:
    present = [blob.metadata_ for blob in blobs.all_in_cube(cube) if blob.kind == "adapter"]
    # Adapter versions continue the cube's own; one already active stays the active one.
    first_version = max((metadata.get("version", 0) for metadata in present), default=0)
    keep_active = not any(metadata.get("active") for metadata in present)
    for record in records:
        metadata = _repoint(record["metadata"], lambda key: str(by_key[key].public_id))
        if record["kind"] == "adapter":
            metadata.update(version=first_version + metadata.get("version", 1),
                            active=bool(metadata.get("active")) and keep_active)
        blob = blobs.create(cube, kind=record["kind"], sha256=record["sha256"], size=record["size"],
                            lm_name=record["lm_name"], lm_fingerprint=record["lm_fingerprint"],
                            memory_ids=[by_key[key].id for key in record["memories"]], metadata=metadata, job_id=None)
        blob.status, blob.use_count = record["status"], record["use_count"]
        blob.last_used_at, blob.created_at = record["last_used_at"], record["created_at"]
