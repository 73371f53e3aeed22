import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from memos_service.api.schemas.common import (
    CleanStr,
    Identifier,
    JsonObject,
    MemoryType,
    Schema,
    StrictBool,
    StrictFloat,
    StrictInt,
    Tag,
    Timestamp,
)
from memos_service.db.models import Memory


class Provenance(Schema):
    """Where a memory came from: the messages, who said them, and in which conversation."""

    message_ids: list[Identifier] = Field(default_factory=list, max_length=1000)
    role: Identifier | None = None
    session_id: Identifier | None = None
    conversation_id: Identifier | None = None


class MemoryFields(Schema):
    memory_type: MemoryType = "fact"
    user_id: Identifier | None = None
    agent_id: Identifier | None = None
    session_id: Identifier | None = None
    event_time: Timestamp | None = Field(None, description="When it happened, not when it was stored.")
    expires_at: Timestamp | None = None
    importance: StrictFloat = Field(0.5, ge=0.0, le=1.0)
    source: Provenance = Field(default_factory=Provenance)
    metadata: JsonObject = Field(default_factory=dict)
    tags: list[Tag] = Field(default_factory=list)


class MemoryCreate(MemoryFields):
    # Its byte-size limit is a setting, checked after validation so the answer is a 413.
    content: CleanStr = Field(min_length=1)


class MemoryBatchCreate(Schema):
    items: list[MemoryCreate] = Field(min_length=1)


class MemoryUpdate(Schema):
    content: CleanStr | None = Field(None, min_length=1)
    memory_type: MemoryType | None = None
    event_time: Timestamp | None = None
    expires_at: Timestamp | None = None
    importance: StrictFloat | None = Field(None, ge=0.0, le=1.0)
    metadata: JsonObject | None = None
    tags: list[Tag] | None = None
    reason: CleanStr | None = Field(None, max_length=2000, description="Why; kept in the history.")

    @model_validator(mode="after")
    def _changes_something(self) -> "MemoryUpdate":
        if not self.changes():
            raise ValueError("an update must change at least one field")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: value for name, value in self.model_dump(exclude_unset=True).items() if name != "reason"}


class MemoryPublic(Schema):
    id: uuid.UUID
    cube_id: uuid.UUID
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
    merged_into: uuid.UUID | None

    @classmethod
    def of(cls, memory: Memory) -> "MemoryPublic":
        return cls(
            id=memory.public_id, cube_id=memory.cube_id, kind=memory.kind, memory_type=memory.memory_type,
            content=memory.content, user_id=memory.user_id, agent_id=memory.agent_id, session_id=memory.session_id,
            status=memory.status, version=memory.version, event_time=memory.event_time, created_at=memory.created_at,
            updated_at=memory.updated_at, expires_at=memory.expires_at, importance=memory.importance,
            access_count=memory.access_count, last_accessed_at=memory.last_accessed_at, strength=memory.strength,
            source=memory.source, metadata=memory.metadata_, tags=memory.tags,
            merged_into=memory.survivor.public_id if memory.survivor else None,
        )


class MemoriesPublic(Schema):
    data: list[MemoryPublic]


class MemoryVersionPublic(Schema):
    version: int
    op: str
    content: str
    memory_type: str
    status: str
    metadata: dict[str, Any] = Field(validation_alias="metadata_")
    tags: list[str]
    importance: float
    event_time: datetime | None
    expires_at: datetime | None
    actor: str
    reason: str | None
    created_at: datetime


class MemoryHistory(Schema):
    memory_id: uuid.UUID
    versions: list[MemoryVersionPublic]


class TimeRange(Schema):
    start: Timestamp | None = None
    end: Timestamp | None = None


class SearchFilters(Schema):
    user_id: Identifier | None = None
    agent_id: Identifier | None = None
    session_id: Identifier | None = None
    memory_type: MemoryType | None = None
    tags: list[Tag] = Field(default_factory=list, description="Memories carrying all of these tags.")
    time_range: TimeRange | None = Field(None, description="On event_time: start inclusive, end exclusive.")


class SearchRequest(Schema):
    query: CleanStr = Field(min_length=1, max_length=4000)
    top_k: StrictInt = Field(10, ge=1)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    min_score: StrictFloat | None = Field(None, ge=-1.0, le=1.0)
    include_archived: StrictBool = False
    mode: Literal["hybrid", "dense", "lexical"] = Field(
        "hybrid", description="hybrid fuses dense and full-text ranks; score is then the adjusted fused score")


class SearchResult(Schema):
    memory: MemoryPublic
    score: float
    scores: dict[str, float] = Field(description="The parts the score was made of.")
    provenance: dict[str, Any]


class SearchResponse(Schema):
    data: list[SearchResult]
