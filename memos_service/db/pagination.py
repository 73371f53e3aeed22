"""Opaque keyset cursors: the client sees a token, the repository sees the last row's sort key."""

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import Session

from memos_service.errors import InvalidRequest

Row = TypeVar("Row")


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


def decode_id_cursor(cursor: str) -> int:
    """A row id key: an integer a bigint column holds (`["abc"]`, `[null]`, `[1e999]` once reached the
    database and answered 500)."""
    (row_id,) = decode_cursor(cursor, 1)
    if type(row_id) is not int or not 0 <= row_id < 2**63:
        raise InvalidRequest("the 'after' cursor is not one this API issued")
    return row_id


def decode_time_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """A (created_at, id) key, the sort key of rows listed by creation time."""
    created_at, row_id = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(created_at), uuid.UUID(row_id)
    except (TypeError, ValueError, AttributeError):
        raise InvalidRequest("the 'after' cursor is not one this API issued") from None


def cut_page(rows: Sequence[Row], limit: int, key: Callable[[Row], tuple[Any, ...]]) -> tuple[list[Row], str | None]:
    """Rows fetched `limit + 1` at a time: the page, and the cursor to the next one if there is one."""
    page = list(rows[:limit])
    return page, (encode_cursor(*key(page[-1])) if len(rows) > limit else None)


def page_by_creation(session: Session, query: Select[Any], model: Any, *, limit: int, after: str | None,
                     newest_first: bool = False) -> tuple[list[Any], str | None]:
    """A page of `query` in (created_at, id) order, oldest or newest first."""
    key = tuple_(model.created_at, model.id)
    if after:
        query = query.where(key < decode_time_cursor(after) if newest_first else key > decode_time_cursor(after))
    order = (model.created_at.desc(), model.id.desc()) if newest_first else (model.created_at, model.id)
    rows = list(session.scalars(query.order_by(*order).limit(limit + 1)))
    return cut_page(rows, limit, lambda row: (row.created_at.isoformat(), row.id))
