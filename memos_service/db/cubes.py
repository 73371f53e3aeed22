"""Cube repository: every query is filtered by the tenant it was built for."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, delete, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from memos_service.cube.kinds import MemoryOp
from memos_service.db.changes import lock_cube_log
from memos_service.db.models import Cube, Memory, MemoryChange
from memos_service.db.pagination import page_by_creation
from memos_service.errors import Conflict, NotFound


class CubeRepository:
    def __init__(self, session: Session, tenant_id: uuid.UUID):
        self.session = session
        self.tenant_id = tenant_id

    def _scoped(self, *, include_deleted: bool = False) -> Select[tuple[Cube]]:
        query = select(Cube).where(Cube.tenant_id == self.tenant_id)
        return query if include_deleted else query.where(Cube.deleted_at.is_(None))

    def create(self, *, name: str, embedding_model: str, embedding_dim: int, **fields: Any) -> Cube:
        cube = Cube(tenant_id=self.tenant_id, name=name, embedding_model=embedding_model, embedding_dim=embedding_dim, **fields)
        self.session.add(cube)
        self._flush_unique(name)
        return cube

    def get(self, cube_id: uuid.UUID, *, for_update: bool = False, include_deleted: bool = False) -> Cube:
        query = self._scoped(include_deleted=include_deleted).where(Cube.id == cube_id)
        cube = self.session.scalar(query.with_for_update() if for_update else query)
        if cube is None:
            raise NotFound(f"cube {cube_id} not found")
        return cube

    def page(self, *, limit: int, after: str | None) -> tuple[list[Cube], str | None]:
        return page_by_creation(self.session, self._scoped(), Cube, limit=limit, after=after)

    def update(self, cube_id: uuid.UUID, **fields: Any) -> Cube:
        cube = self.get(cube_id, for_update=True)
        for name, value in fields.items():
            setattr(cube, name, value)
        cube.updated_at = datetime.now(UTC)
        self._flush_unique(cube.name)
        return cube

    def soft_delete(self, cube_id: uuid.UUID) -> None:
        cube = self.get(cube_id, for_update=True)
        cube.deleted_at = datetime.now(UTC)
        self.session.flush()

    def purge(self, cube_id: uuid.UUID) -> int:
        """Removes the cube and everything in it; the change log records each purged memory so
        derived indexes drop them too. A soft-deleted cube can still be purged. Returns the number
        of memories purged."""
        cube = self.get(cube_id, for_update=True, include_deleted=True)
        lock_cube_log(self.session, cube.id)
        memory_ids = select(Memory.id).where(Memory.tenant_id == self.tenant_id, Memory.cube_id == cube.id)
        changes = insert(MemoryChange).from_select(
            ["tenant_id", "cube_id", "memory_id", "op"],
            select(Memory.tenant_id, Memory.cube_id, Memory.id, literal(MemoryOp.purge.value)).where(Memory.id.in_(memory_ids)),
        )
        purged = len(self.session.execute(changes.returning(MemoryChange.seq)).all())
        # Versions, operations and jobs go by ON DELETE CASCADE from memories and the cube.
        self.session.execute(delete(Memory).where(Memory.tenant_id == self.tenant_id, Memory.cube_id == cube.id))
        self.session.delete(cube)
        self.session.flush()
        return purged

    def _flush_unique(self, name: str) -> None:
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError:
            raise Conflict(f"a cube named {name!r} already exists") from None

