"""A real `memos worker` process, fed through the real Redis broker."""

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from memos_service.db.engine import session_scope
from memos_service.db.models import IdempotentRequest


def test_worker_prunes_expired_idempotency_records(database_url, redis_url, worker):
    from workers.app import celery_app

    old = datetime.now(UTC) - timedelta(days=3)
    with session_scope() as session:
        session.add(IdempotentRequest(scope="prune-test", key="old", fingerprint="f", status_code=201, response={},
                                      created_at=old))
        session.add(IdempotentRequest(scope="prune-test", key="fresh", fingerprint="f", status_code=201, response={}))

    # The session's worker process (tests/conftest.py) runs the task.
    celery_app.send_task("workers.maintenance.prune_idempotency_records", queue="maintenance")
    deadline = time.monotonic() + 60
    keys = {"old", "fresh"}
    while time.monotonic() < deadline and "old" in keys:
        time.sleep(0.5)
        with session_scope() as session:
            keys = set(session.scalars(select(IdempotentRequest.key).where(IdempotentRequest.scope == "prune-test")))
    assert keys == {"fresh"}, worker.read_log()[-2000:]
