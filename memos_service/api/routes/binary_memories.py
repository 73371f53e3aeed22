"""Activation memories (KV caches) and parameter memories (LoRA adapters): built by jobs on the
`heavy` queue from plaintext memories; listed, described, downloaded (streamed, with the checksum
in a header) and deleted here. One router per kind, made by the same function."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Header
from fastapi.responses import Response, StreamingResponse

from memos_service.api.deps import CubesDep, ReaderDep, SessionDep, SettingsDep, WriterDep
from memos_service.api.dispatch import JOB_RESPONSES, JobRequest, Wait, start_job
from memos_service.api.routes.cubes import After, Limit
from memos_service.api.schemas.activations import (
    ActivationCreate,
    ActivationPublic,
    AdapterCreate,
    AdapterPublic,
    BlobPublic,
    Selection,
)
from memos_service.api.schemas.common import Page
from memos_service.api.schemas.jobs import JobPublic
from memos_service.blobs.store import blob_store
from memos_service.db.blobs import BlobRepository
from memos_service.lm.adapter import activate
from memos_service.lm.model import ModelUnavailable
from memos_service.outbox import ACTIVATION, ADAPTER, JobKind


def binary_router(kind: str, plural: str, job_kind: JobKind, create_model: type[Selection],
                  public: type[BlobPublic]) -> APIRouter:
    router = APIRouter(prefix=f"/v1/cubes/{{cube_id:uuid}}/{plural}", tags=[plural])

    @router.post("", status_code=202, response_model=JobPublic, operation_id=f"create_{kind}", responses=JOB_RESPONSES)
    def create(cube_id: uuid.UUID, body: create_model, cubes: CubesDep, settings: SettingsDep,  # type: ignore[valid-type]
               principal: WriterDep, wait: Wait = False,
               idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> Response:
        """A job on the `heavy` queue; once it succeeds its result names the new one."""
        if settings.lm_path is None:
            raise ModelUnavailable("no language model is configured (set MEMOS_LM_PATH to a local model directory)")
        cube = cubes.get(cube_id)
        payload = body.model_dump(mode="json", exclude_none=True)
        return start_job(cubes.session, principal, JobRequest.of(job_kind, cube.id, payload, idempotency_key),
                         settings.lifecycle_wait_seconds if wait else 0, settings.max_waits_per_key)

    @router.get("", response_model=Page[public], operation_id=f"list_{plural}")
    def list_all(cube_id: uuid.UUID, cubes: CubesDep, session: SessionDep, principal: ReaderDep,
                 limit: Limit = 50, after: After = None) -> Page[BlobPublic]:
        assert principal.tenant_id is not None
        rows, cursor = BlobRepository(session, principal.tenant_id).page(cubes.get(cube_id), kind, limit=limit, after=after)
        return Page[public](data=[public.of(row) for row in rows], has_more=cursor is not None, next_cursor=cursor)

    @router.get("/{blob_id:uuid}", response_model=public, operation_id=f"get_{kind}")
    def get(cube_id: uuid.UUID, blob_id: uuid.UUID, cubes: CubesDep, session: SessionDep,
            principal: ReaderDep) -> BlobPublic:
        assert principal.tenant_id is not None
        return public.of(BlobRepository(session, principal.tenant_id).get(cubes.get(cube_id), kind, blob_id))

    @router.get("/{blob_id:uuid}/content", operation_id=f"download_{kind}",
                responses={200: {"content": {"application/octet-stream": {}}, "description": "safetensors bytes"}})
    def download(cube_id: uuid.UUID, blob_id: uuid.UUID, cubes: CubesDep, session: SessionDep, settings: SettingsDep,
                 principal: ReaderDep) -> StreamingResponse:
        """Streamed; `X-Checksum-SHA256` is what the bytes must hash to (the SDK checks it)."""
        assert principal.tenant_id is not None
        blob = BlobRepository(session, principal.tenant_id).get(cubes.get(cube_id), kind, blob_id)
        store = blob_store(settings)
        store.verify(blob.sha256)  # a missing or corrupt file is an error before any byte is sent
        blob.use_count, blob.last_used_at = blob.use_count + 1, datetime.now(UTC)
        headers = {"X-Checksum-SHA256": blob.sha256, "Content-Length": str(blob.size),
                   "Content-Disposition": f'attachment; filename="{blob.id}.safetensors"'}
        return StreamingResponse(store.stream(blob.sha256), media_type="application/octet-stream", headers=headers)

    @router.delete("/{blob_id:uuid}", status_code=204, operation_id=f"delete_{kind}")
    def remove(cube_id: uuid.UUID, blob_id: uuid.UUID, cubes: CubesDep, session: SessionDep, settings: SettingsDep,
               principal: WriterDep, background: BackgroundTasks) -> None:
        """Removes it and, once no other row names the same bytes, its file."""
        assert principal.tenant_id is not None
        blobs = BlobRepository(session, principal.tenant_id)
        blob = blobs.get(cubes.get(cube_id), kind, blob_id)
        sha256 = blob.sha256
        if blobs.delete(blob):
            # After the response, so after the commit: a file is never gone while a row still names it.
            background.add_task(blob_store(settings).remove, sha256)

    return router


activations = binary_router("activation", "activations", ACTIVATION, ActivationCreate, ActivationPublic)
adapters = binary_router("adapter", "adapters", ADAPTER, AdapterCreate, AdapterPublic)


@activations.post("/{blob_id:uuid}/rebuild", status_code=202, response_model=JobPublic, operation_id="rebuild_activation",
                  responses=JOB_RESPONSES)
def rebuild_activation(cube_id: uuid.UUID, blob_id: uuid.UUID, cubes: CubesDep, session: SessionDep,
                       settings: SettingsDep, principal: WriterDep, wait: Wait = False) -> Response:
    """Builds the cache again from the same selection (a stale one catches up); the new one replaces it."""
    assert principal.tenant_id is not None
    cube = cubes.get(cube_id)
    blob = BlobRepository(session, principal.tenant_id).get(cube, "activation", blob_id)
    payload = {**blob.metadata_.get("selection", {}), "replaces": str(blob.id)}
    if not any(payload.get(name) for name in ("memory_ids", "query", "hottest")):
        payload["memory_ids"] = [source["id"] for source in blob.metadata_.get("sources", [])]
    return start_job(cubes.session, principal, JobRequest.of(ACTIVATION, cube.id, payload, None),
                     settings.lifecycle_wait_seconds if wait else 0,
                     settings.max_waits_per_key)


@adapters.post("/{blob_id:uuid}/activate", response_model=AdapterPublic, operation_id="activate_adapter")
def activate_adapter(cube_id: uuid.UUID, blob_id: uuid.UUID, cubes: CubesDep, session: SessionDep,
                     principal: WriterDep) -> BlobPublic:
    """Makes this the cube's active adapter (`metadata.active`); the one active before is not any more."""
    assert principal.tenant_id is not None
    blob = BlobRepository(session, principal.tenant_id).get(cubes.get(cube_id, for_update=True), "adapter", blob_id)
    activate(session, blob)
    return AdapterPublic.of(blob)
