import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from memos_service.api.deps import CubesDep, ReaderDep, SessionDep
from memos_service.api.routes.cubes import After, Limit
from memos_service.api.schemas.common import Page
from memos_service.api.schemas.ingest import OperationPublic
from memos_service.db.operations import OperationRepository

router = APIRouter(prefix="/v1/cubes/{cube_id:uuid}/operations", tags=["operations"])


@router.get("", response_model=Page[OperationPublic], operation_id="list_operations")
def list_operations(
    cube_id: uuid.UUID, cubes: CubesDep, session: SessionDep, _: ReaderDep,
    job_id: Annotated[uuid.UUID | None, Query()] = None,
    user_id: Annotated[str | None, Query(max_length=200)] = None,
    op: Annotated[Literal["ADD", "UPDATE", "DELETE", "NOOP"] | None, Query()] = None,
    limit: Limit = 50, after: After = None,
) -> Page[OperationPublic]:
    """Every memory-manager decision in this cube, oldest first: what it was shown and what it chose."""
    cube = cubes.get(cube_id)
    rows, cursor = OperationRepository(session, cube.tenant_id).page(cube.id, job_id=job_id, user_id=user_id, op=op,
                                                                     limit=limit, after=after)
    return Page[OperationPublic](data=[OperationPublic.of(row) for row in rows], has_more=cursor is not None,
                                 next_cursor=cursor)
