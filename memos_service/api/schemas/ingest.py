import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from memos_service.api.schemas.common import CleanStr, Identifier, Schema, StrictInt, Timestamp
from memos_service.api.schemas.memories import MemoryPublic, SearchFilters


class ChatMessageIn(Schema):
    role: Literal["user", "assistant", "system", "tool"]
    content: CleanStr = Field(min_length=1)
    name: Identifier | None = None
    timestamp: Timestamp | None = Field(None, description="When it was said; default: when the request arrived.")
    id: Identifier | None = Field(None, description="Your message id: a message sent again is applied once.")


class IngestRequest(Schema):
    messages: list[ChatMessageIn] = Field(min_length=1)
    user_id: Identifier | None = Field(None, description="Whose memories these are; facts are scoped to this user.")
    agent_id: Identifier | None = None
    session_id: Identifier | None = None
    conversation_id: Identifier | None = None


class OperationPublic(Schema):
    id: int
    job_id: uuid.UUID | None
    user_id: str | None
    op: str
    policy: str
    model: str | None
    inputs: dict[str, Any]
    decision: dict[str, Any]
    latency_ms: float | None
    fallback_reason: str | None
    created_at: datetime


class ContextRequest(Schema):
    question: CleanStr = Field(min_length=1, max_length=4000)
    token_budget: StrictInt = Field(1000, ge=16, le=100_000, description="Tokens the memories may take, text block included.")
    top_k: StrictInt = Field(30, ge=1, description="How many search results to choose from.")
    filters: SearchFilters = Field(default_factory=SearchFilters)


class ContextMemory(Schema):
    memory: MemoryPublic
    score: float
    line: str = Field(description="How the memory appears in the text block.")


class ContextResponse(Schema):
    memories: list[ContextMemory] = Field(description="Ordered by event time, oldest first.")
    text: str = Field(description="Ready to paste into a prompt.")
    tokens: int
    token_budget: int
    dropped_duplicates: int
    dropped_over_budget: int
