"""Opaque keyset cursors: the client sees a token, the repository sees the last row's sort key."""

import base64
import json
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
