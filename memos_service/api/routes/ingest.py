"""Managed ingestion: a job on the `ingest` queue, answered with the job (202), or with its
result (200) when `wait=true` and it finishes in time."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from memos_service.api.deps import CubesDep, EmbedderDep, SettingsDep, WriterDep
from memos_service.api.dispatch import JobRequest, start_job
from memos_service.api.routes.memories import check_content_size, open_cube
from memos_service.api.schemas.ingest import IngestRequest
from memos_service.api.schemas.jobs import JobPublic
from memos_service.errors import PayloadTooLarge
from memos_service.ingestion.messages import request_fingerprint, reused_ids
from memos_service.outbox import INGEST

router = APIRouter(prefix="/v1/cubes/{cube_id:uuid}", tags=["ingestion"])


@router.post("/ingest", status_code=202, response_model=JobPublic, operation_id="ingest_messages",
             responses={200: {"model": JobPublic, "description": "The job finished (wait=true), or this request was "
                                                                  "already sent: the first job"}})
def ingest_messages(
    cube_id: uuid.UUID, body: IngestRequest, cubes: CubesDep, embedder: EmbedderDep, settings: SettingsDep,
    principal: WriterDep,
    wait: Annotated[bool, Query(description="Answer when the job is done (up to MEMOS_INGEST_WAIT_SECONDS)")] = False,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Extracts memories from chat messages and decides ADD / UPDATE / DELETE / NOOP for each.
    The same messages for the same cube and session are applied once, with or without a key."""
    if len(body.messages) > settings.ingest_max_messages:
        raise PayloadTooLarge(f"an ingestion holds at most {settings.ingest_max_messages} messages")
    check_content_size(settings, *(message.content for message in body.messages))
    cube = open_cube(cubes, cube_id, embedder)
    payload = body.model_dump(mode="json")
    scope = {name: payload[name] for name in ("user_id", "agent_id", "session_id", "conversation_id")}
    fingerprint = request_fingerprint(str(cube.id), scope, payload["messages"])
    request = JobRequest(INGEST, cube.id, payload, fingerprint, idempotency_key, same_content_is_same_request=True,
                         differs_from=reused_ids(payload["messages"]))
    return start_job(cubes.session, principal, request, settings.ingest_wait_seconds if wait else 0,
                     settings.max_waits_per_key)
