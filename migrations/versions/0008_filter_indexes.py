"""An index for each search filter that had none (agent, memory type, event time), so that a narrow
filter reads what it passes rather than the whole cube.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_memories_cube_agent": ["tenant_id", "cube_id", "agent_id", "status", "id"],
    "ix_memories_cube_type": ["tenant_id", "cube_id", "memory_type", "status", "id"],
    "ix_memories_cube_event_time": ["tenant_id", "cube_id", "event_time"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "memories", columns, unique=False)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="memories")
