import uuid
from datetime import datetime
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from memos_service.api.schemas.common import CleanStr, Schema, StrictInt


class Selection(Schema):
    """Exactly one selection: `memory_ids`, a `query` (its `top_k` results), or the `hottest` N memories."""

    memory_ids: list[uuid.UUID] | None = Field(None, min_length=1, max_length=1000)
    query: CleanStr | None = Field(None, min_length=1, max_length=4000)
    top_k: StrictInt = Field(10, ge=1, le=1000)
    hottest: StrictInt | None = Field(None, ge=1, le=1000, description="The cube's N most used memories.")
    template: CleanStr | None = Field(None, max_length=8000,
                                      description="How memories become the prefix; `{memories}` is replaced by the "
                                                  "list of them. Default: 'Things to remember:\\n{memories}\\n'.")

    @model_validator(mode="after")
    def _one_selection(self) -> Self:
        chosen = [name for name in ("memory_ids", "query", "hottest") if getattr(self, name) is not None]
        if len(chosen) != 1:
            raise ValueError("give exactly one of memory_ids, query, hottest")
        if self.template is not None and "{memories}" not in self.template:
            raise ValueError("the template must contain {memories}")
        return self


class ActivationCreate(Selection):
    pass


class AdapterCreate(Selection):
    template: CleanStr | None = Field(None, max_length=8000, description="How memories become the training text; "
                                      "`{memories}` is replaced by them, one per line. Default: the memories alone.")
    rank: StrictInt = Field(8, ge=1, le=256)
    steps: StrictInt = Field(50, ge=1, le=10_000)
    learning_rate: float = Field(1e-3, gt=0, le=1)
    max_tokens: StrictInt = Field(512, ge=8, le=32_768, description="Training text is cut to this many tokens.")


class BlobPublic(Schema):
    id: uuid.UUID
    cube_id: uuid.UUID
    status: Literal["ready", "stale"] = Field(description="stale: a memory it was built from changed since.")
    sha256: str
    size: int
    format: str
    model: str = Field(validation_alias="lm_name")
    model_fingerprint: str = Field(validation_alias="lm_fingerprint")
    metadata: dict[str, Any] = Field(validation_alias="metadata_", description="For a cache: dtype, layers, heads, "
                                     "head_dim, tokens, prefix and its sha256; for an adapter: version, active, rank, "
                                     "steps, loss curve, adapter config, probe; both: source memories and versions.")
    job_id: uuid.UUID | None
    use_count: int
    last_used_at: datetime | None
    created_at: datetime


class ActivationPublic(BlobPublic):
    pass


class AdapterPublic(BlobPublic):
    pass
