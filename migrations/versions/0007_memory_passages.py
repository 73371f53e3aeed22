"""Passage vectors: one per sentence of a memory that says several things, beside its whole-text
vector (`memos_service/passages.py`). Memories stored before this have none until `memos reindex
--passages` embeds them; until then they are found by their whole text, as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The dimension the memories' own vectors were created with, not whatever embedder is configured now.
    dimension = op.get_bind().scalar(sa.text(
        "SELECT atttypmod FROM pg_attribute WHERE attrelid = 'memories'::regclass AND attname = 'embedding'"))
    op.create_table(
        "memory_passages",
        sa.Column("memory_id", sa.BigInteger(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("embedding", Vector(dimension), nullable=False),
        sa.ForeignKeyConstraint(["memory_id"], ["memories.id"], name=op.f("fk_memory_passages_memory_id_memories"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("memory_id", "ordinal", name=op.f("pk_memory_passages")),
    )


def downgrade() -> None:
    op.drop_table("memory_passages")
