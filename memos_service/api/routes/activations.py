"""Activation memories: KV caches of the configured model over a prefix built from plaintext
memories. Built by jobs on the `heavy` queue; listed, described, downloaded (streamed, checksum
in a header) and deleted here."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Header, Query
from fastapi.responses import JSONResponse, StreamingResponse

from memos_service.api.deps import CubesDep, ReaderDep, SessionDep, SettingsDep, WriterDep
from memos_service.api.dispatch import JobRequest, start_job
from memos_service.api.routes.cubes import After, Limit
from memos_service.api.schemas.activations import ActivationCreate, ActivationPublic
from memos_service.api.schemas.common import Page
from memos_service.api.schemas.jobs import JobPublic
from memos_service.blobs.store import blob_store
from memos_service.db.blobs import BlobRepository
from memos_service.lm.model import ModelUnavailable
from memos_service.outbox import ACTIVATION

router = APIRouter(prefix="/v1/cubes/{cube_id:uuid}/activations", tags=["activations"])
KIND = "activation"


def _fingerprint(cube_id: uuid.UUID, payload: dict) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps([KIND, str(cube_id), payload], sort_keys=True).encode()).hexdigest()


@router.post("", status_code=202, response_model=JobPublic, operation_id="create_activation",
             responses={200: {"model": JobPublic, "description": "The job finished (wait=true), or the key's first job"}})
def create_activation(cube_id: uuid.UUID, body: ActivationCreate, cubes: CubesDep, settings: SettingsDep,
                      principal: WriterDep, wait: Annotated[bool, Query()] = False,
                      idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> JSONResponse:
    """A job that runs the model over the selected memories once and stores its KV cache; the
    job's result names the new activation."""
    assert principal.tenant_id is not None
    if settings.lm_path is None:
        raise ModelUnavailable("no language model is configured (set MEMOS_LM_PATH to a local model directory)")
    cube = cubes.get(cube_id)
    payload = body.model_dump(mode="json", exclude_none=True)
    request = JobRequest(ACTIVATION, cube.id, payload, _fingerprint(cube.id, payload), idempotency_key)
    return start_job(principal.tenant_id, request, settings.lifecycle_wait_seconds if wait else 0)


@router.get("", response_model=Page[ActivationPublic], operation_id="list_activations")
def list_activations(cube_id: uuid.UUID, cubes: CubesDep, session: SessionDep, principal: ReaderDep,
                     limit: Limit = 50, after: After = None) -> Page[ActivationPublic]:
    assert principal.tenant_id is not None
    rows, cursor = BlobRepository(session, principal.tenant_id).page(cubes.get(cube_id), KIND, limit=limit, after=after)
    return Page[ActivationPublic](data=[ActivationPublic.of(row) for row in rows], has_more=cursor is not None,
                                  next_cursor=cursor)


@router.get("/{activation_id:uuid}", response_model=ActivationPublic, operation_id="get_activation")
def get_activation(cube_id: uuid.UUID, activation_id: uuid.UUID, cubes: CubesDep, session: SessionDep,
                   principal: ReaderDep) -> ActivationPublic:
    assert principal.tenant_id is not None
    return ActivationPublic.of(BlobRepository(session, principal.tenant_id).get(cubes.get(cube_id), KIND, activation_id))


@router.get("/{activation_id:uuid}/content", operation_id="download_activation",
            responses={200: {"content": {"application/octet-stream": {}}, "description": "The cache, as safetensors"}})
def download_activation(cube_id: uuid.UUID, activation_id: uuid.UUID, cubes: CubesDep, session: SessionDep,
                        settings: SettingsDep, principal: ReaderDep) -> StreamingResponse:
    """Streamed; `X-Checksum-SHA256` is what the bytes must hash to (the SDK checks it)."""
    assert principal.tenant_id is not None
    blob = BlobRepository(session, principal.tenant_id).get(cubes.get(cube_id), KIND, activation_id)
    store = blob_store(settings)
    store.verify(blob.sha256)  # a missing or corrupt file is an error before any byte is sent
    blob.use_count, blob.last_used_at = blob.use_count + 1, datetime.now(UTC)
    headers = {"X-Checksum-SHA256": blob.sha256, "Content-Length": str(blob.size),
               "Content-Disposition": f'attachment; filename="{blob.id}.safetensors"'}
    return StreamingResponse(store.stream(blob.sha256), media_type="application/octet-stream", headers=headers)


@router.post("/{activation_id:uuid}/rebuild", status_code=202, response_model=JobPublic, operation_id="rebuild_activation")
def rebuild_activation(cube_id: uuid.UUID, activation_id: uuid.UUID, cubes: CubesDep, session: SessionDep,
                       settings: SettingsDep, principal: WriterDep, wait: Annotated[bool, Query()] = False) -> JSONResponse:
    """Builds the cache again from the same selection (a stale one catches up); the new one replaces it."""
    assert principal.tenant_id is not None
    cube = cubes.get(cube_id)
    blob = BlobRepository(session, principal.tenant_id).get(cube, KIND, activation_id)
    payload = {**blob.metadata_.get("selection", {}), "replaces": str(blob.id)}
    if not any(payload.get(name) for name in ("memory_ids", "query", "hottest")):
        payload["memory_ids"] = [source["id"] for source in blob.metadata_.get("sources", [])]
    request = JobRequest(ACTIVATION, cube.id, payload, _fingerprint(cube.id, payload), None)
    return start_job(principal.tenant_id, request, settings.lifecycle_wait_seconds if wait else 0)


@router.delete("/{activation_id:uuid}", status_code=204, operation_id="delete_activation")
def delete_activation(cube_id: uuid.UUID, activation_id: uuid.UUID, cubes: CubesDep, session: SessionDep,
                      settings: SettingsDep, principal: WriterDep, background: BackgroundTasks) -> None:
    """Removes the cache and, once no other row names the same bytes, its file."""
    assert principal.tenant_id is not None
    blobs = BlobRepository(session, principal.tenant_id)
    blob = blobs.get(cubes.get(cube_id), KIND, activation_id)
    sha256 = blob.sha256
    if blobs.delete(blob):
        # After the response, so after the commit: a file is never gone while a row still names it.
        background.add_task(blob_store(settings).remove, sha256)
