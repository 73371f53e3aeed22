"""Housekeeping tasks on the `maintenance` queue."""

from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete

from memos_service.blobs.store import blob_store
from memos_service.config import get_settings
from memos_service.db.blobs import referenced_digests
from memos_service.db.engine import session_scope
from memos_service.db.models import IdempotentRequest
from memos_service.outbox import resend_stale
from workers.app import celery_app

log = structlog.get_logger(__name__)


@celery_app.task(name="workers.maintenance.prune_idempotency_records")
def prune_idempotency_records(now: str | None = None) -> int:
    """Forgets stored Idempotency-Key responses older than the TTL. Running it twice is harmless."""
    moment = datetime.fromisoformat(now) if now else datetime.now(UTC)
    cutoff = moment - timedelta(hours=get_settings().idempotency_ttl_hours)
    with session_scope() as session:
        pruned = session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < cutoff)).rowcount
    log.info("pruned idempotency records", count=pruned, cutoff=cutoff.isoformat())
    return pruned


@celery_app.task(name="workers.maintenance.resend_stale_jobs")
def resend_stale_jobs(now: str | None = None) -> dict[str, int]:
    """The outbox sweeper: jobs written but never picked up are sent again."""
    return resend_stale(get_settings(), datetime.fromisoformat(now) if now else None)


@celery_app.task(name="workers.maintenance.collect_blob_garbage")
def collect_blob_garbage() -> int:
    """Removes blob files no row names any more (deleted or purged caches and adapters)."""
    with session_scope() as session:
        referenced = referenced_digests(session)
    removed = blob_store(get_settings()).collect_garbage(referenced)
    log.info("blob garbage collected", removed=removed)
    return removed
