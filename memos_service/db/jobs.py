"""Job rows: written before their task is sent, so a job is never only in Redis.

A job's life: pending (committed) → queued (handed to the broker) → running → succeeded | failed |
cancelled. A worker claims a job by locking its row; the work's results are written in the same
transaction that marks it succeeded, after locking the row again, so a job cancelled or finished
meanwhile (by a redelivered copy of its task) is never applied twice.
"""

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from memos_service.db.locks import session_lock
from memos_service.db.models import Job
from memos_service.db.pagination import page_by_creation
from memos_service.errors import Conflict, NotFound


class JobStatus:
    pending = "pending"  # written, not yet handed to the broker
    queued = "queued"  # handed to the broker
    running = "running"
    succeeded = "succeeded"
    failed = "failed"  # the dead letter: kept with its error
    cancelled = "cancelled"
    all = (pending, queued, running, succeeded, failed, cancelled)
    finished = (succeeded, failed, cancelled)
    unfinished = (pending, queued, running)


def _now() -> datetime:
    return datetime.now(UTC)


class JobRepository:
    def __init__(self, session: Session, tenant_id: uuid.UUID):
        self.session = session
        self.tenant_id = tenant_id

    def create(self, *, cube_id: uuid.UUID | None, kind: str, queue: str, payload: dict[str, Any],
               idempotency_key: str | None = None, fingerprint: str | None = None, request_id: str | None = None,
               created_at: datetime | None = None, trace_context: dict[str, str] | None = None) -> Job:
        job = Job(tenant_id=self.tenant_id, cube_id=cube_id, kind=kind, queue=queue, payload=payload,
                  idempotency_key=idempotency_key, fingerprint=fingerprint, request_id=request_id,
                  trace_context=trace_context,
                  status=JobStatus.pending, sends=0, attempts=0, **({"created_at": created_at} if created_at else {}))
        self.session.add(job)
        self.session.flush()
        return job

    def get(self, job_id: uuid.UUID, *, for_update: bool = False) -> Job:
        query = select(Job).where(Job.tenant_id == self.tenant_id, Job.id == job_id)
        job = self.session.scalar(query.with_for_update() if for_update else query)
        if job is None:
            raise NotFound(f"job {job_id} not found")
        return job

    def find(self, *, kind: str, cube_id: uuid.UUID, idempotency_key: str | None, fingerprint: str) -> Job | None:
        """An earlier job for the same request: the tenant's job with the same key (whatever it
        was for: a key names one request), or else one of this kind and cube with the same content."""
        if idempotency_key is not None:
            return self.session.scalar(select(Job).where(Job.tenant_id == self.tenant_id,
                                                         Job.idempotency_key == idempotency_key))
        query = select(Job).where(Job.tenant_id == self.tenant_id, Job.kind == kind, Job.cube_id == cube_id,
                                  Job.fingerprint == fingerprint)
        return self.session.scalar(query.order_by(Job.created_at).limit(1))

    def page(self, *, statuses: Sequence[str], kind: str | None, cube_id: uuid.UUID | None, limit: int,
             after: str | None) -> tuple[list[Job], str | None]:
        """Newest first."""
        query: Select[tuple[Job]] = select(Job).where(Job.tenant_id == self.tenant_id)
        if statuses:
            query = query.where(Job.status.in_(list(statuses)))
        if kind is not None:
            query = query.where(Job.kind == kind)
        if cube_id is not None:
            query = query.where(Job.cube_id == cube_id)
        return page_by_creation(self.session, query, Job, limit=limit, after=after, newest_first=True)

    def cancel(self, job_id: uuid.UUID, actor: str) -> Job:
        """A job not yet finished stops here: a worker holding it discards its work when it next
        locks the row (before anything is applied)."""
        job = self.get(job_id, for_update=True)
        if job.status in JobStatus.finished:
            raise Conflict(f"job {job_id} already {job.status}")
        job.status, job.finished_at, job.error = JobStatus.cancelled, _now(), f"cancelled by {actor}"
        self.session.flush()
        return job

    def latest(self, cube_id: uuid.UUID, kind: str) -> Job | None:
        query = (select(Job).where(Job.tenant_id == self.tenant_id, Job.cube_id == cube_id, Job.kind == kind)
                 .order_by(Job.created_at.desc()).limit(1))
        return self.session.scalar(query)


# What workers and the sweeper do to job rows. Not tenant-scoped: they act on jobs by id, for everyone.

MAX_ATTEMPTS = 3


