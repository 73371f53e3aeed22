"""Managed ingestion on the `ingest` queue. The task only carries a job id: the job row in
Postgres holds the request, and the pipeline applies it exactly once however often it is delivered."""

import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy.exc import OperationalError

from memos_service.config import get_settings
from memos_service.db.engine import session_scope
from memos_service.embedding import get_embedder
from memos_service.ingestion.pipeline import Ingestion, fail_job
from workers.app import celery_app

log = structlog.get_logger(__name__)
MAX_RETRIES = 5


def _now() -> datetime:
    return datetime.now(UTC)


@celery_app.task(name="workers.ingest.ingest_messages", bind=True, max_retries=MAX_RETRIES)
def ingest_messages(self, job_id: str, request_id: str | None = None) -> None:
    structlog.contextvars.bind_contextvars(job_id=job_id, request_id=request_id)
    try:
        Ingestion(get_settings(), get_embedder(), _now).run(uuid.UUID(job_id), session_scope)
    except OperationalError as error:
        # The database went away: transient, so try again later, backing off.
        if self.request.retries >= MAX_RETRIES:
            fail_job(session_scope, uuid.UUID(job_id), error, _now)
            raise
        raise self.retry(exc=error, countdown=min(60, 2 ** self.request.retries)) from error
    except Exception as error:
        log.exception("ingestion failed")
        fail_job(session_scope, uuid.UUID(job_id), error, _now)
    finally:
        structlog.contextvars.unbind_contextvars("job_id", "request_id")
