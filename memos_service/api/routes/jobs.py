import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from memos_service.api.deps import ReaderDep, SessionDep, WriterDep
from memos_service.api.routes.cubes import After, Limit
from memos_service.api.schemas.common import Page
from memos_service.api.schemas.jobs import JobPublic
from memos_service.db.jobs import JobRepository

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
Status = Literal["pending", "queued", "running", "succeeded", "failed", "cancelled"]


@router.get("", response_model=Page[JobPublic], operation_id="list_jobs")
def list_jobs(session: SessionDep, principal: ReaderDep,
              status: Annotated[list[Status] | None, Query(description="Any of these; `failed` lists the dead letters.")] = None,
              kind: Annotated[Literal["ingest", "consolidate", "forget", "activation", "adapter"] | None, Query()] = None,
              cube_id: Annotated[uuid.UUID | None, Query()] = None,
              limit: Limit = 50, after: After = None) -> Page[JobPublic]:
    """This tenant's jobs, newest first."""
    assert principal.tenant_id is not None
    rows, cursor = JobRepository(session, principal.tenant_id).page(statuses=status or (), kind=kind, cube_id=cube_id,
                                                                    limit=limit, after=after)
    return Page[JobPublic](data=[JobPublic.of(row) for row in rows], has_more=cursor is not None, next_cursor=cursor)


@router.get("/{job_id:uuid}", response_model=JobPublic, operation_id="get_job")
def get_job(job_id: uuid.UUID, session: SessionDep, principal: ReaderDep) -> JobPublic:
    """A job's status, progress, error, and once it succeeded its result."""
    assert principal.tenant_id is not None
    return JobPublic.of(JobRepository(session, principal.tenant_id).get(job_id))


@router.post("/{job_id:uuid}/cancel", response_model=JobPublic, operation_id="cancel_job",
             responses={409: {"description": "The job already finished"}})
def cancel_job(job_id: uuid.UUID, session: SessionDep, principal: WriterDep) -> JobPublic:
    """Stops a job that has not finished. One already running writes nothing: its work is discarded
    when it tries to apply it."""
    assert principal.tenant_id is not None
    return JobPublic.of(JobRepository(session, principal.tenant_id).cancel(job_id, principal.actor))
