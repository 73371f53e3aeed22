"""Embeddings go to Postgres in pgvector's binary form, exactly, and a connection opened before the
`vector` type exists still writes them (as text)."""

import numpy as np
from pgvector import Vector
from psycopg.adapt import PyFormat
from psycopg.pq import Format
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text

from memos_service.db.vectors import BinaryVector, send_vectors_in_binary
from tests.conftest import create_database


def _dumper_format(connection) -> Format:
    return connection.connection.dbapi_connection.adapters.get_dumper(Vector, PyFormat.AUTO).format


def test_vectors_round_trip_exactly_and_work_before_the_extension_exists(pg_server):
    url = create_database(pg_server, "memos_vectors").replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(url, pool_size=1, max_overflow=0)
    send_vectors_in_binary(engine)
    table = Table("vectors", MetaData(), Column("id", Integer, primary_key=True), Column("v", BinaryVector(3)))
    with engine.begin() as connection:  # this pooled connection was opened with no `vector` type known
        assert _dumper_format(connection) == Format.TEXT
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        table.create(connection)
    odd = np.array([0.1, -1 / 3, 1e-8], dtype=np.float32)  # floats whose decimal text is long
    with engine.begin() as connection:
        connection.execute(insert(table), [{"id": 1, "v": odd}])
        assert connection.execute(text("SELECT v::text FROM vectors")).scalar() is not None
    engine.dispose()  # a new connection, which knows the type: binary from now on
    with engine.begin() as connection:
        assert _dumper_format(connection) == Format.BINARY
        connection.execute(insert(table), [{"id": 2, "v": odd}, {"id": 3, "v": [1.0, 2.0, 3.0]}])
        rows = dict(connection.execute(select(table.c.id, table.c.v)).all())
    assert np.array_equal(np.asarray(rows[1], dtype=np.float32), odd)
    assert np.array_equal(np.asarray(rows[2], dtype=np.float32), odd)
    assert rows[3] == [1.0, 2.0, 3.0]
    engine.dispose()
