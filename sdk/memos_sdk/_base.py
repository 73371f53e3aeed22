"""What the sync and async clients share: configuration, request building, the retry policy and
response parsing. No I/O happens here; the clients only add the transport."""

import dataclasses
import email.utils
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx

from memos_sdk._exceptions import APIConnectionError, APITimeoutError, MemosError, error_for
from memos_sdk._types import RequestOptions
from memos_sdk._version import __version__

T = TypeVar("T")
U = TypeVar("U")

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# Methods whose repetition changes nothing, so a request lost in flight may be sent again.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class RequestSpec(Generic[T]):
    """One call, transport-free: what to send, and how its answer becomes the result."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None  # this request's, when it may take longer than the client's default

    def with_options(self, options: RequestOptions) -> "RequestSpec[T]":
        return dataclasses.replace(self, headers={**self.headers, **options.get("extra_headers", {})},
                                   timeout=options.get("timeout", self.timeout))

    def then(self, parse: Callable[[httpx.Response], U]) -> "RequestSpec[U]":
        """The same request with another reading of its answer."""
        return RequestSpec(self.method, self.path, parse, self.params, self.json, self.content, self.headers, self.timeout)

    def after(self, cursor: str) -> "RequestSpec[T]":
        """The same listing from `cursor` on."""
        return dataclasses.replace(self, params={**self.params, "after": cursor})


class BaseClient:
    def __init__(self, *, base_url: str | None, api_key: str | None, timeout: float, max_retries: int,
                 max_retry_delay: float = 20.0):
        self.base_url = (base_url or os.environ.get("MEMOS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.api_key = api_key or os.environ.get("MEMOS_API_KEY")
        if not self.api_key:
            raise MemosError("no API key: pass api_key=... or set MEMOS_API_KEY")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_delay = max_retry_delay

    @property
    def _default_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "User-Agent": f"memos-sdk/{__version__}"}

    def _prepare(self, spec: RequestSpec[T]) -> RequestSpec[T]:
        headers = dict(spec.headers)
        # One key for all attempts of this call: the server applies the POST once, however often it arrives.
        if spec.method == "POST":
            headers.setdefault("Idempotency-Key", f"sdk-{uuid.uuid4()}")
        params = {name: value for name, value in spec.params.items() if value is not None}
        return dataclasses.replace(spec, headers=headers, params=params)

    def _retry_delay(self, spec: RequestSpec[Any], attempt: int, outcome: httpx.Response | Exception) -> float | None:
        """Seconds to wait before another attempt, or None when this outcome is final."""
        if attempt >= self.max_retries:
            return None
        if isinstance(outcome, httpx.Response):
            if outcome.status_code not in RETRYABLE_STATUS:
                return None
            hinted = _retry_after(outcome)
            if hinted is not None:
                return min(hinted, self.max_retry_delay)
        elif not _safe_to_resend(spec, outcome):
            return None
        backoff = min(0.5 * 2.0**attempt, self.max_retry_delay)
        return backoff * random.uniform(0.5, 1.0)  # jitter: clients that failed together retry apart

    def _http_arguments(self, spec: RequestSpec[Any]) -> dict[str, Any]:
        return {"method": spec.method, "url": spec.path, "params": spec.params, "json": spec.json,
                "content": spec.content, "headers": {**self._default_headers, **spec.headers},
                **({"timeout": spec.timeout} if spec.timeout is not None else {})}

    @staticmethod
    def _finish(outcome: httpx.Response | httpx.TransportError) -> httpx.Response:
        """The answer of a call's last attempt, or the SDK's exception for it."""
        if isinstance(outcome, httpx.TimeoutException):
            raise APITimeoutError(request=outcome.request) from outcome
        if isinstance(outcome, httpx.TransportError):
            raise APIConnectionError(f"could not reach the memos service: {outcome}", request=outcome.request) from outcome
        if outcome.is_error:
            raise error_for(outcome)
        return outcome


def _safe_to_resend(spec: RequestSpec[Any], exc: Exception) -> bool:
    if isinstance(exc, httpx.ConnectError):
        return True  # never reached the server
    return spec.method in IDEMPOTENT_METHODS or "Idempotency-Key" in spec.headers


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
