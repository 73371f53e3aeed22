"""Embeddings travel to Postgres in pgvector's binary form.

As text a 384-d vector is 7 KB of decimals that Python formats (about 240 µs) and Postgres parses
back; in binary it is the 1.5 KB of floats it already is (about 3 µs). The dumper that writes it
is registered on each new connection, once the `vector` type is known there.
"""

from typing import Any

from pgvector import Vector
from pgvector.psycopg.vector import VectorDumper, register_vector_info
from pgvector.sqlalchemy import VECTOR
from psycopg.types import TypeInfo
from sqlalchemy import Dialect, Engine, event


class BinaryVector(VECTOR):
    """A `vector` column whose values are handed to psycopg as they are, for its dumper to write."""

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        def process(value: Any) -> Vector | None:
            return None if value is None or isinstance(value, Vector) else Vector(value)

        return process


def send_vectors_in_binary(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def register(dbapi_connection: Any, _record: Any) -> None:
        info = TypeInfo.fetch(dbapi_connection, "vector")
        dbapi_connection.rollback()  # the lookup opened a transaction; the pool expects none
        if info is not None:
            register_vector_info(dbapi_connection, info)
        else:
            # A database migrations have not reached yet: text, which Postgres casts once the type exists.
            dbapi_connection.adapters.register_dumper(Vector, VectorDumper)
