"""Each cube's lifecycle bookkeeping row, and which cubes are due a consolidation or a sweep."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from memos_service.cube.config import ActivationConfig, CubeConfig
from memos_service.db.jobs import JobStatus
from memos_service.db.models import Blob, Cube, CubeLifecycle, Job

log = structlog.get_logger(__name__)


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
    payload: dict[str, Any]  # what the job is to do, from the cube's config at the time of scheduling


def _live_cubes(session: Session, tenant_id: uuid.UUID | None) -> list[tuple[Cube, CubeConfig]]:
    """Live cubes with their configs; one whose stored config no longer reads (stored before a bound
    existed) is logged and left out, never the end of a sweep for every other cube."""
    query = select(Cube).where(Cube.deleted_at.is_(None)).order_by(Cube.created_at)
    if tenant_id is not None:
        query = query.where(Cube.tenant_id == tenant_id)
    found = []
    for cube in session.scalars(query):
        try:
            found.append((cube, CubeConfig.of(cube.config)))
        except ValidationError as exc:
            log.error("cube config unreadable: cube skipped by lifecycle", cube_id=str(cube.id),
                      tenant_id=str(cube.tenant_id), error=exc.errors()[0]["msg"])
    return found


def _hot_selection(config: ActivationConfig) -> dict[str, Any]:
    """What beat's hot-memory cache is built from."""
    return {"hottest": config.hottest, "retire_unused_days": config.retire_unused_days,
            **({"template": config.template} if config.template else {})}


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
    for cube, config in _live_cubes(session, tenant_id):
        sections: list[tuple[str, Any, dict[str, Any]]] = [("consolidate", config.consolidation, {}),
                                                           ("forget", config.forgetting, {})]
        if with_model:
            sections.append(("activation", config.activation, _hot_selection(config.activation)))
        for kind, section, payload in sections:
            # A new cube's first run comes one interval after its creation.
            created, busy = last.get((cube.id, kind), (cube.created_at, False))
            if section.enabled and not busy and created <= now - timedelta(minutes=section.interval_minutes):
                found.append(Due(cube.tenant_id, cube.id, kind, payload))
    return found


def retire_unused_caches(session: Session, now: datetime, tenant_id: uuid.UUID | None = None) -> int:
    """Deletes the activation caches nobody used for their cube's `retire_unused_days`, in cubes
    that run the hot-memory path; the files go with the blob store's garbage collection."""
    retired = 0
    for cube, config in _live_cubes(session, tenant_id):
        if config.activation.enabled:
            cutoff = now - timedelta(days=config.activation.retire_unused_days)
            retired += session.execute(delete(Blob).where(
                Blob.cube_id == cube.id, Blob.kind == "activation",
                func.coalesce(Blob.last_used_at, Blob.created_at) < cutoff)).rowcount
    return retired
