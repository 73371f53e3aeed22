from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from memos_service.db.engine import get_engine

log = structlog.get_logger(__name__)
router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="healthz")
def healthz() -> dict[str, str]:
    """Liveness: answers without touching any dependency."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="readyz", responses={503: {"description": "A dependency is not ready."}})
def readyz(request: Request) -> JSONResponse:
    """Readiness: the database and Redis answer, and the search index has caught up. Yes or no per
    component, to anyone: why not goes to the log (exception text names hosts and users)."""
    checks: dict[str, Any] = {}
    ready = True
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
        # Indexes catch up before every search, so lag never makes answers stale; it is reported
        # because a large lag means the next search of that cube pays for the catch-up.
        lag = request.app.state.indexes.lag()
        checks["index"] = {"ok": True, "loaded": len(lag), "lag": sum(lag.values()),
                           "max_cube_lag": max(lag.values(), default=0)}
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported, not raised
        ready = False
        checks["database"] = {"ok": False}
        log.warning("not ready: database", error=f"{type(exc).__name__}: {exc}")
    try:
        if request.app.state.redis is None:
            raise ConnectionError("MEMOS_REDIS_URL is not set")
        request.app.state.redis.ping()
        checks["redis"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001
        ready = False
        checks["redis"] = {"ok": False}
        log.warning("not ready: redis", error=f"{type(exc).__name__}: {exc}")
    return JSONResponse({"status": "ready" if ready else "not_ready", "checks": checks}, status_code=200 if ready else 503)
