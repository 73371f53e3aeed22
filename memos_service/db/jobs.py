"""Job rows: written before their task is sent, so a job is never only in Redis."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from memos_service.db.models import Job
from memos_service.errors import NotFound


class JobStatus:
    pending = "pending"  # written, not yet handed to the broker
    queued = "queued"  # handed to the broker
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    finished = (succeeded, failed)


class JobRepository:
    def __init__(self, session: Session, tenant_id: uuid.UUID):
        self.session = session
        self.tenant_id = tenant_id

    def create(self, *, cube_id: uuid.UUID | None, kind: str, queue: str, payload: dict[str, Any],
               idempotency_key: str | None, fingerprint: str | None, request_id: str | None) -> Job:
        job = Job(tenant_id=self.tenant_id, cube_id=cube_id, kind=kind, queue=queue, payload=payload,
                  idempotency_key=idempotency_key, fingerprint=fingerprint, request_id=request_id,
                  status=JobStatus.pending)
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
        """An earlier job for the same request: same key, or else the same content."""
        query = select(Job).where(Job.tenant_id == self.tenant_id, Job.kind == kind, Job.cube_id == cube_id)
        if idempotency_key is not None:
            return self.session.scalar(query.where(Job.idempotency_key == idempotency_key))
        return self.session.scalar(query.where(Job.fingerprint == fingerprint).order_by(Job.created_at).limit(1))


def mark_sent(session: Session, job_id: uuid.UUID) -> None:
    job = session.get(Job, job_id)
    if job is not None and job.status == JobStatus.pending:
        job.status, job.sent_at = JobStatus.queued, datetime.now(UTC)
