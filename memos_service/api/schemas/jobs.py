import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from memos_service.api.schemas.common import Schema, StrictBool, Timestamp


class JobPublic(Schema):
    id: uuid.UUID
    cube_id: uuid.UUID | None
    kind: str = Field(description="ingest, consolidate, forget")
    status: Literal["pending", "queued", "running", "succeeded", "failed", "cancelled"]
    attempts: int = Field(description="Times a worker started it.")
    sends: int = Field(description="Times it was handed to the broker (the outbox sweeper sends lost jobs again).")
    error: str | None = Field(description="Why it failed or who cancelled it.")
    progress: dict[str, Any] | None
    result: dict[str, Any] | None = Field(description="Once succeeded: for ingestion the operations applied, for "
                                                      "consolidation and forgetting the plan and what was applied.")
    request_id: str | None = Field(description="The request that started it; the worker's logs carry it too.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ConsolidateRequest(Schema):
    dry_run: StrictBool = Field(False, description="Only plan: which memories would merge, which sessions be summarized.")


class ForgetRequest(Schema):
    dry_run: StrictBool = Field(False, description="Only plan: which memories would be archived or purged.")
    as_of: Timestamp | None = Field(None, description="Plan as if it were this time (dry runs only): a preview.")
