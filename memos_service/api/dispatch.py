"""Starting a job from a request: the job row is committed, then sent (the outbox), then the
client gets the job (202), or its result (200) when it asked to wait and the job finished in time.
An Idempotency-Key (or, where the route allows, the same content) finds the first job instead."""

import hashlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Self

import anyio
from fastapi import Query
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.types import Receive, Scope, Send

from memos_service.api.context import request_id_var
from memos_service.api.deps import Principal
from memos_service.api.schemas.jobs import JobPublic
from memos_service.api.tenant_metrics import count_job
from memos_service.db.engine import session_scope
from memos_service.db.jobs import JobRepository, JobStatus
from memos_service.db.models import Job
from memos_service.errors import Conflict
from memos_service.outbox import JobKind, send
from memos_service.tracing import current_context

Wait = Annotated[bool, Query(description="Answer when the job is done (up to MEMOS_LIFECYCLE_WAIT_SECONDS)")]
JOB_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": JobPublic, "description": "The job finished (wait=true), or the Idempotency-Key's first job"}}


@dataclass(frozen=True)
class JobRequest:
    kind: JobKind
    cube_id: uuid.UUID
    payload: dict[str, Any]
    fingerprint: str
    idempotency_key: str | None
    # Without a key, the same content finds the first job too (unless that one failed or was cancelled).
    same_content_is_same_request: bool = False
    # Why the first job of this fingerprint is not this request after all (a message id sent again with
    # other words), from the first job's payload; None where it is.
    differs_from: Callable[[dict[str, Any]], str | None] | None = None

    @classmethod
    def of(cls, kind: JobKind, cube_id: uuid.UUID, payload: dict[str, Any], idempotency_key: str | None) -> Self:
        """A request whose fingerprint is its kind, cube and payload."""
        fingerprint = hashlib.sha256(json.dumps([kind.name, str(cube_id), payload], sort_keys=True).encode()).hexdigest()
        return cls(kind, cube_id, payload, fingerprint, idempotency_key)


def start_job(session: Session, principal: Principal, request: JobRequest, wait_seconds: float, max_waits: int) -> Response:
    """The job (202), or, with `wait_seconds`, an answer that waits for it to finish (200) without
    holding the route's thread; at most `max_waits` such answers wait per API key at once, the
    others answer 202 at once. The job is written and committed in the route's own session: a
    second connection per request let 40 concurrent requests exhaust the pool, each holding one
    connection and waiting for another (30 s, then 500)."""
    tenant_id = principal.tenant_id
    assert tenant_id is not None
    jobs = JobRepository(session, tenant_id)
    earlier = _earlier(jobs, request)
    if earlier is not None:
        return _replay(earlier)
    request_id = request_id_var.get()
    try:
        with session.begin_nested():
            job_id = jobs.create(cube_id=request.cube_id, kind=request.kind.name, queue=request.kind.queue,
                                 payload=request.payload, idempotency_key=request.idempotency_key,
                                 fingerprint=request.fingerprint, request_id=request_id,
                                 trace_context=current_context()).id
    except IntegrityError:
        # The same key, sent twice at once: the other request created the job first.
        earlier = _earlier(jobs, request)
        if earlier is None:
            raise
        return _replay(earlier)
    session.commit()  # before it is sent: a worker must find the row
    count_job(tenant_id, request.kind.name)
    send(job_id, request.kind, request_id)
    waits = wait_seconds > 0 and _WAITING.take(principal.key_id, max_waits)
    return JobAnswer(tenant_id, job_id, wait_seconds if waits else 0, principal.key_id if waits else None)


def _earlier(jobs: JobRepository, request: JobRequest) -> Job | None:
    """The job this request repeats, if any; a key reused for another request is a conflict, and so is
    a request the first job of its fingerprint `differs_from`, with or without a key."""
    if request.differs_from is not None:
        first = jobs.find(kind=request.kind.name, cube_id=request.cube_id, idempotency_key=None,
                          fingerprint=request.fingerprint)
        if first is not None and (difference := request.differs_from(first.payload)):
            raise Conflict(difference)
    if request.idempotency_key is None and not request.same_content_is_same_request:
        return None
    earlier = jobs.find(kind=request.kind.name, cube_id=request.cube_id, idempotency_key=request.idempotency_key,
                        fingerprint=request.fingerprint)
    if earlier is None:
        return None
    if request.idempotency_key is not None:
        if (earlier.kind, earlier.cube_id, earlier.fingerprint) != (request.kind.name, request.cube_id, request.fingerprint):
            raise Conflict("this Idempotency-Key was used for a different request")
        return earlier
    # Same content without a key: a failed or cancelled job may be asked for again.
    return None if earlier.status in (JobStatus.failed, JobStatus.cancelled) else earlier


def _replay(job: Job) -> JSONResponse:
    return JSONResponse(JobPublic.of(job).model_dump(mode="json"), status_code=200, headers={"Idempotent-Replayed": "true"})


class WaitSlots:
    """Answers waiting for their job, per API key, in this process; taken in a route's thread as the
    answer is made, given back in the event loop once it is sent."""

    def __init__(self) -> None:
        self._held: Counter[uuid.UUID] = Counter()
        self._lock = threading.Lock()

    def take(self, key_id: uuid.UUID, limit: int) -> bool:
        with self._lock:
            if self._held[key_id] >= limit:
                return False
            self._held[key_id] += 1
            return True

    def give_back(self, key_id: uuid.UUID) -> None:
        with self._lock:
            self._held[key_id] -= 1
            if self._held[key_id] <= 0:
                del self._held[key_id]


_WAITING = WaitSlots()


class JobAnswer(Response):
    """The job, sent when it finishes or its wait is over. The waiting happens here, in the event
    loop, after the route has given back its thread and its database session: a thread held per
    wait=true request let about 40 of them block every synchronous route of every tenant."""

    media_type = "application/json"

    def __init__(self, tenant_id: uuid.UUID, job_id: uuid.UUID, wait_seconds: float, slot: uuid.UUID | None):
        super().__init__(status_code=202)
        self.tenant_id, self.job_id, self.wait_seconds, self.slot = tenant_id, job_id, wait_seconds, slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            job = await self._waited()
        finally:
            if self.slot is not None:
                _WAITING.give_back(self.slot)
        self.status_code = 200 if job.status in JobStatus.finished else 202
        self.body = json.dumps(job.model_dump(mode="json")).encode()
        self.init_headers()
        await super().__call__(scope, receive, send)

    async def _waited(self) -> JobPublic:
        deadline = time.monotonic() + self.wait_seconds
        delay = 0.05
        while True:
            job = await anyio.to_thread.run_sync(_read_job, self.tenant_id, self.job_id)
            if job.status in JobStatus.finished or time.monotonic() >= deadline:
                return job
            await anyio.sleep(delay)
            delay = min(delay * 1.5, 0.5)


def _read_job(tenant_id: uuid.UUID, job_id: uuid.UUID) -> JobPublic:
    with session_scope() as session:
        return JobPublic.of(JobRepository(session, tenant_id).get(job_id))
