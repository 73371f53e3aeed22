from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from memos_service.api.deps import IndexesDep, SessionDep, WriterDep
from memos_service.api.schemas.common import Identifier, Schema
from memos_service.lifecycle.users import forget_user

router = APIRouter(prefix="/v1/users", tags=["users"])


class UserForgotten(Schema):
    user_id: str
    purged: bool
    memories: int
    versions: int
    operations: int
    jobs: int
    idempotent_responses: int
    cubes: int


@router.delete("/{user_id}", response_model=UserForgotten, operation_id="forget_user")
def delete_user(user_id: Annotated[Identifier, Path()], session: SessionDep, indexes: IndexesDep,
                principal: WriterDep,
                purge: Annotated[bool, Query(description="Hard-delete everything held about the user "
                                                         "(right to be forgotten); otherwise tombstone their memories.")] = False,
                ) -> UserForgotten:
    """Forgets one user of this tenant in every cube, and reports what went."""
    assert principal.tenant_id is not None
    counts = forget_user(session, principal.tenant_id, user_id, purge=purge, actor=principal.actor, now=datetime.now(UTC))
    return UserForgotten(user_id=user_id, purged=purge, **counts)
