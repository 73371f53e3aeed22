"""The forgetting sweep of one cube, set-based so a 100k-memory cube takes a few statements:

1. archive what expired (`expires_at` passed) and what faded (retention under the threshold);
2. enforce the cube's cap, if any, by archiving the weakest (lowest retention, longest unused)
   first, never "the oldest N";
3. purge what has been archived or deleted for longer than the retention period: rows, history,
   the operations that decided them, their index entries (through the change log).

Archived memories leave default search but stay restorable until purged. The plan and its
application run in one transaction with the job's completion: exactly once.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, any_, bindparam, func, not_, select
from sqlalchemy.dialects.postgresql import ARRAY

from memos_service.cube.config import CubeConfig, ForgettingConfig
from memos_service.cube.kinds import MemoryOp, MemoryStatus
from memos_service.db import jobs
from memos_service.db.cubes import CubeRepository
from memos_service.db.memories import MemoryRepository
from memos_service.db.models import Cube, Memory
from memos_service.lifecycle.retention import retention_sql
from memos_service.lifecycle.state import lifecycle_of

SAMPLES = 20  # memories per reason described in a job's result


@dataclass
class ForgetPlan:
    expired: list[int] = field(default_factory=list)
    faded: list[int] = field(default_factory=list)
    over_cap: list[int] = field(default_factory=list)
    to_purge: list[int] = field(default_factory=list)
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def plan_forgetting(memories: MemoryRepository, cube: Cube, policy: ForgettingConfig, now: datetime) -> ForgetPlan:
    plan = ForgetPlan()
    session = memories.session
    retention = retention_sql(policy, now).label("retention")
    scope = select(Memory.id, Memory.public_id, Memory.content, retention).where(
        Memory.tenant_id == memories.tenant_id, Memory.cube_id == cube.id)
    active = scope.where(Memory.status == MemoryStatus.active)

    expired = session.execute(active.where(Memory.expires_at <= now).order_by(Memory.id)).all()
    faded = session.execute(active.where(Memory.expires_at.is_(None) | (Memory.expires_at > now),
                                         retention < policy.archive_below).order_by(retention, Memory.id)).all()
    plan.expired, plan.faded = [row.id for row in expired], [row.id for row in faded]
    weakest: list[Any] = []
    if policy.max_memories is not None:
        leaving = plan.expired + plan.faded
        active_now = session.scalar(select(func.count()).where(
            Memory.tenant_id == memories.tenant_id, Memory.cube_id == cube.id, Memory.status == MemoryStatus.active))
        remaining = active_now - len(leaving)
        if remaining > policy.max_memories:
            kept = active.where(not_(Memory.id == any_(bindparam(None, leaving, type_=ARRAY(BigInteger))))) if leaving else active
            weakest = session.execute(kept.order_by(retention, func.coalesce(Memory.last_accessed_at, Memory.created_at),
                                                    Memory.id).limit(remaining - policy.max_memories)).all()
            plan.over_cap = [row.id for row in weakest]
    purged = []
    if policy.retention_days is not None:
        purged = session.execute(scope.where(Memory.status.in_([MemoryStatus.archived, MemoryStatus.deleted]),
                                             Memory.updated_at < now - timedelta(days=policy.retention_days))
                                 .order_by(Memory.id)).all()
        plan.to_purge = [row.id for row in purged]
    plan.samples = {name: [{"id": str(row.public_id), "content": row.content[:200], "retention": round(row.retention, 4)}
                           for row in rows[:SAMPLES]]
                    for name, rows in (("expired", expired), ("faded", faded), ("over_cap", weakest), ("purge", purged))}
    return plan


def apply_forgetting(memories: MemoryRepository, cube: Cube, plan: ForgetPlan, policy: ForgettingConfig,
                     actor: str, now: datetime) -> dict[str, int]:
    archive = dict(from_statuses=(MemoryStatus.active,), status=MemoryStatus.archived, op=MemoryOp.archive,
                   actor=actor, moment=now)
    expired = memories.set_status_many(cube, plan.expired, reason="expired", **archive)
    faded = memories.set_status_many(cube, plan.faded, reason=f"retention fell below {policy.archive_below}", **archive)
    over_cap = memories.set_status_many(cube, plan.over_cap, reason=f"weakest past the cube's cap of {policy.max_memories}",
                                        **archive)
    purged = memories.purge(cube.id, plan.to_purge)
    return {"archived_expired": len(expired), "archived_faded": len(faded), "archived_over_cap": len(over_cap),
            "purged": len(purged)}


def describe(plan: ForgetPlan, policy: ForgettingConfig, now: datetime, applied: dict[str, int] | None) -> dict[str, Any]:
    return {
        "dry_run": applied is None,
        "as_of": now.isoformat(),
        "policy": policy.model_dump(mode="json"),
        "to_archive": {"expired": len(plan.expired), "faded": len(plan.faded), "over_cap": len(plan.over_cap)},
        "to_purge": len(plan.to_purge),
        "samples": plan.samples,
        **({"applied": applied} if applied is not None else {}),
    }


def run_forgetting(job_id: uuid.UUID, session_factory: Callable[[], Any], clock: Callable[[], datetime]) -> dict[str, Any] | None:
    """A `forget` job: plan and apply in one transaction with the job's completion. The payload may
    carry `as_of` (a fake clock for tests, a preview for dry runs)."""
    with session_factory() as session:
        job = jobs.claim(session, job_id, clock())
        if job is None:
            return None
        tenant_id, cube_id, payload = job.tenant_id, job.cube_id, dict(job.payload)
    now = jobs.as_of(payload, clock)
    with session_factory() as session:
        job = jobs.unfinished(session, job_id)
        if job is None:
            return None
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"forget:{cube_id}", 0))))
        cube = CubeRepository(session, tenant_id).get(cube_id)
        policy = CubeConfig.of(cube.config).forgetting
        memories = MemoryRepository(session, tenant_id)
        plan = plan_forgetting(memories, cube, policy, now)
        applied = None
        if not payload.get("dry_run"):
            applied = apply_forgetting(memories, cube, plan, policy, f"job:{job_id}", now)
            lifecycle_of(session, cube).forgotten_at = now
        result = describe(plan, policy, now, applied)
        jobs.complete(job, result, clock())
    return result
