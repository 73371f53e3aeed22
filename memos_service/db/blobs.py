"""Blob rows: activation caches (and adapters), tenant-scoped like everything else."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Select, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from memos_service.db.models import Blob, Cube
from memos_service.db.pagination import page_by_creation
from memos_service.errors import NotFound


class BlobStatus:
    ready = "ready"
    stale = "stale"  # a memory it was built from changed since


class BlobRepository:
    def __init__(self, session: Session, tenant_id: uuid.UUID):
        self.session = session
        self.tenant_id = tenant_id

    def _scoped(self, cube: Cube, kind: str) -> Select[tuple[Blob]]:
        return select(Blob).where(Blob.tenant_id == self.tenant_id, Blob.cube_id == cube.id, Blob.kind == kind)

    def create(self, cube: Cube, *, kind: str, sha256: str, size: int, lm_name: str, lm_fingerprint: str,
               memory_ids: Sequence[int], metadata: dict[str, Any], job_id: uuid.UUID | None) -> Blob:
        blob = Blob(tenant_id=self.tenant_id, cube_id=cube.id, kind=kind, status=BlobStatus.ready, sha256=sha256, size=size,
                    format="safetensors", lm_name=lm_name, lm_fingerprint=lm_fingerprint, memory_ids=list(memory_ids),
                    metadata_=metadata, job_id=job_id)
        self.session.add(blob)
        self.session.flush()
        return blob

    def get(self, cube: Cube, kind: str, blob_id: uuid.UUID) -> Blob:
        blob = self.session.scalar(self._scoped(cube, kind).where(Blob.id == blob_id))
        if blob is None:
            raise NotFound(f"{kind} {blob_id} not found")
        return blob

    def all_in_cube(self, cube: Cube) -> list[Blob]:
        """Caches, then adapters, oldest first: the order an export writes them in."""
        query = select(Blob).where(Blob.tenant_id == self.tenant_id, Blob.cube_id == cube.id)
        return list(self.session.scalars(query.order_by(Blob.kind, Blob.created_at, Blob.sha256, Blob.id)))

    def page(self, cube: Cube, kind: str, *, limit: int, after: str | None) -> tuple[list[Blob], str | None]:
        return page_by_creation(self.session, self._scoped(cube, kind), Blob, limit=limit, after=after)

    def delete(self, blob: Blob) -> bool:
        """Removes the row; True when no other row names the same bytes (the file may go)."""
        sha256 = blob.sha256
        self.session.delete(blob)
        self.session.flush()
        return self.session.scalar(select(Blob.id).where(Blob.sha256 == sha256).limit(1)) is None


def _overlapping(memory_ids: Sequence[int]):
    return Blob.memory_ids.overlap(bindparam(None, [int(value) for value in memory_ids], type_=ARRAY(BigInteger)))


def delete_built_from(session: Session, tenant_id: uuid.UUID, memory_ids: Sequence[int]) -> int:
    """Purged memories take the caches and adapters made from them along (their bytes encode them);
    the files go with the store's next garbage collection."""
    if not memory_ids:
        return 0
    return session.execute(delete(Blob).where(Blob.tenant_id == tenant_id, _overlapping(memory_ids))).rowcount


def referenced_digests(session: Session) -> set[str]:
    return set(session.scalars(select(Blob.sha256).distinct()))


def mark_stale(session: Session, tenant_id: uuid.UUID, memory_ids: Sequence[int]) -> None:
    """Caches and adapters built from any of these memories no longer say what the memories say."""
    if memory_ids:
        session.execute(update(Blob).where(Blob.tenant_id == tenant_id, Blob.status == BlobStatus.ready,
                                           _overlapping(memory_ids)).values(status=BlobStatus.stale))

