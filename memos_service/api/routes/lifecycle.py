"""Consolidation and forgetting on demand: jobs on the `maintenance` queue, like beat's."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import Response

from memos_service.api.deps import CubesDep, EmbedderDep, SettingsDep, WriterDep
from memos_service.api.dispatch import JOB_RESPONSES, JobRequest, Wait, start_job
from memos_service.api.routes.memories import open_cube
from memos_service.api.schemas.jobs import ConsolidateRequest, ForgetRequest, JobPublic
from memos_service.errors import ValidationFailed
from memos_service.outbox import CONSOLIDATE, FORGET

router = APIRouter(prefix="/v1/cubes/{cube_id:uuid}", tags=["lifecycle"])
IdempotencyKey = Annotated[str | None, Header(max_length=200)]


@router.post("/consolidate", status_code=202, response_model=JobPublic, operation_id="consolidate_cube",
             responses=JOB_RESPONSES)
def consolidate(cube_id: uuid.UUID, cubes: CubesDep, embedder: EmbedderDep, settings: SettingsDep, principal: WriterDep,
                body: ConsolidateRequest | None = None, wait: Wait = False, idempotency_key: IdempotencyKey = None,
                ) -> Response:
    """Merges near-duplicate memories (each cluster into its most complete member, or a text the
    LLM writes) and summarizes finished sessions. `dry_run` shows the plan and changes nothing."""
    cube = open_cube(cubes, cube_id, embedder)
    payload = (body or ConsolidateRequest()).model_dump(mode="json")
    return start_job(cubes.session, principal, JobRequest.of(CONSOLIDATE, cube.id, payload, idempotency_key),
                     settings.lifecycle_wait_seconds if wait else 0,
                     settings.max_waits_per_key)


@router.post("/forget", status_code=202, response_model=JobPublic, operation_id="forget_cube", responses=JOB_RESPONSES)
def forget(cube_id: uuid.UUID, cubes: CubesDep, settings: SettingsDep, principal: WriterDep,
           body: ForgetRequest | None = None, wait: Wait = False, idempotency_key: IdempotencyKey = None) -> Response:
    """Archives memories that expired or faded (retention under the cube's threshold) or lie past
    its cap, weakest first; purges those archived longer than the retention period."""
    request = body or ForgetRequest()
    if request.as_of is not None and not request.dry_run:
        raise ValidationFailed("as_of previews a sweep: it needs dry_run=true")
    cube = cubes.get(cube_id)
    payload = request.model_dump(mode="json", exclude_none=True)
    return start_job(cubes.session, principal, JobRequest.of(FORGET, cube.id, payload, idempotency_key),
                     settings.lifecycle_wait_seconds if wait else 0,
                     settings.max_waits_per_key)
