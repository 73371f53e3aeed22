"""Every error leaves the API in one shape: {"error": {"type", "message", "request_id"}}."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from memos_service.api.context import request_id_var
from memos_service.errors import MemosError

_HTTP_TYPES = {
    400: "invalid_request", 401: "authentication_error", 403: "permission_denied", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "validation_error", 429: "rate_limited", 503: "service_unavailable",
}


def error_response(status: int, error_type: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    request_id = request_id_var.get()
    body = {"error": {"type": error_type, "message": message, "request_id": request_id}}
    return JSONResponse(body, status_code=status, headers={**(headers or {}), "X-Request-ID": request_id})


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
        parts.append(f"{location}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


async def _memos_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MemosError)
    return error_response(exc.status_code, exc.error_type, exc.message, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # A body that is not JSON at all is a malformed request, not an invalid value.
    if any(error.get("type") == "json_invalid" for error in exc.errors()):
        return error_response(400, "invalid_request", f"malformed JSON body: {_describe(exc)}")
    return error_response(422, "validation_error", _describe(exc))


def _allowed_methods(request: Request) -> str:
    """Every method any route offers for this path; Starlette names only the first route's."""
    methods = {
        method
        for route in request.app.router.routes
        if isinstance(route, APIRoute) and route.path_regex.match(request.url.path)
        for method in route.methods
    }
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error_type = _HTTP_TYPES.get(exc.status_code, "internal_error" if exc.status_code >= 500 else "invalid_request")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return error_response(exc.status_code, error_type, str(exc.detail), headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(MemosError, _memos_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
