"""Opaque keyset cursors: the client sees a token, the repository sees the last row's sort key."""

import base64
import json
import uuid
from datetime import datetime
from typing import Any

from memos_service.errors import InvalidRequest


def encode_cursor(*key: Any) -> str:
    raw = json.dumps([str(part) if not isinstance(part, int) else part for part in key])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidRequest("the 'after' cursor is not one this API issued") from None
    if not isinstance(key, list) or len(key) != arity:
        raise InvalidRequest("the 'after' cursor is not one this API issued")
    return key


def decode_time_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """A (created_at, id) key, the sort key of rows listed by creation time."""
    created_at, row_id = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(created_at), uuid.UUID(row_id)
    except (TypeError, ValueError):
        raise InvalidRequest("the 'after' cursor is not one this API issued") from None
