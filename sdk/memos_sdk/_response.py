"""The raw answer of a call, for those who need its status and headers as well as its result."""

from collections.abc import Callable
from typing import Generic, TypeVar

import httpx

T = TypeVar("T")


class APIResponse(Generic[T]):
    """`client.cubes.create.with_raw_response("a")`: the HTTP answer, and `parse()` for the typed result.
    An error status still raises, as the plain call does."""

    def __init__(self, http_response: httpx.Response, parse: Callable[[httpx.Response], T]):
        self.http_response = http_response
        self._parse = parse

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        request_id: str | None = self.http_response.headers.get("x-request-id")
        return request_id

    def parse(self) -> T:
        return self._parse(self.http_response)

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] request_id={self.request_id}>"
