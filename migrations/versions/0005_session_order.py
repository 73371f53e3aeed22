"""The session index ends with the memory id, so search can walk from a memory to the ones
remembered just before and after it in its session without reading the whole session.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_memories_cube_session", table_name="memories")
    op.create_index("ix_memories_cube_session", "memories", ["tenant_id", "cube_id", "session_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_memories_cube_session", table_name="memories")
    op.create_index("ix_memories_cube_session", "memories", ["tenant_id", "cube_id", "session_id"], unique=False)
