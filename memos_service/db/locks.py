"""Postgres advisory locks held by a connection for as long as some work runs, across the many
transactions it may commit. A process that dies loses its connection, and Postgres frees its
locks with it: no lock outlives its holder, whatever killed it."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from memos_service.db.engine import get_engine


@contextmanager
def session_lock(name: str, *, wait: bool) -> Iterator[bool]:
    """Holds the lock called `name` for the block. With `wait`, blocks until it is free; without,
    yields False at once when someone else holds it."""
    key = func.hashtextextended(name, 0)
    with get_engine().connect() as connection:
        if wait:
            connection.execute(select(func.pg_advisory_lock(key)))
            held = True
        else:
            held = bool(connection.scalar(select(func.pg_try_advisory_lock(key))))
        connection.commit()
        try:
            yield held
        finally:
            if held:
                # Unlocked before the connection goes back to the pool, where the lock would linger.
                connection.execute(select(func.pg_advisory_unlock(key)))
                connection.commit()
