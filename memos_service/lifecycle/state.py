"""Each cube's lifecycle bookkeeping row, and which cubes are due a consolidation or a sweep."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from memos_service.cube.config import CubeConfig
from memos_service.db.jobs import JobStatus
from memos_service.db.models import Blob, Cube, CubeLifecycle, Job


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


def due(session: Session, now: datetime, tenant_id: uuid.UUID | None = None, with_model: bool = False) -> list[Due]:
    """Live cubes (of one tenant, or all) whose consolidation, forgetting or (with a model
    configured) hot-memory cache interval has passed since their last such job, with none of that
    kind still unfinished (a backlog never piles up)."""
    last = {
        (cube_id, kind): (created, busy)
        for cube_id, kind, created, busy in session.execute(
            select(Job.cube_id, Job.kind, func.max(Job.created_at), func.bool_or(Job.status.in_(JobStatus.unfinished)))
            .where(Job.kind.in_(["consolidate", "forget", "activation"]), Job.cube_id.is_not(None))
            .group_by(Job.cube_id, Job.kind))
    }
    found = []
    cubes = select(Cube).where(Cube.deleted_at.is_(None)).order_by(Cube.created_at)
    if tenant_id is not None:
        cubes = cubes.where(Cube.tenant_id == tenant_id)
    for cube in session.scalars(cubes):
        config = CubeConfig.of(cube.config)
        sections = [("consolidate", config.consolidation), ("forget", config.forgetting)]
        if with_model:
            sections.append(("activation", config.activation))
        for kind, section in sections:
            # A new cube's first run comes one interval after its creation.
            created, busy = last.get((cube.id, kind), (cube.created_at, False))
            if section.enabled and not busy and created <= now - timedelta(minutes=section.interval_minutes):
                found.append(Due(cube.tenant_id, cube.id, kind))
    return found


def retire_unused_caches(session: Session, now: datetime, tenant_id: uuid.UUID | None = None) -> int:
    """Deletes the activation caches nobody used for their cube's `retire_unused_days`, in cubes
    that run the hot-memory path; the files go with the blob store's garbage collection."""
    retired = 0
    cubes = select(Cube).where(Cube.deleted_at.is_(None))
    if tenant_id is not None:
        cubes = cubes.where(Cube.tenant_id == tenant_id)
    for cube in session.scalars(cubes):
        config = CubeConfig.of(cube.config).activation
        if not config.enabled:
            continue
        cutoff = now - timedelta(days=config.retire_unused_days)
        retired += session.execute(delete(Blob).where(
            Blob.cube_id == cube.id, Blob.kind == "activation",
            func.coalesce(Blob.last_used_at, Blob.created_at) < cutoff)).rowcount
    return retired


def hot_selection(session: Session, cube_id: uuid.UUID) -> dict:
    """What a scheduled hot-memory cache is built from: the cube's config, at the time of scheduling."""
    config = CubeConfig.of(session.get(Cube, cube_id).config).activation
    return {"hottest": config.hottest, "retire_unused_days": config.retire_unused_days,
            **({"template": config.template} if config.template else {})}
