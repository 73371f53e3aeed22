"""Python client for memos-service.

    from memos_sdk import MemOS
    client = MemOS(base_url="http://127.0.0.1:8000", api_key="memos_sk_...")
    cube = client.cubes.create("assistant")
    client.memories.add(cube.id, "Alice moved to Berlin", user_id="alice")
    hits = client.memories.search(cube.id, "where does Alice live?")
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
from memos_sdk._types import (
                                   Activation,
                                   Adapter,
                                   AnswerContext,
                                   ApiKey,
                                   Cube,
                                   CubeDeleted,
                                   ImportResult,
                                   Job,
                                   Memory,
                                   MemoryHistory,
                                   MemoryVersion,
                                   Operation,
                                   Page,
                                   SearchResult,
                                   Tenant,
                                   UserForgotten,
)

__all__ = [
    "MemOS", "AsyncMemOS",
    "MemosError", "APIConnectionError", "APITimeoutError", "APIStatusError", "BadRequestError", "AuthenticationError",
    "PermissionDeniedError", "NotFoundError", "ConflictError", "PayloadTooLargeError", "UnprocessableEntityError",
    "RateLimitError", "InternalServerError",
    "Activation", "Adapter", "AnswerContext", "ApiKey", "Cube", "CubeDeleted", "Job", "Operation",
    "ImportResult", "Memory", "MemoryHistory", "MemoryVersion", "Page",
    "SearchResult", "Tenant", "UserForgotten",
]
