"""Jobs remember a fingerprint of their request, so a re-sent ingestion finds its first job.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("fingerprint", sa.String(length=64), nullable=True))
    op.create_index("ix_jobs_tenant_cube_fingerprint", "jobs", ["tenant_id", "cube_id", "fingerprint"])


def downgrade() -> None:
    op.drop_index("ix_jobs_tenant_cube_fingerprint", table_name="jobs")
    op.drop_column("jobs", "fingerprint")
