"""Managed ingestion: a job on the `ingest` queue, answered with the job (202), or with its
result (200) when `wait=true` and it finishes in time."""

import time
import uuid
from typing import Annotated

import structlog
from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse

from memos_service.api.context import request_id_var
from memos_service.api.deps import CubesDep, EmbedderDep, SettingsDep, WriterDep
from memos_service.api.routes.memories import check_content_size, open_cube
from memos_service.api.schemas.ingest import IngestRequest, JobPublic
from memos_service.db.engine import session_scope
from memos_service.db.jobs import JobRepository, JobStatus, mark_sent
from memos_service.errors import Conflict, PayloadTooLarge
from memos_service.ingestion.messages import request_fingerprint

router = APIRouter(prefix="/v1/cubes/{cube_id:uuid}", tags=["ingestion"])
log = structlog.get_logger(__name__)
INGEST_TASK = "workers.ingest.ingest_messages"


def send_job(job_id: uuid.UUID, task: str, queue: str, request_id: str | None) -> None:
    """Hands a committed job to the broker. If that fails the job stays `pending` in Postgres,
    where it is not lost: it can be sent again."""
    from workers.app import celery_app

    try:
        celery_app.send_task(task, args=[str(job_id)], kwargs={"request_id": request_id}, queue=queue,
                             retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5})
    except Exception as error:  # the broker's client raises many kinds; none may lose the job
        log.warning("job not sent; it stays pending", job_id=str(job_id), error=str(error))
        return
    with session_scope() as session:
        mark_sent(session, job_id)


def wait_for_job(tenant_id: uuid.UUID, job_id: uuid.UUID, seconds: float) -> JobPublic:
    deadline = time.monotonic() + seconds
    delay = 0.05
    while True:
        with session_scope() as session:
            job = JobRepository(session, tenant_id).get(job_id)
            if job.status in JobStatus.finished or time.monotonic() >= deadline:
                return JobPublic.of(job)
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


@router.post("/ingest", status_code=202, response_model=JobPublic, operation_id="ingest_messages",
             responses={200: {"model": JobPublic, "description": "The job finished (wait=true), or this request was "
                                                                  "already sent: the first job"}})
def ingest_messages(
    cube_id: uuid.UUID, body: IngestRequest, cubes: CubesDep, embedder: EmbedderDep, settings: SettingsDep,
    principal: WriterDep,
    wait: Annotated[bool, Query(description="Answer when the job is done (up to MEMOS_INGEST_WAIT_SECONDS)")] = False,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Extracts memories from chat messages and decides ADD / UPDATE / DELETE / NOOP for each.
    The same messages for the same cube and session are applied once, with or without a key."""
    if len(body.messages) > settings.ingest_max_messages:
        raise PayloadTooLarge(f"an ingestion holds at most {settings.ingest_max_messages} messages")
    check_content_size(settings, *(message.content for message in body.messages))
    assert principal.tenant_id is not None
    cube = open_cube(cubes, cube_id, embedder)
    payload = body.model_dump(mode="json")
    scope = {name: payload[name] for name in ("user_id", "agent_id", "session_id", "conversation_id")}
    fingerprint = request_fingerprint(str(cube.id), scope, payload["messages"])
    with session_scope() as session:
        jobs = JobRepository(session, principal.tenant_id)
        earlier = jobs.find(kind="ingest", cube_id=cube.id, idempotency_key=idempotency_key, fingerprint=fingerprint)
        if earlier is not None and idempotency_key is not None and earlier.fingerprint != fingerprint:
            raise Conflict("this Idempotency-Key was used for a different ingestion request")
        if earlier is not None and (idempotency_key is not None or earlier.status != JobStatus.failed):
            job = JobPublic.of(earlier)
            return JSONResponse(job.model_dump(mode="json"), status_code=200, headers={"Idempotent-Replayed": "true"})
        request_id = request_id_var.get()
        created = jobs.create(cube_id=cube.id, kind="ingest", queue="ingest", payload=payload,
                              idempotency_key=idempotency_key, fingerprint=fingerprint, request_id=request_id)
        job_id = created.id
    send_job(job_id, INGEST_TASK, "ingest", request_id)
    job = wait_for_job(principal.tenant_id, job_id, settings.ingest_wait_seconds if wait else 0)
    return JSONResponse(job.model_dump(mode="json"), status_code=200 if job.status in JobStatus.finished else 202)
