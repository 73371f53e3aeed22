"""A queued job whose message the broker lost (a Redis restart without its append-only file) is sent
again at the next sweep, not after `job_requeue_after_seconds`; one whose message is still there is not."""

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import redis
from sqlalchemy import update

from memos_service.config import get_settings
from memos_service.db.engine import session_scope
from memos_service.db.models import Job
from memos_service.outbox import held_by_broker, resend_stale
from tests.lifecycle.conftest import create_job


def test_the_broker_holds_what_waits_in_a_queue_or_is_delivered_unacknowledged(database_url):
    url = urlsplit(get_settings().redis_url)
    broker = redis.Redis.from_url(urlunsplit(url._replace(path="/8")))
    broker.flushdb()
    waiting, priority, delivered, lost = (uuid.uuid4() for _ in range(4))

    def message(job_id: uuid.UUID) -> bytes:  # the shape of a Celery message: the job id is in its body
        return json.dumps({"body": "...", "headers": {"argsrepr": f"['{job_id}']"}}).encode()

    broker.lpush("ingest", message(waiting))
    broker.lpush("heavy\x06\x163", message(priority))  # a priority level's list
    broker.hset("unacked", "tag-1", json.dumps([json.loads(message(delivered)), "", "ingest"]))
    held = held_by_broker(broker, {"ingest", "heavy"}, [waiting, priority, delivered, lost])
    assert held == {waiting, priority, delivered}
    broker.flushdb()


def test_a_queued_job_whose_message_was_lost_is_sent_again_at_the_next_sweep(client, tenant, cube, worker):
    job_id = create_job(tenant.id, cube["id"], "forget", {"dry_run": True})
    # Sent a minute ago, never started, and not in the broker: its message is gone.
    a_minute_ago = datetime.now(UTC) - timedelta(seconds=60)
    with session_scope() as session:
        session.execute(update(Job).where(Job.id == job_id).values(status="queued", sends=1, sent_at=a_minute_ago))
    assert get_settings().job_requeue_after_seconds > 60
    assert resend_stale(get_settings())["resent"] >= 1
    deadline = time.monotonic() + 60
    while (job := client.get(f"/v1/jobs/{job_id}", headers=tenant.headers).json())["status"] != "succeeded":
        assert time.monotonic() < deadline, (job, worker.read_log()[-2000:])
        time.sleep(0.2)
    assert job["sends"] == 2 and job["attempts"] == 1
