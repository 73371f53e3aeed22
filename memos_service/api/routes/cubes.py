import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from memos_service.api.deps import CubesDep, EmbedderDep, IdempotencyDep, IndexesDep, ReaderDep, SessionDep, WriterDep
from memos_service.api.schemas.common import Page
from memos_service.api.schemas.cubes import CubeCreate, CubeDeleted, CubePublic, CubeUpdate

router = APIRouter(prefix="/v1/cubes", tags=["cubes"])

Limit = Annotated[int, Query(ge=1, le=200)]
After = Annotated[str | None, Query(max_length=500, description="`next_cursor` of the previous page.")]


@router.post("", status_code=201, response_model=CubePublic, operation_id="create_cube")
def create_cube(body: CubeCreate, cubes: CubesDep, session: SessionDep, embedder: EmbedderDep, _: WriterDep,
                idempotency: IdempotencyDep) -> Response:
    if (replayed := idempotency.replay(session)) is not None:
        return replayed
    fields = {**body.model_dump(exclude={"config"}), "config": body.config.stored()}
    cube = cubes.create(**fields, embedding_model=embedder.name, embedding_dim=embedder.dimension)
    return idempotency.respond(session, 201, CubePublic.model_validate(cube))


@router.get("", response_model=Page[CubePublic], operation_id="list_cubes")
def list_cubes(cubes: CubesDep, _: ReaderDep, limit: Limit = 20, after: After = None) -> Page[CubePublic]:
    rows, cursor = cubes.page(limit=limit, after=after)
    data = [CubePublic.model_validate(row) for row in rows]
    return Page[CubePublic](data=data, has_more=cursor is not None, next_cursor=cursor)


@router.get("/{cube_id:uuid}", response_model=CubePublic, operation_id="get_cube")
def get_cube(cube_id: uuid.UUID, cubes: CubesDep, _: ReaderDep) -> CubePublic:
    return CubePublic.model_validate(cubes.get(cube_id))


@router.patch("/{cube_id:uuid}", response_model=CubePublic, operation_id="update_cube")
def update_cube(cube_id: uuid.UUID, body: CubeUpdate, cubes: CubesDep, _: WriterDep) -> CubePublic:
    fields = body.model_dump(exclude_none=True, exclude={"config"})
    if body.config is not None:
        fields["config"] = body.config.stored()
    return CubePublic.model_validate(cubes.update(cube_id, **fields))


@router.delete("/{cube_id:uuid}", response_model=CubeDeleted, operation_id="delete_cube")
def delete_cube(cube_id: uuid.UUID, cubes: CubesDep, indexes: IndexesDep, _: WriterDep,
                purge: Annotated[bool, Query(description="Remove the cube and all its memories for good.")] = False,
                ) -> CubeDeleted:
    if purge:
        purged = cubes.purge(cube_id)
        indexes.forget(cube_id)
        return CubeDeleted(id=cube_id, purged=True, memories_purged=purged)
    cubes.soft_delete(cube_id)
    return CubeDeleted(id=cube_id, purged=False, memories_purged=0)
