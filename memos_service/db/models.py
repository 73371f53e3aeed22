"""SQLAlchemy 2 typed models. Postgres is the source of truth: every other store is derived from these."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from memos_service.db.vectors import BinaryVector

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> Any:
    return mapped_column(Timestamp, server_default=func.now(), nullable=False)


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = _now()


class ApiKey(Base):
    """Only the sha256 of a key is stored. Admin keys belong to no tenant; all others to exactly one."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint("tenant_id IS NOT NULL OR 'admin' = ANY(scopes)", name="tenant_or_admin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default="{}")
    created_at: Mapped[datetime] = _now()
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Cube(Base):
    __tablename__ = "cubes"
    __table_args__ = (
        Index("uq_cubes_tenant_name_live", "tenant_id", "name", unique=True, postgresql_where=text("deleted_at IS NULL")),
        Index("ix_cubes_tenant_created", "tenant_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    owner_user_id: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # The embedder a cube's vectors came from: searching it with another is refused, not silently wrong.
    embedding_model: Mapped[str] = mapped_column(String(500))
    embedding_dim: Mapped[int] = mapped_column(Integer)
    # The language model its activation caches and adapters were made for, once it has any.
    lm_name: Mapped[str | None] = mapped_column(String(500))
    lm_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Memory(Base):
    """`id` is the internal bigint (and FAISS id); `public_id` is what clients see."""

    __tablename__ = "memories"
    __table_args__ = (
        Index("ix_memories_cube_status_id", "tenant_id", "cube_id", "status", "id"),
        # Status and id too: the ids of a user's memories come from the index alone (`matching_ids`).
        Index("ix_memories_cube_user", "tenant_id", "cube_id", "user_id", "status", "id"),
        # With id last: search walks from a memory to its neighbours in the session (`session_neighbours`).
        Index("ix_memories_cube_session", "tenant_id", "cube_id", "session_id", "id"),
        # Every filter search offers has an index, so that a narrow one never reads the whole cube
        # (a week's time range over 1M memories: 600 ms to read its ids without one, 4 ms with).
        Index("ix_memories_cube_agent", "tenant_id", "cube_id", "agent_id", "status", "id"),
        Index("ix_memories_cube_type", "tenant_id", "cube_id", "memory_type", "status", "id"),
        Index("ix_memories_cube_event_time", "tenant_id", "cube_id", "event_time"),
        Index("ix_memories_content_tsv", "content_tsv", postgresql_using="gin"),
        Index("ix_memories_tags", "tags", postgresql_using="gin"),
        Index("ix_memories_cube_status_used", "tenant_id", "cube_id", "status", "updated_at"),
        Index("ix_memories_merged_into", "merged_into", postgresql_where=text("merged_into IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    public_id: Mapped[uuid.UUID] = mapped_column(UUID, unique=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cube_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cubes.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(String(200))
    agent_id: Mapped[str | None] = mapped_column(String(200))
    session_id: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="plaintext")
    memory_type: Mapped[str] = mapped_column(String(64), default="fact")
    content: Mapped[str] = mapped_column(Text)
    # Dimension is fixed by the migration from the configured embedder, not here. Both are large
    # and only ever used inside SQL (or by the index loader), so rows are read without them.
    embedding: Mapped[Any] = mapped_column(BinaryVector(), deferred=True)
    content_tsv: Mapped[Any] = mapped_column(TSVECTOR, Computed("to_tsvector('english', content)", persisted=True),
                                             deferred=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)
    event_time: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    importance: Mapped[float] = mapped_column(Float, default=0.5)
    access_count: Mapped[int] = mapped_column(Integer, default=0)
    last_accessed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    strength: Mapped[float] = mapped_column(Float, default=1.0)
    source: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("memories.id", ondelete="SET NULL"))
    survivor: Mapped["Memory | None"] = relationship(remote_side="Memory.id", lazy="selectin")
    # Written with the memory and replaced with its content; read only by the index loader and in SQL.
    passages: Mapped[list["MemoryPassage"]] = relationship(cascade="all, delete-orphan", order_by="MemoryPassage.ordinal",
                                                           passive_deletes=True)


class MemoryPassage(Base):
    """The vector of one passage (sentence) of a memory that says several things (`passages.py`):
    dense search scores a memory by the best of its whole text and its passages."""

    __tablename__ = "memory_passages"

    memory_id: Mapped[int] = mapped_column(ForeignKey("memories.id", ondelete="CASCADE"), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    embedding: Mapped[Any] = mapped_column(BinaryVector())


class MemoryVersion(Base):
    """A snapshot of a memory at each version, the current one included: the memory's history."""

    __tablename__ = "memory_versions"
    __table_args__ = (Index("uq_memory_versions_memory_version", "memory_id", "version", unique=True),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    memory_id: Mapped[int] = mapped_column(ForeignKey("memories.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    memory_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list)
    importance: Mapped[float] = mapped_column(Float)
    event_time: Mapped[datetime | None] = mapped_column(Timestamp)
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()


class MemoryChange(Base):
    """Append-only change log that derived indexes replay. No foreign key: it outlives purged rows."""

    __tablename__ = "memory_changes"
    __table_args__ = (Index("ix_memory_changes_cube_seq", "cube_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID)
    cube_id: Mapped[uuid.UUID] = mapped_column(UUID)
    memory_id: Mapped[int] = mapped_column(BigInteger)
    op: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = _now()


class Operation(Base):
    """One memory-manager decision with its inputs: the audit trail and a training set."""

    __tablename__ = "operations"
    __table_args__ = (
        Index("ix_operations_cube_id", "tenant_id", "cube_id", "id"),
        Index("ix_operations_memory_id", "memory_id", postgresql_where=text("memory_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cube_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cubes.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    memory_id: Mapped[int | None] = mapped_column(ForeignKey("memories.id", ondelete="SET NULL"))
    user_id: Mapped[str | None] = mapped_column(String(200))
    op: Mapped[str] = mapped_column(String(16))
    policy: Mapped[str] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(200))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    decision: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = _now()


class Job(Base):
    """Celery task bookkeeping, written before the task is sent so no job is ever lost."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("uq_jobs_tenant_idempotency", "tenant_id", "idempotency_key", unique=True),
        Index("ix_jobs_status_created", "status", "created_at"),
        Index("ix_jobs_tenant_cube_fingerprint", "tenant_id", "cube_id", "fingerprint"),
        Index("ix_jobs_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_jobs_cube_kind_created", "cube_id", "kind", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cube_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cubes.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    # A hash of what the job was asked to do: the same request sent again finds this job.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(100))
    # The W3C trace context of the request that made the job (when tracing): its run continues that trace.
    trace_context: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    # Progress a long job reports while it runs (e.g. step and loss), visible through the API.
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # times a worker started it
    sends: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # times handed to the broker
    created_at: Mapped[datetime] = _now()
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)


class CubeLifecycle(Base):
    """Where a cube's lifecycle work last stopped: consolidation looks only at what changed since."""

    __tablename__ = "cube_lifecycle"

    cube_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cubes.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID)
    consolidated_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    consolidated_at: Mapped[datetime | None] = mapped_column(Timestamp)
    forgotten_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Blob(Base):
    """An activation cache or an adapter: the bytes live in the content-addressed blob store under
    their sha256; this row says what they are, what they were built from, and for which model."""

    __tablename__ = "blobs"
    __table_args__ = (
        Index("ix_blobs_tenant_cube_kind", "tenant_id", "cube_id", "kind", "created_at"),
        Index("ix_blobs_memory_ids", "memory_ids", postgresql_using="gin"),
        Index("ix_blobs_sha256", "sha256"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cube_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cubes.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # activation | adapter
    status: Mapped[str] = mapped_column(String(16))  # ready | stale
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(32))
    lm_name: Mapped[str] = mapped_column(String(500))
    lm_fingerprint: Mapped[str] = mapped_column(String(64))
    memory_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))  # what it was built from: staleness looks here
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict)
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    use_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_used_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = _now()


class IdempotentRequest(Base):
    """The first response to an Idempotency-Key, stored in the same transaction as its writes."""

    __tablename__ = "idempotent_requests"

    # The tenant id, or "admin:<key id>" for admin calls, so two callers' keys never collide.
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    # Null only inside the claiming transaction, so no other caller ever sees it null.
    response: Mapped[Any | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _now()
