"""Alembic environment: runs migrations online against the configured database."""

import pgvector.sqlalchemy  # noqa: F401  (registers the vector type for autogenerate and reflection)
from alembic import context
from sqlalchemy import create_engine, pool

from memos_service.db.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
