import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from memos_service.api.deps import (
    CubesDep,
    EmbedderDep,
    IdempotencyDep,
    MemoriesDep,
    ReaderDep,
    SessionDep,
    SettingsDep,
    WriterDep,
)
from memos_service.api.routes.memories import check_content_size, open_cube
from memos_service.api.schemas.common import Identifier, Schema
from memos_service.config import Settings
from memos_service.cube.archive import Archive
from memos_service.cube.transfer import ArchiveError, export_cube, import_into, load_archive
from memos_service.errors import ValidationFailed

router = APIRouter(prefix="/v1/cubes", tags=["archive"])
TAR = "application/x-tar"
ArchiveBody = Annotated[bytes, Body(media_type=TAR, description="An archive made by export_cube.")]


class ImportResult(Schema):
    cube_id: uuid.UUID
    memories_imported: int


def _load(data: bytes, settings: Settings) -> Archive:
    try:
        archive = load_archive(data)
    except ArchiveError as exc:
        raise ValidationFailed(f"invalid archive: {exc}") from None
    check_content_size(settings, *(record["content"] for record in archive.memories))
    return archive


@router.get("/{cube_id:uuid}/export", operation_id="export_cube", response_class=Response,
            responses={200: {"content": {TAR: {"schema": {"type": "string", "format": "binary"}}},
                             "description": "The cube as a portable archive: manifest.json + memories.jsonl."}})
def export(cube_id: uuid.UUID, cubes: CubesDep, memories: MemoriesDep, _: ReaderDep) -> Response:
    return Response(export_cube(cubes.get(cube_id), memories), media_type=TAR,
                    headers={"Content-Disposition": f'attachment; filename="cube-{cube_id}.tar"'})


@router.post("/import", status_code=201, response_model=ImportResult, operation_id="import_new_cube")
def import_new_cube(archive: ArchiveBody, cubes: CubesDep, memories: MemoriesDep, session: SessionDep,
                    embedder: EmbedderDep, settings: SettingsDep, _: WriterDep, idempotency: IdempotencyDep,
                    name: Annotated[Identifier | None, Query(description="Default: the archived cube's name.")] = None,
                    ) -> Response:
    """Creates a cube from an archive: its description, config and memories with their history."""
    if (replayed := idempotency.replay(session)) is not None:
        return replayed
    loaded = _load(archive, settings)
    described = {**loaded.manifest["cube"], **({"name": name} if name else {})}
    cube = cubes.create(**described, embedding_model=embedder.name, embedding_dim=embedder.dimension)
    imported = import_into(loaded, cube, memories, embedder)
    return idempotency.respond(session, 201, ImportResult(cube_id=cube.id, memories_imported=imported))


@router.post("/{cube_id:uuid}/import", status_code=201, response_model=ImportResult, operation_id="import_cube")
def import_cube(cube_id: uuid.UUID, archive: ArchiveBody, cubes: CubesDep, memories: MemoriesDep,
                session: SessionDep, embedder: EmbedderDep, settings: SettingsDep, _: WriterDep,
                idempotency: IdempotencyDep) -> Response:
    """Adds an archive's memories, with their history, to an existing cube. All or nothing."""
    if (replayed := idempotency.replay(session)) is not None:
        return replayed
    loaded = _load(archive, settings)
    imported = import_into(loaded, open_cube(cubes, cube_id, embedder), memories, embedder)
    return idempotency.respond(session, 201, ImportResult(cube_id=cube_id, memories_imported=imported))
