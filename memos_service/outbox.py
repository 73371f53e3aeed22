"""The transactional outbox for jobs: a job row is committed in Postgres first, then its task is
sent to the broker. A failed send leaves the row `pending`; a Redis restart loses `queued` ones;
a killed worker strands `running` ones. The sweeper (beat) sends all of them again, and since
every task applies its job at most once, sending one twice is harmless.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
import structlog

from memos_service.config import Settings
from memos_service.db import jobs
from memos_service.db.engine import session_scope
from memos_service.db.jobs import JobStatus

log = structlog.get_logger(__name__)
# The most broker messages one sweep reads to find lost ones (about 1 KB each).
MAX_MESSAGES_READ = 20_000


@dataclass(frozen=True)
class JobKind:
    name: str
    task: str
    queue: str


INGEST = JobKind("ingest", "workers.ingest.ingest_messages", "ingest")
CONSOLIDATE = JobKind("consolidate", "workers.lifecycle.consolidate", "maintenance")
FORGET = JobKind("forget", "workers.lifecycle.forget", "maintenance")
ACTIVATION = JobKind("activation", "workers.heavy.build_activation", "heavy")
ADAPTER = JobKind("adapter", "workers.heavy.train_adapter", "heavy")
KINDS = {kind.name: kind for kind in (INGEST, CONSOLIDATE, FORGET, ACTIVATION, ADAPTER)}


def send(job_id: uuid.UUID, kind: JobKind, request_id: str | None) -> bool:
    """Hands a committed job to the broker; False (and the job stays as it was) when that fails."""
    from workers.app import celery_app

    try:
        celery_app.send_task(kind.task, args=[str(job_id)], kwargs={"request_id": request_id}, queue=kind.queue,
                             retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5})
    except Exception as error:  # the broker's client raises many kinds; none may lose the job
        log.warning("job not sent; the sweeper will send it again", job_id=str(job_id), error=str(error))
        return False
    with session_scope() as session:
        jobs.mark_sent(session, job_id)
    return True


def held_by_broker(broker: redis.Redis, queues: set[str], job_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of the jobs have a message in the broker: waiting in one of `queues` (Celery's Redis lists,
    one per priority) or delivered and not yet acknowledged (its `unacked` hash). All of them when the
    broker cannot be read, or holds a backlog longer than `MAX_MESSAGES_READ` (then the later
    `job_requeue_after_seconds` rule applies): a job is never sent again on a guess."""
    try:
        lists = [key for queue in queues for key in broker.scan_iter(match=f"{queue}*", _type="list")]
        if sum(broker.llen(key) for key in lists) + broker.hlen("unacked") > MAX_MESSAGES_READ:
            return set(job_ids)
        held = [message for key in lists for message in broker.lrange(key, 0, -1)]
        held += broker.hvals("unacked")
    except redis.RedisError as error:
        log.warning("broker unreadable; no queued job is taken for lost", error=str(error))
        return set(job_ids)
    messages = b"\n".join(held)
    return {job_id for job_id in job_ids if str(job_id).encode() in messages}


def resend_stale(settings: Settings, now: datetime | None = None) -> dict[str, int]:
    """One sweep: sends again every job a broker may have lost; fails (dead letter, with the reason)
    those already sent `job_max_sends` times, so a job nobody can run does not circle forever."""
    now = now or datetime.now(UTC)
    counts = {"resent": 0, "failed": 0, "unsent": 0}
    grace = timedelta(seconds=settings.job_send_grace_seconds)
    with session_scope() as session:
        found = jobs.stale(session, now, send_grace=grace, requeue_after=timedelta(seconds=settings.job_requeue_after_seconds),
                           running_limit=timedelta(seconds=settings.job_time_limit_seconds * 1.5))
        seen = {job.id for job in found}
        found += [job for job in jobs.orphaned(session, now, grace) if job.id not in seen]
        # A queued job whose message the broker no longer holds (a Redis restart without its append-only
        # file) is found within a sweep, not after `job_requeue_after_seconds` (15 minutes by default).
        seen = {job.id for job in found}
        waiting = [job for job in jobs.waiting_in_queue(session, now - grace) if job.id not in seen]
        if waiting and settings.redis_url:
            with redis.Redis.from_url(settings.redis_url, socket_timeout=5) as broker:
                queues = {KINDS[job.kind].queue for job in waiting if job.kind in KINDS}
                held = held_by_broker(broker, queues, [job.id for job in waiting])
            found += [job for job in waiting if job.id not in held]
        due: list[tuple[uuid.UUID, JobKind, str | None]] = []
        for job in found:
            kind = KINDS.get(job.kind)
            if kind is None or job.sends >= settings.job_max_sends:
                reason = f"not finished after being sent {job.sends} times (last state: {job.status})"
                job.status, job.error, job.finished_at = JobStatus.failed, reason, now
                counts["failed"] += 1
            else:
                due.append((job.id, kind, job.request_id))
    for job_id, kind, request_id in due:
        counts["resent" if send(job_id, kind, request_id) else "unsent"] += 1
    if any(counts.values()):
        log.info("outbox sweep", **counts)
    return counts

