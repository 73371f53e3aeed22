"""Dependencies as Annotated aliases: routes declare what they need by name.

Those that do no I/O are `async def`: FastAPI runs a plain `def` dependency on its thread pool,
a hop that cost each request about 0.2 ms apiece here, and a search resolves a dozen of them."""

import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import IO, Annotated

import structlog
from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from gpu_index import IndexManager
from memos_service.api.idempotency import Idempotency
from memos_service.api.ratelimit import enforce_rate_limit
from memos_service.api.recent_keys import RecentKeys
from memos_service.config import Settings
from memos_service.db.api_keys import ADMIN_SCOPE, ApiKeyRepository, hash_key
from memos_service.db.cubes import CubeRepository
from memos_service.db.engine import session_scope
from memos_service.db.memories import MemoryRepository
from memos_service.embedding import Embedder
from memos_service.errors import AuthenticationFailed, PermissionDenied
from memos_service.retrieval.access import AccessRecorder


async def get_settings_from_app(request: Request) -> Settings:
    return request.app.state.settings


async def get_embedder_from_app(request: Request) -> Embedder:
    return request.app.state.embedder


async def get_indexes_from_app(request: Request) -> IndexManager:
    return request.app.state.indexes


async def get_access_from_app(request: Request) -> AccessRecorder:
    return request.app.state.access


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_from_app)]
EmbedderDep = Annotated[Embedder, Depends(get_embedder_from_app)]
IndexesDep = Annotated[IndexManager, Depends(get_indexes_from_app)]
AccessDep = Annotated[AccessRecorder, Depends(get_access_from_app)]
# "function" scope: the transaction commits before the response is sent, so an acknowledged
# write is already visible to the client's next request.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Principal:
    key_id: uuid.UUID
    tenant_id: uuid.UUID | None
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}"


_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer memos_sk_...`")


async def principal_of(recent: RecentKeys[Principal], session: Session, key: str) -> Principal | None:
    """The holder of `key`, from a key checked lately or checked now in Postgres (on a thread); None if no
    live key is `key`."""
    digest = hash_key(key)
    principal = recent.get(digest)
    if principal is None:
        row = await run_in_threadpool(ApiKeyRepository(session).authenticate, key)
        if row is None:
            return None
        principal = Principal(row.id, row.tenant_id, frozenset(row.scopes))
        recent.remember(digest, principal.key_id, principal)
    return principal


async def authenticate(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from a key checked lately (`recent_keys`) or checked now in Postgres, on a thread."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise AuthenticationFailed("missing API key: send 'Authorization: Bearer <key>'", headers=challenge)
    principal = await principal_of(request.app.state.recent_keys, session, credentials.credentials)
    if principal is None:
        raise AuthenticationFailed("invalid or revoked API key", headers=challenge)
    structlog.contextvars.bind_contextvars(tenant_id=str(principal.tenant_id), key_id=str(principal.key_id))
    if principal.tenant_id is not None:
        request.state.tenant_id = str(principal.tenant_id)  # for the per-tenant request count
    if settings.rate_limit_per_minute > 0 and request.app.state.redis is not None:
        await run_in_threadpool(enforce_rate_limit, request.app.state.redis, principal.key_id, settings.rate_limit_per_minute)
    return principal


async def _tenant_principal(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if principal.tenant_id is None:
        raise PermissionDenied("admin keys manage tenants and keys; use a tenant API key for data")
    return principal


async def _reader(principal: Annotated[Principal, Depends(_tenant_principal)]) -> Principal:
    if "read" not in principal.scopes:
        raise PermissionDenied("this API key lacks the 'read' scope")
    return principal


async def _writer(principal: Annotated[Principal, Depends(_tenant_principal)]) -> Principal:
    if "write" not in principal.scopes:
        raise PermissionDenied("this API key lacks the 'write' scope")
    return principal


async def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if ADMIN_SCOPE not in principal.scopes:
        raise PermissionDenied("this operation needs an admin API key")
    return principal


ReaderDep = Annotated[Principal, Depends(_reader)]
WriterDep = Annotated[Principal, Depends(_writer)]
AdminDep = Annotated[Principal, Depends(require_admin)]
TenantDep = Annotated[Principal, Depends(_tenant_principal)]


async def _cubes(session: SessionDep, principal: TenantDep) -> CubeRepository:
    assert principal.tenant_id is not None
    return CubeRepository(session, principal.tenant_id)


async def _memories(session: SessionDep, principal: TenantDep) -> MemoryRepository:
    assert principal.tenant_id is not None
    return MemoryRepository(session, principal.tenant_id)


CubesDep = Annotated[CubeRepository, Depends(_cubes)]
MemoriesDep = Annotated[MemoryRepository, Depends(_memories)]


SPOOL_IN_MEMORY_BYTES = 16 * 1024 * 1024  # a spooled body or export smaller than this never touches the disk


async def _spooled_body(request: Request) -> AsyncIterator[IO[bytes]]:
    """The request body in a temporary file that stays in memory while small: archives run to GBs.
    (FastAPI has already read a JSON body; the stream then replays it.) The middleware caps its size."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        yield spool


RequestBodyDep = Annotated[IO[bytes], Depends(_spooled_body)]


async def _idempotency(
    request: Request,
    principal: Annotated[Principal, Depends(authenticate)],
    body: RequestBodyDep,
    idempotency_key: Annotated[str | None, Header(description="Replays return the first response.")] = None,
) -> Idempotency:
    scope = str(principal.tenant_id) if principal.tenant_id else f"admin:{principal.key_id}"
    return Idempotency.from_request(scope, idempotency_key, request.method, request.url.path, request.url.query, body)


IdempotencyDep = Annotated[Idempotency, Depends(_idempotency)]
