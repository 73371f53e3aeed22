"""Typed responses. Unknown fields are kept, so a newer server does not break an older client."""

from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Tenant(Model):
    id: UUID
    name: str
    created_at: datetime


class ApiKey(Model):
    id: UUID
    tenant_id: UUID | None
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None
    key: str | None = None


class Cube(Model):
    id: UUID
    name: str
    description: str
    owner_user_id: str | None
    config: dict[str, Any]
    embedding_model: str
    embedding_dim: int
    created_at: datetime
    updated_at: datetime


class CubeDeleted(Model):
    id: UUID
    purged: bool
    memories_purged: int


class Memory(Model):
    id: UUID
    cube_id: UUID
    kind: str
    memory_type: str
    content: str
    user_id: str | None
    agent_id: str | None
    session_id: str | None
    status: str
    version: int
    event_time: datetime | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    importance: float
    access_count: int
    last_accessed_at: datetime | None
    strength: float
    source: dict[str, Any]
    metadata: dict[str, Any]
    tags: list[str]
    merged_into: UUID | None


class MemoryVersion(Model):
    version: int
    op: str
    content: str
    memory_type: str
    status: str
    metadata: dict[str, Any]
    tags: list[str]
    importance: float
    event_time: datetime | None
    expires_at: datetime | None
    actor: str
    reason: str | None
    created_at: datetime


class MemoryHistory(Model):
    memory_id: UUID
    versions: list[MemoryVersion]


class SearchResult(Model):
    memory: Memory
    score: float
    scores: dict[str, float]
    provenance: dict[str, Any]


class ImportResult(Model):
    cube_id: UUID
    memories_imported: int
    activations_imported: int = 0
    adapters_imported: int = 0


class Job(Model):
    id: UUID
    cube_id: UUID | None
    kind: str
    status: str
    attempts: int
    sends: int = 0
    error: str | None
    progress: dict[str, Any] | None = None
    result: dict[str, Any] | None
    request_id: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed", "cancelled")


class Activation(Model):
    id: UUID
    cube_id: UUID
    status: str  # ready | stale
    sha256: str
    size: int
    format: str
    model: str
    model_fingerprint: str
    metadata: dict[str, Any]
    job_id: UUID | None
    use_count: int
    last_used_at: datetime | None
    created_at: datetime


class Adapter(Activation):
    """The same record; `metadata` holds version, active, rank, steps, loss curve, adapter config, probe."""


class UserForgotten(Model):
    user_id: str
    purged: bool
    memories: int
    versions: int
    operations: int
    jobs: int
    idempotent_responses: int
    cubes: int


class Operation(Model):
    id: int
    job_id: UUID | None
    user_id: str | None
    op: str
    policy: str
    model: str | None
    inputs: dict[str, Any]
    decision: dict[str, Any]
    latency_ms: float | None
    fallback_reason: str | None
    created_at: datetime


class ContextMemory(Model):
    memory: Memory
    score: float
    line: str


class AnswerContext(Model):
    memories: list[ContextMemory]
    text: str
    tokens: int
    token_budget: int
    dropped_duplicates: int
    dropped_over_budget: int


T = TypeVar("T")


class Page(Model, Generic[T]):
    data: list[T]
    has_more: bool
    next_cursor: str | None
