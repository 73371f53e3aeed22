"""Managed ingestion on the `ingest` queue: the pipeline applies a job exactly once however often
its task is delivered."""

import uuid

from memos_service.config import get_settings
from memos_service.db.engine import session_scope
from memos_service.embedding import get_embedder
from memos_service.ingestion.pipeline import Ingestion
from memos_service.outbox import INGEST
from workers.jobs import job_task, now


@job_task(INGEST)
def ingest_messages(job_id: uuid.UUID) -> None:
    Ingestion(get_settings(), get_embedder(), now).run(job_id, session_scope)
