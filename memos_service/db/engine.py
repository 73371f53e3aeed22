"""One engine per process, created lazily (after any fork) from the settings."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from memos_service.config import get_settings
from memos_service.db.vectors import send_vectors_in_binary
from memos_service.tracing import instrument_engine


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    engine = create_engine(
        settings.sqlalchemy_url,
        pool_size=settings.db_pool_size,
        pool_pre_ping=True,
        # No server-side prepared statements: after five runs psycopg prepares a query, and Postgres
        # may then plan it generically, with its parameters unknown. On a freshly written cube (no
        # statistics yet) a full-text search planned so parsed its tsquery again for every row:
        # 23 ms where the same query planned with its values took 4 ms (5k memories). Planning each
        # query costs a fraction of a millisecond.
        connect_args={"application_name": "memos", "prepare_threshold": None},
        # An error's message must not carry the statement's values: memory content, user ids and
        # embeddings reached the logs through them.
        hide_parameters=True,
    )
    send_vectors_in_binary(engine)
    instrument_engine(engine)  # SQL spans, when tracing is on
    return engine


@lru_cache
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(get_engine(), expire_on_commit=False)


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: committed when the block succeeds, rolled back when it raises."""
    with _session_factory()() as session, session.begin():
        yield session
