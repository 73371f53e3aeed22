"""Python client for memos-service.

    from memos_sdk import MemOS
    client = MemOS(base_url="http://127.0.0.1:8000", api_key="memos_sk_...")
    cube = client.cubes.create("assistant")
    client.memories.add(cube.id, "Alice moved to Berlin", user_id="alice")
    hits = client.memories.search(cube.id, "where does Alice live?")
    for memory in client.memories.list(cube.id):      # every page
        ...
    raw = client.cubes.get.with_raw_response(cube.id)  # status, headers, request_id; raw.parse() is the Cube
"""

from memos_sdk._client import AsyncMemOS, MemOS
from memos_sdk._exceptions import (
                                   APIConnectionError,
                                   APIStatusError,
                                   APITimeoutError,
                                   AuthenticationError,
                                   BadRequestError,
                                   ConflictError,
                                   InternalServerError,
                                   MemosError,
                                   NotFoundError,
                                   PayloadTooLargeError,
                                   PermissionDeniedError,
                                   RateLimitError,
                                   UnprocessableEntityError,
)
from memos_sdk._pagination import AsyncPage, AsyncPaginator, SyncPage
from memos_sdk._response import APIResponse
from memos_sdk._types import (
                                   Activation,
                                   ActivationConfig,
                                   Adapter,
                                   AnswerContext,
                                   ApiKey,
                                   ApiKeyCreated,
                                   BlobStatus,
                                   ConsolidationConfig,
                                   Cube,
                                   CubeConfig,
                                   CubeDeleted,
                                   ForgettingConfig,
                                   Id,
                                   ImportResult,
                                   Job,
                                   JobKind,
                                   JobStatus,
                                   Memory,
                                   MemoryHistory,
                                   MemoryStatus,
                                   MemoryVersion,
                                   Message,
                                   Op,
                                   Operation,
                                   Order,
                                   RequestOptions,
                                   Scope,
                                   SearchMode,
                                   SearchResult,
                                   Tenant,
                                   UserForgotten,
)
from memos_sdk._version import __version__

__all__ = [
    "__version__", "MemOS", "AsyncMemOS",
    "MemosError", "APIConnectionError", "APITimeoutError", "APIStatusError", "BadRequestError", "AuthenticationError",
    "PermissionDeniedError", "NotFoundError", "ConflictError", "PayloadTooLargeError", "UnprocessableEntityError",
    "RateLimitError", "InternalServerError",
    "Activation", "Adapter", "AnswerContext", "ApiKey", "ApiKeyCreated", "Cube", "CubeConfig", "ConsolidationConfig",
    "ForgettingConfig", "ActivationConfig", "CubeDeleted", "Job", "Operation",
    "ImportResult", "Memory", "MemoryHistory", "MemoryVersion", "SearchResult", "Tenant", "UserForgotten",
    "SyncPage", "AsyncPage", "AsyncPaginator", "APIResponse", "RequestOptions", "Message",
    "Id", "SearchMode", "MemoryStatus", "Op", "Order", "JobStatus", "JobKind", "Scope", "BlobStatus",
]
