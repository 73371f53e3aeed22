"""Pure ASGI middleware: a request id for every request (echoed in X-Request-ID and bound into
logs), and a cap on request bodies enforced while they stream in."""

import re
import uuid
from collections.abc import Callable

import structlog
from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from memos_service.api.context import request_id_var
from memos_service.api.errors import error_response
from memos_service.api.tenant_metrics import count_request
from memos_service.tracing import label_request

log = structlog.get_logger(__name__)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, body_limit: Callable[[str], int]):
        self.app = app
        self.body_limit = body_limit  # by request path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else f"req_{uuid.uuid4().hex}"
        token = request_id_var.set(request_id)
        label_request(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        scope.setdefault("state", {})["request_id"] = request_id

        started = False
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started, status = True, message["status"]
                response_headers = message.setdefault("headers", [])
                if not any(name.lower() == b"x-request-id" for name, _ in response_headers):
                    response_headers.append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            limit = self.body_limit(scope["path"])
            declared = headers.get(b"content-length", b"")
            if declared.isdigit() and int(declared) > limit:
                # Refused before a byte of the body is read.
                await error_response(413, "payload_too_large", _too_large(limit))(scope, receive, send)
                return
            await self.app(scope, _count_body(receive, limit), send_with_id)
        except Exception:
            # Handled here rather than by Starlette's outer error middleware so that a 500 too
            # has the one error shape and carries this request's id.
            log.exception("unhandled error")
            if started:
                raise
            await error_response(500, "internal_error", "internal server error")(scope, receive, send)
        finally:
            count_request(scope["state"].get("tenant_id"), status)  # set by authentication, when it passed
            structlog.contextvars.unbind_contextvars("request_id")
            request_id_var.reset(token)


def _too_large(limit: int) -> str:
    return f"request body exceeds {limit} bytes"


def _count_body(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                # An HTTPException, because FastAPI turns any other error while reading a body into a 400.
                raise HTTPException(413, _too_large(limit))
        return message

    return counted
