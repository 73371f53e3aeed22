"""The operations log: every manager decision, with what it was shown and what it chose."""

import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from memos_service.db.models import Operation
from memos_service.db.pagination import cut_page, decode_id_cursor


class OperationRepository:
    def __init__(self, session: Session, tenant_id: uuid.UUID):
        self.session = session
        self.tenant_id = tenant_id

    def record(self, **fields: Any) -> Operation:
        operation = Operation(tenant_id=self.tenant_id, **fields)
        self.session.add(operation)
        return operation

    def page(self, cube_id: uuid.UUID, *, job_id: uuid.UUID | None, user_id: str | None, op: str | None, limit: int,
             after: str | None) -> tuple[list[Operation], str | None]:
        query = select(Operation).where(Operation.tenant_id == self.tenant_id, Operation.cube_id == cube_id)
        for column, value in ((Operation.job_id, job_id), (Operation.user_id, user_id), (Operation.op, op)):
            if value is not None:
                query = query.where(column == value)
        if after:
            last_id = decode_id_cursor(after)
            query = query.where(Operation.id > int(last_id))
        return cut_page(list(self.session.scalars(query.order_by(Operation.id).limit(limit + 1))), limit, lambda row: (row.id,))


def all_operations(session: Session, tenant_id: uuid.UUID | None, batch: int = 1000) -> Iterator[Operation]:
    """Every operation (of one tenant, or of all), oldest first, read in batches."""
    last = 0
    while True:
        query = select(Operation).where(Operation.id > last).order_by(Operation.id).limit(batch)
        if tenant_id is not None:
            query = query.where(Operation.tenant_id == tenant_id)
        rows = list(session.scalars(query))
        if not rows:
            return
        yield from rows
        last = rows[-1].id
