import uuid
from datetime import datetime

from pydantic import Field

from memos_service.api.schemas.common import CleanStr, Identifier, Schema
from memos_service.cube.config import CubeConfig


class CubeCreate(Schema):
    name: Identifier
    description: CleanStr = Field("", max_length=2000)
    owner_user_id: Identifier | None = None
    config: CubeConfig = Field(default_factory=CubeConfig, description="The cube's policies: manager, consolidation, forgetting.")


class CubeUpdate(Schema):
    name: Identifier | None = None
    description: CleanStr | None = Field(None, max_length=2000)
    config: CubeConfig | None = Field(None, description="Replaces the cube's config; fields left out take their defaults.")


class CubePublic(Schema):
    id: uuid.UUID
    name: str
    description: str
    owner_user_id: str | None
    config: CubeConfig = Field(description="In effect: what was set, defaults for the rest.")
    embedding_model: str
    embedding_dim: int
    created_at: datetime
    updated_at: datetime


class CubeDeleted(Schema):
    id: uuid.UUID
    purged: bool
    memories_purged: int
