"""The Celery app. Queues by concern so slow work never starves fast work:
`ingest` (managed ingestion), `maintenance` (sweeps, lifecycle), `heavy` (model work)."""

from datetime import timedelta

from celery import Celery
from kombu import Exchange, Queue

from memos_service.config import get_settings

QUEUES = ("ingest", "maintenance", "heavy")


def create_celery() -> Celery:
    settings = get_settings()
    app = Celery("memos", broker=settings.redis_url or "redis://127.0.0.1:6379/0",
                 include=["workers.maintenance", "workers.ingest"])
    app.conf.update(
        task_queues=[Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES],
        task_default_exchange="maintenance",
        task_default_routing_key="maintenance",
        task_default_queue="maintenance",
        # A task is acknowledged only when done, and one in hand when a worker dies goes back.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # Results live in Postgres (jobs table), never only in Redis.
        task_ignore_result=True,
        worker_hijack_root_logger=False,
        beat_schedule={
            "prune-idempotency-records": {"task": "workers.maintenance.prune_idempotency_records",
                                          "schedule": timedelta(hours=1)},
        },
    )
    return app


celery_app = create_celery()
