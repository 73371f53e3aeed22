"""Each cube's lifecycle bookkeeping row, and which cubes are due a consolidation or a sweep."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from memos_service.cube.config import CubeConfig
from memos_service.db.jobs import JobStatus
from memos_service.db.models import Cube, CubeLifecycle, Job


def lifecycle_of(session: Session, cube: Cube) -> CubeLifecycle:
    """The cube's row, created on first use, locked for this transaction."""
    session.execute(insert(CubeLifecycle).values(cube_id=cube.id, tenant_id=cube.tenant_id)
                    .on_conflict_do_nothing(index_elements=["cube_id"]))
    return session.get(CubeLifecycle, cube.id, with_for_update=True, populate_existing=True)


@dataclass(frozen=True)
class Due:
    tenant_id: uuid.UUID
    cube_id: uuid.UUID
    kind: str


def due(session: Session, now: datetime, tenant_id: uuid.UUID | None = None) -> list[Due]:
    """Live cubes (of one tenant, or all) whose consolidation or forgetting interval has passed
    since their last such job, with none of that kind still unfinished (a backlog never piles up)."""
    last = {
        (cube_id, kind): (created, busy)
        for cube_id, kind, created, busy in session.execute(
            select(Job.cube_id, Job.kind, func.max(Job.created_at), func.bool_or(Job.status.in_(JobStatus.unfinished)))
            .where(Job.kind.in_(["consolidate", "forget"]), Job.cube_id.is_not(None)).group_by(Job.cube_id, Job.kind))
    }
    found = []
    cubes = select(Cube).where(Cube.deleted_at.is_(None)).order_by(Cube.created_at)
    if tenant_id is not None:
        cubes = cubes.where(Cube.tenant_id == tenant_id)
    for cube in session.scalars(cubes):
        config = CubeConfig.of(cube.config)
        for kind, section in (("consolidate", config.consolidation), ("forget", config.forgetting)):
            # A new cube's first run comes one interval after its creation.
            created, busy = last.get((cube.id, kind), (cube.created_at, False))
            if section.enabled and not busy and created <= now - timedelta(minutes=section.interval_minutes):
                found.append(Due(cube.tenant_id, cube.id, kind))
    return found
