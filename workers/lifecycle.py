"""Lifecycle work on the `maintenance` queue: consolidation and forgetting jobs, and the beat task
that starts them for cubes whose interval has passed."""

import uuid
from datetime import datetime
from functools import cache

import structlog

from gpu_index import IndexManager
from memos_service.config import get_settings
from memos_service.db.engine import session_scope
from memos_service.db.jobs import JobRepository
from memos_service.embedding import get_embedder
from memos_service.lifecycle.consolidation import Consolidation
from memos_service.lifecycle.forgetting import run_forgetting
from memos_service.lifecycle.state import due, retire_unused_caches
from memos_service.outbox import CONSOLIDATE, FORGET, KINDS, send
from memos_service.retrieval.indexes import build_index_manager
from workers.app import celery_app
from workers.jobs import job_task, now

log = structlog.get_logger(__name__)


@cache
def worker_indexes() -> IndexManager:
    """This worker process's indexes, built on first use: after the pool forked it, since FAISS
    state does not survive a fork."""
    return build_index_manager(get_settings(), get_embedder().dimension)


@job_task(CONSOLIDATE)
def consolidate(job_id: uuid.UUID) -> None:
    Consolidation(get_settings(), get_embedder(), worker_indexes(), now).run(job_id, session_scope)


@job_task(FORGET)
def forget(job_id: uuid.UUID) -> None:
    run_forgetting(job_id, session_scope, now)


@celery_app.task(name="workers.lifecycle.schedule_lifecycle")
def schedule_lifecycle(at: str | None = None, tenant_id: str | None = None) -> int:
    """Beat: a job for each cube due a consolidation or a forgetting sweep (outbox first, then sent).
    `at` and `tenant_id` let an operator (or a test) run it for one tenant as of a given time."""
    moment = datetime.fromisoformat(at) if at else now()
    tenant = uuid.UUID(tenant_id) if tenant_id else None
    settings = get_settings()
    with session_scope() as session:
        retired = retire_unused_caches(session, moment, tenant)
        created = []
        for entry in due(session, moment, tenant, with_model=settings.lm_path is not None):
            payload = {"scheduled": True, "as_of": moment.isoformat(), **entry.payload}
            job = JobRepository(session, entry.tenant_id).create(cube_id=entry.cube_id, kind=entry.kind,
                                                                 queue=KINDS[entry.kind].queue, payload=payload,
                                                                 created_at=moment)
            created.append((job.id, KINDS[entry.kind]))
    if retired:
        log.info("unused activation caches retired", count=retired)
    for job_id, kind in created:
        send(job_id, kind, None)
    if created:
        log.info("lifecycle jobs scheduled", count=len(created))
    return len(created)
