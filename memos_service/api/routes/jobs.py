import uuid

from fastapi import APIRouter

from memos_service.api.deps import ReaderDep, SessionDep
from memos_service.api.schemas.ingest import JobPublic
from memos_service.db.jobs import JobRepository

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get("/{job_id:uuid}", response_model=JobPublic, operation_id="get_job")
def get_job(job_id: uuid.UUID, session: SessionDep, principal: ReaderDep) -> JobPublic:
    """A job's status; once it succeeded, its result (for ingestion, the operations applied)."""
    assert principal.tenant_id is not None
    return JobPublic.of(JobRepository(session, principal.tenant_id).get(job_id))
