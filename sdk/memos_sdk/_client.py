"""`MemOS` and `AsyncMemOS`: the same resources over a blocking or an asyncio transport."""

import asyncio
import time
from typing import Any, TypeVar

import httpx

from memos_sdk._base import BaseClient, RequestSpec
from memos_sdk._resources import (
    Activations,
    Adapters,
    Admin,
    AsyncActivations,
    AsyncAdapters,
    AsyncAdmin,
    AsyncCubes,
    AsyncJobs,
    AsyncMemories,
    AsyncUsers,
    Cubes,
    Jobs,
    Memories,
    Users,
)

T = TypeVar("T")


class MemOS(BaseClient):
    """Blocking client. `base_url` and `api_key` default to MEMOS_BASE_URL and MEMOS_API_KEY."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None, *, timeout: float = 30.0,
                 max_retries: int = 2, http_client: httpx.Client | None = None):
        super().__init__(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=max_retries)
        self._http = http_client or httpx.Client(base_url=self.base_url, timeout=timeout)
        self.admin, self.cubes, self.memories, self.jobs = Admin(self), Cubes(self), Memories(self), Jobs(self)
        self.users, self.activations, self.adapters = Users(self), Activations(self), Adapters(self)

    def _send(self, spec: RequestSpec[Any]) -> httpx.Response:
        """The answer to the request, after the retries it earns; an error status raises."""
        spec = self._prepare(spec)
        attempt = 0
        while True:
            try:
                outcome: httpx.Response | httpx.TransportError = self._http.request(**self._http_arguments(spec))
            except httpx.TransportError as exc:
                outcome = exc
            delay = self._retry_delay(spec, attempt, outcome)
            if delay is None:
                return self._finish(outcome)
            time.sleep(delay)
            attempt += 1

    def _request(self, spec: RequestSpec[T]) -> T:
        return spec.parse(self._send(spec))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "MemOS":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class AsyncMemOS(BaseClient):
    """asyncio client: the same methods as `MemOS`, each a coroutine (a listing is iterated with `async for`)."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None, *, timeout: float = 30.0,
                 max_retries: int = 2, http_client: httpx.AsyncClient | None = None):
        super().__init__(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=max_retries)
        self._http = http_client or httpx.AsyncClient(base_url=self.base_url, timeout=timeout)
        self.admin, self.cubes, self.memories = AsyncAdmin(self), AsyncCubes(self), AsyncMemories(self)
        self.jobs, self.users = AsyncJobs(self), AsyncUsers(self)
        self.activations, self.adapters = AsyncActivations(self), AsyncAdapters(self)

    async def _send(self, spec: RequestSpec[Any]) -> httpx.Response:
        spec = self._prepare(spec)
        attempt = 0
        while True:
            try:
                outcome: httpx.Response | httpx.TransportError = await self._http.request(**self._http_arguments(spec))
            except httpx.TransportError as exc:
                outcome = exc
            delay = self._retry_delay(spec, attempt, outcome)
            if delay is None:
                return self._finish(outcome)
            await asyncio.sleep(delay)
            attempt += 1

    async def _request(self, spec: RequestSpec[T]) -> T:
        return spec.parse(await self._send(spec))

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncMemOS":
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()
