"""The FastAPI application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
from fastapi import Depends, FastAPI
from prometheus_fastapi_instrumentator import Instrumentator

from memos_service.api.deps import require_admin
from memos_service.api.errors import install_error_handlers
from memos_service.api.middleware import RequestContextMiddleware
from memos_service.api.recent_keys import RecentKeys
from memos_service.api.routes import (
    admin,
    archive,
    binary_memories,
    cubes,
    health,
    ingest,
    jobs,
    lifecycle,
    memories,
    operations,
    search,
    users,
)
from memos_service.api.schemas.common import ErrorBody
from memos_service.api.strictness import reject_unknown_query_parameters
from memos_service.config import Settings, get_settings
from memos_service.db.engine import get_engine
from memos_service.db.schema import check_embedding_dimension
from memos_service.embedding import get_embedder
from memos_service.logging import configure_logging
from memos_service.mcp_server.http import mount_mcp
from memos_service.retrieval.access import AccessRecorder
from memos_service.retrieval.indexes import build_index_manager
from memos_service.tracing import instrument_api

ERROR_RESPONSES = {status: {"model": ErrorBody, "description": text} for status, text in (
    (400, "Malformed request"), (401, "Missing or invalid API key"), (403, "Key lacks the scope"),
    (404, "Not found (or another tenant's)"), (409, "Conflict"), (413, "Too large"),
    (422, "Invalid values"), (429, "Rate limited"),
)}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    embedder = get_embedder()
    check_embedding_dimension(get_engine(), embedder.dimension, embedder.name)
    app.state.embedder = embedder
    app.state.indexes = build_index_manager(settings, embedder.dimension)
    app.state.redis = redis.Redis.from_url(settings.redis_url, socket_timeout=2) if settings.redis_url else None
    app.state.access = AccessRecorder()
    async with app.state.mcp.session_manager.run():
        yield
    await app.state.mcp_calls.aclose()
    app.state.access.close()
    app.state.indexes.snapshot_all()
    if app.state.redis is not None:
        app.state.redis.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = FastAPI(
        title="memos-service",
        version="0.1.0",
        summary="Long-term memory for LLM agents: MemCubes with provenance, versions and search.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        dependencies=[Depends(reject_unknown_query_parameters)],
    )
    app.state.settings = settings
    app.state.recent_keys = RecentKeys(settings.api_key_cache_seconds)
    install_error_handlers(app)
    for router in (health.router, admin.router, cubes.router, memories.router, search.router, archive.router,
                   ingest.router, jobs.router, operations.router, lifecycle.router, users.router,
                   binary_memories.activations, binary_memories.adapters):
        app.include_router(router)
    Instrumentator(excluded_handlers=["/metrics", "/healthz"]).instrument(app).expose(
        app, include_in_schema=False, should_gzip=True,
        dependencies=[Depends(require_admin)] if settings.metrics_require_admin_key else None,
    )
    mount_mcp(app)
    instrument_api(app)
    app.add_middleware(RequestContextMiddleware, body_limit=lambda path: (
        settings.max_archive_bytes if archive.IMPORT_PATH.match(path) else settings.max_request_bytes))
    return app
