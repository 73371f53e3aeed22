"""Cube archives over HTTP. Both directions go through files rather than memory: an export is
written to a spooled temporary file and streamed; an import is spooled as it arrives (up to
MEMOS_MAX_ARCHIVE_BYTES) and read from there in one pass."""

import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from memos_service.api.deps import (
    SPOOL_IN_MEMORY_BYTES,
    CubesDep,
    EmbedderDep,
    IdempotencyDep,
    MemoriesDep,
    ReaderDep,
    RequestBodyDep,
    SessionDep,
    SettingsDep,
    WriterDep,
)
from memos_service.api.routes.memories import check_content_size, open_cube
from memos_service.api.schemas.common import Identifier, Schema
from memos_service.blobs.store import CHUNK, blob_store
from memos_service.config import Settings
from memos_service.cube.archive import Archive
from memos_service.cube.transfer import ArchiveError, Imported, export_cube, import_into, staged_archive
from memos_service.db.blobs import BlobRepository
from memos_service.db.models import Cube
from memos_service.errors import ValidationFailed

router = APIRouter(prefix="/v1/cubes", tags=["archive"])
TAR = "application/x-tar"
IMPORT_PATH = re.compile(r"^/v1/cubes/(?:[^/]+/)?import/?$")
ARCHIVE_BODY: dict[str, Any] = {"requestBody": {"required": True, "description": "An archive made by export_cube.",
                                                "content": {TAR: {"schema": {"type": "string", "format": "binary"}}}}}


class ImportResult(Schema):
    cube_id: uuid.UUID
    memories_imported: int
    activations_imported: int
    adapters_imported: int

    @classmethod
    def of(cls, cube: Cube, imported: Imported) -> "ImportResult":
        return cls(cube_id=cube.id, memories_imported=imported.memories, activations_imported=imported.activations,
                   adapters_imported=imported.adapters)


@contextmanager
def _loaded(source: IO[bytes], settings: Settings) -> Iterator[Archive]:
    """The archive for the block that imports it (a refused one keeps none of its blobs)."""
    try:
        with staged_archive(source, blob_store(settings)) as archive:
            check_content_size(settings, *(record["content"] for record in archive.memories))
            yield archive
    except ArchiveError as exc:
        raise ValidationFailed(f"invalid archive: {exc}") from None


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(CHUNK):
            yield chunk


@router.get("/{cube_id:uuid}/export", operation_id="export_cube", response_class=Response,
            responses={200: {"content": {TAR: {"schema": {"type": "string", "format": "binary"}}},
                             "description": "The cube as a portable archive: manifest.json, memories.jsonl, "
                                            "blobs.jsonl and the caches' and adapters' bytes."}})
def export(cube_id: uuid.UUID, cubes: CubesDep, memories: MemoriesDep, session: SessionDep, settings: SettingsDep,
           principal: ReaderDep) -> StreamingResponse:
    """Written whole before the first byte is sent, so a damaged blob is an error, not a cut stream."""
    assert principal.tenant_id is not None
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)
    try:
        export_cube(cubes.get(cube_id), memories, BlobRepository(session, principal.tenant_id), blob_store(settings), spool)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    headers = {"Content-Disposition": f'attachment; filename="cube-{cube_id}.tar"', "Content-Length": str(size)}
    return StreamingResponse(_chunks(spool), media_type=TAR, headers=headers)


@router.post("/import", status_code=201, response_model=ImportResult, operation_id="import_new_cube",
             openapi_extra=ARCHIVE_BODY)
def import_new_cube(archive: RequestBodyDep, cubes: CubesDep, memories: MemoriesDep, session: SessionDep,
                    embedder: EmbedderDep, settings: SettingsDep, principal: WriterDep, idempotency: IdempotencyDep,
                    name: Annotated[Identifier | None, Query(description="Default: the archived cube's name.")] = None,
                    ) -> Response:
    """Creates a cube from an archive: its description, config, memories with their history, and
    its activation caches and adapters."""
    assert principal.tenant_id is not None
    if (replayed := idempotency.replay(session)) is not None:
        return replayed
    with _loaded(archive, settings) as loaded:
        described = {**loaded.manifest["cube"], **({"name": name} if name else {})}
        cube = cubes.create(**described, embedding_model=embedder.name, embedding_dim=embedder.dimension)
        imported = import_into(loaded, cube, memories, BlobRepository(session, principal.tenant_id), embedder,
                               settings.passages_per_memory)
    return idempotency.respond(session, 201, ImportResult.of(cube, imported))


@router.post("/{cube_id:uuid}/import", status_code=201, response_model=ImportResult, operation_id="import_cube",
             openapi_extra=ARCHIVE_BODY)
def import_cube(cube_id: uuid.UUID, archive: RequestBodyDep, cubes: CubesDep, memories: MemoriesDep,
                session: SessionDep, embedder: EmbedderDep, settings: SettingsDep, principal: WriterDep,
                idempotency: IdempotencyDep) -> Response:
    """Adds an archive's memories, with their history, caches and adapters, to an existing cube.
    All or nothing; caches of another language model than the cube's are a 409."""
    assert principal.tenant_id is not None
    if (replayed := idempotency.replay(session)) is not None:
        return replayed
    cube = open_cube(cubes, cube_id, embedder)  # first: another tenant's cube is a 404 before a byte is read
    with _loaded(archive, settings) as loaded:
        imported = import_into(loaded, cube, memories, BlobRepository(session, principal.tenant_id), embedder,
                               settings.passages_per_memory)
    return idempotency.respond(session, 201, ImportResult.of(cube, imported))