def claim(session: Session, job_id: uuid.UUID, now: datetime, max_attempts: int = MAX_ATTEMPTS) -> Job | None:
    """Marks a job running for this delivery; None when it is gone or already finished. A job whose
    runs keep dying with their worker (a crash no exception handler sees) is failed after
    `max_attempts`, instead of being redelivered forever."""
    job = session.get(Job, job_id, with_for_update=True)
    if job is None or job.status in JobStatus.finished:
        return None
    if job.attempts >= max_attempts:
        job.status, job.finished_at = JobStatus.failed, now
        job.error = f"gave up after {job.attempts} attempts: the worker running it died each time"
        return None
    job.status, job.started_at, job.attempts = JobStatus.running, now, job.attempts + 1
    return job


def unfinished(session: Session, job_id: uuid.UUID) -> Job | None:
    """The job locked for writing its results, or None when it was finished or cancelled meanwhile."""
    job = session.get(Job, job_id, with_for_update=True)
    return None if job is None or job.status in JobStatus.finished else job


def complete(job: Job, result: dict[str, Any], now: datetime) -> None:
    job.status, job.result, job.finished_at, job.error = JobStatus.succeeded, result, now, None


def fail(session: Session, job_id: uuid.UUID, message: str, now: datetime) -> None:
    job = session.get(Job, job_id, with_for_update=True)
    if job is not None and job.status not in JobStatus.finished:
        job.status, job.error, job.finished_at = JobStatus.failed, message[:4000], now


def report_progress(session: Session, job_id: uuid.UUID, progress: dict[str, Any]) -> None:
    job = session.get(Job, job_id)
    if job is not None and job.status == JobStatus.running:
        job.progress = progress


def mark_sent(session: Session, job_id: uuid.UUID, now: datetime | None = None) -> None:
    job = session.get(Job, job_id, with_for_update=True)
    if job is None:
        return
    job.sends += 1
    job.sent_at = now or _now()
    if job.status == JobStatus.pending:
        job.status = JobStatus.queued


def stale(session: Session, now: datetime, *, send_grace: timedelta, requeue_after: timedelta,
          running_limit: timedelta, limit: int = 500) -> list[Job]:
    """Jobs a broker may have lost: never sent, sent but never started, or started by a worker that
    has not finished within the time limit. Locked, skipping rows another sweeper holds."""
    query = select(Job).where(or_(
        (Job.status == JobStatus.pending) & (Job.created_at < now - send_grace),
        (Job.status == JobStatus.queued) & (Job.sent_at < now - requeue_after),
        (Job.status == JobStatus.running) & (Job.started_at < now - running_limit)
        & (Job.sent_at.is_(None) | (Job.sent_at < now - running_limit)),
    )).order_by(Job.created_at).limit(limit).with_for_update(skip_locked=True)
    return list(session.scalars(query))


def waiting_in_queue(session: Session, sent_before: datetime, limit: int = 500) -> list[Job]:
    """Jobs sent before `sent_before` that no worker has started: each still in the broker, unless the
    broker lost its message. Locked, skipping rows another sweeper holds."""
    query = (select(Job).where(Job.status == JobStatus.queued, Job.sent_at < sent_before)
             .order_by(Job.sent_at).limit(limit).with_for_update(skip_locked=True))
    return list(session.scalars(query))


def trace_context(session: Session, job_id: uuid.UUID) -> dict[str, str] | None:
    return session.scalar(select(Job.trace_context).where(Job.id == job_id))


def orphaned(session: Session, now: datetime, started_before: timedelta, limit: int = 100) -> list[Job]:
    """Running jobs whose worker is gone: a delivery holds the job's advisory lock for as long as it
    runs, and Postgres frees it with the holder's connection, so a running job whose lock is free
    has no worker (found within a sweep, not after 1.5 time limits: 45 minutes by default)."""
    query = (select(Job).where(Job.status == JobStatus.running, Job.started_at < now - started_before)
             .order_by(Job.started_at).limit(limit).with_for_update(skip_locked=True))
    found = []
    for job in session.scalars(query):
        with session_lock(job_lock_name(job.id), wait=False) as free:
            if free:
                found.append(job)
    return found


def job_lock_name(job_id: uuid.UUID) -> str:
    """The advisory lock a delivery of the job holds while it runs."""
    return f"job:{job_id}"


def as_of(payload: dict[str, Any], clock: Callable[[], datetime]) -> datetime:
    """The time a job acts at: the `as_of` it carries (a fake clock in tests, a preview for dry
    runs), else now."""
    return datetime.fromisoformat(payload["as_of"]) if payload.get("as_of") else clock()
