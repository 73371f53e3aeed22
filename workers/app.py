"""The Celery app. Queues by concern so slow work never starves fast work:
`ingest` (managed ingestion), `maintenance` (sweeps, lifecycle), `heavy` (model work)."""

from datetime import timedelta

from celery import Celery
from celery.signals import setup_logging, worker_process_init
from kombu import Exchange, Queue

from memos_service.config import get_settings
from memos_service.logging import configure_logging
from memos_service.tracing import instrument_worker

QUEUES = ("ingest", "maintenance", "heavy")


def create_celery() -> Celery:
    settings = get_settings()
    app = Celery("memos", broker=settings.redis_url or "redis://127.0.0.1:6379/0",
                 include=["workers.maintenance", "workers.ingest", "workers.lifecycle", "workers.heavy"])
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
        # An unacknowledged task goes to another worker only after this: longer than any task may run.
        broker_transport_options={"visibility_timeout": settings.job_time_limit_seconds * 2},
        # Results live in Postgres (jobs table), never only in Redis.
        task_ignore_result=True,
        worker_hijack_root_logger=False,
        beat_schedule={
            "prune-idempotency-records": {"task": "workers.maintenance.prune_idempotency_records",
                                          "schedule": timedelta(hours=1)},
            "resend-stale-jobs": {"task": "workers.maintenance.resend_stale_jobs",
                                  "schedule": timedelta(seconds=settings.job_sweep_seconds)},
            "collect-blob-garbage": {"task": "workers.maintenance.collect_blob_garbage",
                                     "schedule": timedelta(hours=1)},
            "schedule-lifecycle": {"task": "workers.lifecycle.schedule_lifecycle",
                                   "schedule": timedelta(seconds=settings.lifecycle_check_seconds)},
        },
    )
    return app


celery_app = create_celery()


@worker_process_init.connect
def _tracing(**_: object) -> None:
    """Each pool process exports its own spans (when the OTEL_* variables ask for it)."""
    instrument_worker()


@setup_logging.connect
def _logging(**_: object) -> None:
    """Workers and beat log like the API: structlog lines carrying the job and request ids."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
