"""Types shared by every schema. Text that Postgres cannot store (NUL, lone surrogates) and
JSON that it cannot hold (NaN, infinities, oversize) is refused here, before any write."""

import json
import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, Strict

from memos_service.config import get_settings
from memos_service.db.models import Memory


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


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _utc_datetime(value: Any) -> datetime:
    """ISO 8601 with an offset, as UTC. Numbers would be read as Unix times and naive datetimes in
    the server's zone: refuse to guess. Parsed here, because pydantic overflows on year-1 offsets."""
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            value = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            raise ValueError("not a valid ISO 8601 datetime") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError("expected an ISO 8601 datetime with a timezone offset, e.g. 2024-05-08T13:56:00Z")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 lies in year 0 in UTC
        raise ValueError("datetime is out of range once converted to UTC") from None


def _column_length(column: Any) -> int:
    """The length of a String column: API limits derived from the schema cannot drift from it (a
    `memory_type` of 65 to 200 characters once passed the API and failed in the database, 500)."""
    return int(column.property.columns[0].type.length)


CleanStr = Annotated[str, AfterValidator(_clean_text)]
Identifier = Annotated[CleanStr, Field(min_length=1, max_length=_column_length(Memory.user_id))]
MemoryType = Annotated[CleanStr, Field(min_length=1, max_length=_column_length(Memory.memory_type))]
Tag = Annotated[CleanStr, Field(min_length=1, max_length=100)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_bounded_json)]
CleanJsonObject = Annotated[dict[str, Any], AfterValidator(_clean_json)]  # no NUL (Postgres' JSONB refuses it), any size
Timestamp = Annotated[AwareDatetime, BeforeValidator(_utc_datetime)]


# Numbers and booleans as JSON has them: "5" is not 5, and 0 is not false.
StrictInt = Annotated[int, Strict()]
StrictFloat = Annotated[float, Strict()]
StrictBool = Annotated[bool, Strict()]


class Schema(BaseModel):
    """Input and output models: unknown fields are errors, NaN and infinities are not numbers."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, from_attributes=True)

    @classmethod
    def of(cls, row: Any) -> Self:
        """The public form of a database row, read attribute by attribute."""
        return cls.model_validate(row, from_attributes=True)


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
