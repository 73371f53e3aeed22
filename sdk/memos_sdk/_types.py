"""Typed responses, and the vocabularies of arguments. Unknown fields are kept, so a newer server
does not break an older client."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Generic, Literal, TypedDict, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from typing_extensions import NotRequired

Id = str | UUID
SearchMode = Literal["hybrid", "dense", "lexical"]
MemoryStatus = Literal["active", "archived", "merged", "deleted"]
Op = Literal["ADD", "UPDATE", "DELETE", "NOOP"]
Order = Literal["oldest", "newest"]
JobStatus = Literal["pending", "queued", "running", "succeeded", "failed", "cancelled"]
JobKind = Literal["ingest", "consolidate", "forget", "activation", "adapter"]
Scope = Literal["read", "write"]
BlobStatus = Literal["ready", "stale"]


class RequestOptions(TypedDict, total=False):
    """What any call may add: `client.cubes.get(cube_id, timeout=5, extra_headers={...})`."""

    timeout: float  # seconds, for this call instead of the client's
    extra_headers: Mapping[str, str]


class Message(TypedDict):
    """A chat message for `memories.ingest`."""

    role: Literal["user", "assistant", "system", "tool"]
    content: str
    name: NotRequired[str]
    timestamp: NotRequired[str | datetime]  # when it was said; default: when the request arrives
    id: NotRequired[str]  # your message id: a message sent again is applied once


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


class ApiKeyCreated(ApiKey):
    key: str  # the secret, shown once: only its hash is stored


class ConsolidationConfig(Model):
    enabled: bool = True
    interval_minutes: int = 1440
    similarity: float = 0.9
    summarize_sessions: bool = True
    session_idle_minutes: int = 60
    summary_sentences: int = 5


class ForgettingConfig(Model):
    enabled: bool = True
    interval_minutes: int = 1440
    stability_days: float = 30.0
    importance_weight: float = 2.0
    archive_below: float = 0.05
    retention_days: float | None = 365.0
    max_memories: int | None = None


class ActivationConfig(Model):
    enabled: bool = False
    interval_minutes: int = 60
    hottest: int = 20
    template: str | None = None
    retire_unused_days: float = 7.0


class CubeConfig(Model):
    """A cube's policies as the server applies them (its defaults where the cube chose none)."""

    manager: Literal["llm", "learned", "heuristic"] | None = None
    consolidation: ConsolidationConfig = ConsolidationConfig()
    forgetting: ForgettingConfig = ForgettingConfig()
    activation: ActivationConfig = ActivationConfig()


class Cube(Model):
    id: UUID
    name: str
    description: str
    owner_user_id: str | None
    config: CubeConfig
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
    activations_imported: int
    adapters_imported: int


class Job(Model):
    id: UUID
    cube_id: UUID | None
    kind: str
    status: JobStatus
    attempts: int
    sends: int
    error: str | None
    progress: dict[str, Any] | None
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
    status: BlobStatus
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
    next_cursor: str | None = None
