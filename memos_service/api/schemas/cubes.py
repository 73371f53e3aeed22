import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from memos_service.api.schemas.common import CleanStr, Identifier, JsonObject, Schema


class CubeCreate(Schema):
    name: Identifier
    description: CleanStr = Field("", max_length=2000)
    owner_user_id: Identifier | None = None
    config: JsonObject = Field(default_factory=dict, description="Policies and retention for this cube.")


class CubeUpdate(Schema):
    name: Identifier | None = None
    description: CleanStr | None = Field(None, max_length=2000)
    config: JsonObject | None = None


class CubePublic(Schema):
    id: uuid.UUID
    name: str
    description: str
    owner_user_id: str | None
    config: dict[str, Any]
    embedding_model: str
    embedding_dim: int
    created_at: datetime
    updated_at: datetime


class CubeDeleted(Schema):
    id: uuid.UUID
    purged: bool
    memories_purged: int
