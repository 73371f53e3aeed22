"""Types shared by every schema. Text that Postgres cannot store (NUL, lone surrogates) and
JSON that it cannot hold (NaN, infinities, oversize) is refused here, before any write."""

import json
import math
from datetime import datetime, timezone
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from memos_service.config import get_settings


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid UTF-8 (no lone surrogates)") from None
    return value


def _clean_json(value: Any, depth: int = 0) -> Any:
    if depth > 32:
        raise ValueError("JSON nested deeper than 32 levels")
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
        raise ValueError("integers must fit in 64 bits")
    if isinstance(value, dict):
        return {_clean_text(str(key)): _clean_json(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean_json(item, depth + 1) for item in value]
    return value


def _bounded_json(value: dict[str, Any]) -> dict[str, Any]:
    value = _clean_json(value)
    limit = get_settings().max_metadata_bytes
    if len(json.dumps(value, ensure_ascii=False).encode()) > limit:
        raise ValueError(f"must serialize to at most {limit} bytes")
    return value


def _refuse_naive(value: Any) -> Any:
    # Naive datetimes would be read in the server's zone; refuse to guess.
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("datetimes must carry a timezone offset, e.g. 2024-05-08T13:56:00Z")
    return value


CleanStr = Annotated[str, AfterValidator(_clean_text)]
Identifier = Annotated[CleanStr, Field(min_length=1, max_length=200)]
Tag = Annotated[CleanStr, Field(min_length=1, max_length=100)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_bounded_json)]
Timestamp = Annotated[
    AwareDatetime, BeforeValidator(_refuse_naive), AfterValidator(lambda value: value.astimezone(timezone.utc))
]


class Schema(BaseModel):
    """Input and output models: unknown fields are errors, NaN and infinities are not numbers."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, from_attributes=True)


T = TypeVar("T")


class Page(Schema, Generic[T]):
    data: list[T]
    has_more: bool
    next_cursor: str | None = Field(None, description="Pass as `after` to get the next page.")


class ErrorDetail(Schema):
    type: str
    message: str
    request_id: str


class ErrorBody(Schema):
    error: ErrorDetail
