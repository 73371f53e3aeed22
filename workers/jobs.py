"""How every job's task runs. The task carries only a job id; the job row in Postgres holds the
request. One delivery at a time works on a job (a lock held by the worker's connection, freed if
the worker dies); database outages are retried with exponential backoff; anything else, and a
run past its time limit, leaves the job `failed` with its error, visible through the API."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from sqlalchemy.exc import OperationalError

from memos_service.config import get_settings
from memos_service.db import jobs
from memos_service.db.engine import session_scope
from memos_service.db.locks import session_lock
from memos_service.errors import MemosError
from memos_service.outbox import JobKind
from memos_service.tracing import continued, is_on
from workers.app import celery_app

log = structlog.get_logger(__name__)
MAX_RETRIES = 5
MAX_BACKOFF_SECONDS = 300


def now() -> datetime:
    return datetime.now(UTC)


def _fail(job_id: uuid.UUID, error: BaseException | str) -> None:
    if isinstance(error, str):
        message = error
    else:
        message = error.message if isinstance(error, MemosError) else f"{type(error).__name__}: {error}"
    with session_scope() as session:
        jobs.fail(session, job_id, message, now())


def _trace_context(job_id: uuid.UUID) -> dict[str, str] | None:
    """The trace the job's request was in, read only when tracing is on."""
    if not is_on():
        return None
    with session_scope() as session:
        return jobs.trace_context(session, job_id)


def job_task(kind: JobKind) -> Callable[[Callable[[uuid.UUID], Any]], Any]:
    """Registers `work(job_id)` as the Celery task of a job kind."""
    limit = get_settings().job_time_limit_seconds

    def register(work: Callable[[uuid.UUID], Any]) -> Any:
        @celery_app.task(name=kind.task, bind=True, max_retries=MAX_RETRIES, time_limit=limit,
                         soft_time_limit=max(1, int(limit * 0.9)))
        def task(self: Any, job_id: str, request_id: str | None = None) -> None:
            job = uuid.UUID(job_id)
            structlog.contextvars.bind_contextvars(job_id=job_id, request_id=request_id, job_kind=kind.name)
            try:
                with session_lock(jobs.job_lock_name(job), wait=False) as held:
                    if not held:
                        log.info("another delivery of this job is running; this one leaves it")
                        return
                    log.info("job started")
                    with continued(_trace_context(job), f"job {kind.name}", **{"memos.job_id": job_id,
                                                                                "memos.request_id": request_id}):
                        work(job)
                    log.info("job done")
            except OperationalError as error:
                # The database went away: transient, so try again later, backing off.
                if self.request.retries >= MAX_RETRIES:
                    _fail(job, error)
                    return
                countdown = get_exponential_backoff_interval(2, self.request.retries, MAX_BACKOFF_SECONDS, full_jitter=True)
                log.warning("database unavailable; retrying", countdown=countdown, error=str(error))
                raise self.retry(exc=error, countdown=countdown) from error
            except SoftTimeLimitExceeded:
                _fail(job, f"time limit exceeded ({limit} s)")
            except Exception as error:
                log.exception("job failed")
                _fail(job, error)
            finally:
                structlog.contextvars.unbind_contextvars("job_id", "request_id", "job_kind")

        return task

    return register
