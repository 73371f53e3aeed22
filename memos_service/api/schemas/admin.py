import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from memos_service.api.schemas.common import Identifier, Schema

Scope = Literal["read", "write"]


class TenantCreate(Schema):
    name: Identifier


class TenantPublic(Schema):
    id: uuid.UUID
    name: str
    created_at: datetime


class ApiKeyCreate(Schema):
    name: Identifier = "default"
    scopes: list[Scope] = Field(default_factory=lambda: ["read", "write"], min_length=1, max_length=2)


class ApiKeyPublic(Schema):
    id: uuid.UUID
    tenant_id: uuid.UUID | None
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The secret. Shown once: only its hash is stored.")
