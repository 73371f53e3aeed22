import uuid

import pytest
from sqlalchemy import create_engine, inspect, text

from memos_service.db.migrate import downgrade, upgrade
from memos_service.db.schema import check_embedding_dimension, embedding_column_dimension
from tests.conftest import create_database

TABLES = {"tenants", "api_keys", "cubes", "memories", "memory_versions", "memory_changes", "operations", "jobs",
          "idempotent_requests", "cube_lifecycle", "blobs"}


def test_upgrade_downgrade_upgrade(pg_server):
    url = create_database(pg_server, "memos_migrations").replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(url)
    upgrade(url)
    assert TABLES <= set(inspect(engine).get_table_names())
    assert embedding_column_dimension(engine) == 384
    downgrade(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(url)
    assert TABLES <= set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        generated = connection.scalar(text(
            "SELECT is_generated FROM information_schema.columns WHERE table_name='memories' AND column_name='content_tsv'"))
    assert generated == "ALWAYS"
    engine.dispose()


def test_a_database_made_for_another_dimension_is_refused_clearly(pg_server):
    url = create_database(pg_server, "memos_dim").replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        connection.execute(text("CREATE TABLE memories (id bigint, embedding vector(1536))"))
    with pytest.raises(RuntimeError, match="stores 1536-d embeddings but the configured embedder .* makes 384-d"):
        check_embedding_dimension(engine, 384, "all-MiniLM-L6-v2")
    engine.dispose()


def test_a_cube_embedded_by_another_model_is_a_clear_409(client, tenant, cube):
    from memos_service.db.engine import session_scope
    from memos_service.db.models import Cube

    with session_scope() as session:
        session.get(Cube, uuid.UUID(cube["id"])).embedding_model = "text-embedding-3-large"
    for method, path, body in (("POST", "/search", {"query": "x"}), ("POST", "/memories", {"content": "x"})):
        refused = client.request(method, f"/v1/cubes/{cube['id']}{path}", json=body, headers=tenant.headers)
        assert refused.status_code == 409
        assert "text-embedding-3-large" in refused.json()["error"]["message"]


def test_the_migrations_build_the_schema_the_models_describe(pg_server):
    """An index or column added to the models without a migration (or the reverse) is caught here,
    not by a deployment whose database lacks it."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from memos_service.db.models import Base

    url = create_database(pg_server, "memos_models").replace("postgresql://", "postgresql+psycopg://")
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []
