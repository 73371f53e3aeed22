"""Blobs: activation caches (and later adapters) stored as content-addressed files, indexed here;
cubes record the language model their blobs belong to. And the indexes a purge needs: deleting a
memory makes Postgres look for rows that reference it (merged copies, operations), which without
them is a full scan per deleted memory.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cubes", sa.Column("lm_name", sa.String(length=500), nullable=True))
    op.add_column("cubes", sa.Column("lm_fingerprint", sa.String(length=64), nullable=True))
    op.create_table(
        "blobs",
        sa.Column("id", postgresql.UUID(), nullable=False),
        sa.Column("tenant_id", postgresql.UUID(), nullable=False),
        sa.Column("cube_id", postgresql.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("lm_name", sa.String(length=500), nullable=False),
        sa.Column("lm_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("memory_ids", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("metadata", postgresql.JSONB(), nullable=False),
        sa.Column("job_id", postgresql.UUID(), nullable=True),
        sa.Column("use_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_blobs_tenant_id_tenants", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cube_id"], ["cubes.id"], name="fk_blobs_cube_id_cubes", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_blobs"),
    )
    op.create_index("ix_blobs_tenant_cube_kind", "blobs", ["tenant_id", "cube_id", "kind", "created_at"])
    op.create_index("ix_blobs_memory_ids", "blobs", ["memory_ids"], postgresql_using="gin")
    op.create_index("ix_blobs_sha256", "blobs", ["sha256"])
    op.create_index("ix_memories_merged_into", "memories", ["merged_into"], postgresql_where=sa.text("merged_into IS NOT NULL"))
    op.create_index("ix_operations_memory_id", "operations", ["memory_id"], postgresql_where=sa.text("memory_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_operations_memory_id", table_name="operations")
    op.drop_index("ix_memories_merged_into", table_name="memories")
    op.drop_table("blobs")
    op.drop_column("cubes", "lm_fingerprint")
    op.drop_column("cubes", "lm_name")
