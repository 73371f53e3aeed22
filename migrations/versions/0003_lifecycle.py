"""Lifecycle: jobs count their sends (the outbox sweeper gives up after a limit) and carry
progress; each cube keeps where consolidation and forgetting last stopped.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("sends", sa.Integer(), server_default="0", nullable=False))
    op.add_column("jobs", sa.Column("progress", postgresql.JSONB(), nullable=True))
    op.create_index("ix_jobs_tenant_created", "jobs", ["tenant_id", "created_at", "id"])
    op.create_index("ix_jobs_cube_kind_created", "jobs", ["cube_id", "kind", "created_at"])
    op.create_index("ix_memories_cube_status_used", "memories", ["tenant_id", "cube_id", "status", "updated_at"])
    op.create_table(
        "cube_lifecycle",
        sa.Column("cube_id", postgresql.UUID(), sa.ForeignKey("cubes.id", ondelete="CASCADE",
                                                              name="fk_cube_lifecycle_cube_id_cubes"), nullable=False),
        sa.Column("tenant_id", postgresql.UUID(), nullable=False),
        sa.Column("consolidated_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("consolidated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("cube_id", name="pk_cube_lifecycle"),
    )


def downgrade() -> None:
    op.drop_table("cube_lifecycle")
    op.drop_index("ix_memories_cube_status_used", table_name="memories")
    op.drop_index("ix_jobs_cube_kind_created", table_name="jobs")
    op.drop_index("ix_jobs_tenant_created", table_name="jobs")
    op.drop_column("jobs", "progress")
    op.drop_column("jobs", "sends")
