import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from memos_service.api.deps import AdminDep, IdempotencyDep, SessionDep
from memos_service.api.schemas.admin import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, TenantCreate, TenantPublic
from memos_service.db.api_keys import ApiKeyRepository, TenantRepository
from memos_service.errors import Conflict, NotFound

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.post("/tenants", status_code=201, response_model=TenantPublic, operation_id="create_tenant")
def create_tenant(body: TenantCreate, session: SessionDep, _: AdminDep, idempotency: IdempotencyDep) -> Response:
    if (replayed := idempotency.replay(session)) is not None:
        return replayed
    tenants = TenantRepository(session)
    if tenants.by_name(body.name) is not None:
        raise Conflict(f"a tenant named {body.name!r} already exists")
    return idempotency.respond(session, 201, TenantPublic.model_validate(tenants.create(body.name)))


@router.post("/tenants/{tenant_id:uuid}/api-keys", status_code=201, response_model=ApiKeyCreated, operation_id="create_api_key")
def create_api_key(tenant_id: uuid.UUID, body: ApiKeyCreate, session: SessionDep, _: AdminDep,
                   idempotency: IdempotencyDep) -> Response:
    if (replayed := idempotency.replay(session)) is not None:
        return replayed
    if TenantRepository(session).get(tenant_id) is None:
        raise NotFound(f"tenant {tenant_id} not found")
    row, key = ApiKeyRepository(session).create(tenant_id, list(body.scopes), body.name)
    created = ApiKeyCreated(**ApiKeyPublic.model_validate(row).model_dump(), key=key)
    return idempotency.respond(session, 201, created)


@router.post("/api-keys/{key_id:uuid}/revoke", response_model=ApiKeyPublic, operation_id="revoke_api_key")
def revoke_api_key(key_id: uuid.UUID, request: Request, session: SessionDep, _: AdminDep) -> ApiKeyPublic:
    """Revoking twice is harmless: the first revocation time stands. Other API processes may accept
    the key for up to `MEMOS_API_KEY_CACHE_SECONDS` more (`api/recent_keys.py`); this one no longer does."""
    row = ApiKeyRepository(session).revoke(key_id)
    request.app.state.recent_keys.forget(key_id)
    if row is None:
        raise NotFound(f"API key {key_id} not found")
    return ApiKeyPublic.model_validate(row)
