"""The MCP tools over streamable HTTP, at /mcp of the API itself. A request needs a live API key
(`Authorization: Bearer memos_sk_...`), else 401 in REST's error model; each tool call is then a REST
call under that key, made in-process (no socket: the SDK over an ASGI transport to this same app)."""

import httpx
from fastapi import FastAPI
from mcp.server.mcpserver import Context
from mcp.server.transport_security import TransportSecuritySettings
from memos_sdk import AsyncMemOS
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from memos_service.api.deps import principal_of
from memos_service.api.errors import error_response
from memos_service.db.engine import session_scope
from memos_service.mcp_server.tools import build_server

PATH = "/mcp"
INTERNAL_URL = "http://memos.internal"


def _bearer(authorization: str | None) -> str | None:
    scheme, _, key = (authorization or "").partition(" ")
    return key.strip() or None if scheme.lower() == "bearer" else None


class _KeyRequired:
    """Lets a request through to the MCP transport only with a live API key."""

    def __init__(self, app: FastAPI, transport: ASGIApp):
        self._app, self._transport = app, transport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        key = _bearer(headers.get("authorization"))
        if key is None:
            answer = error_response(401, "authentication_error", "missing API key: send 'Authorization: Bearer <key>'",
                                    {"WWW-Authenticate": "Bearer"})
            return await answer(scope, receive, send)
        with session_scope() as session:
            principal = await principal_of(self._app.state.recent_keys, session, key)
        if principal is None:
            answer = error_response(401, "authentication_error", "invalid or revoked API key", {"WWW-Authenticate": "Bearer"})
            return await answer(scope, receive, send)
        await self._transport(scope, receive, send)


def mount_mcp(app: FastAPI) -> None:
    """Adds /mcp to `app`; the transport's session manager runs in the app's lifespan (`app.state.mcp`)."""
    internal = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=INTERNAL_URL, timeout=None)

    def client_for(context: Context) -> AsyncMemOS:
        key = _bearer((context.headers or {}).get("authorization"))
        return AsyncMemOS(INTERNAL_URL, api_key=key, http_client=internal, max_retries=0)

    server = build_server(client_for)
    # Stateless: any API replica answers any request (no session to find), as REST does. The host and
    # origin checks guard servers that trust whoever reaches them; this one trusts only an API key.
    server.streamable_http_app(streamable_http_path=PATH, stateless_http=True, json_response=True,
                               transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
    app.state.mcp, app.state.mcp_calls = server, internal
    app.router.routes.append(Route(PATH, endpoint=_KeyRequired(app, server.session_manager.handle_request),
                                   methods=["GET", "POST", "DELETE"]))
