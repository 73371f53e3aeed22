"""Model work on the `heavy` queue: activation caches (KV) and LoRA adapters built from plaintext memories."""

import uuid

from memos_service.config import get_settings
from memos_service.db.engine import session_scope
from memos_service.lm.activation import run_activation_build
from memos_service.lm.adapter import run_adapter_training
from memos_service.outbox import ACTIVATION, ADAPTER
from workers.jobs import job_task, now


@job_task(ACTIVATION)
def build_activation(job_id: uuid.UUID) -> None:
    run_activation_build(job_id, session_scope, get_settings(), now)


@job_task(ADAPTER)
def train_adapter(job_id: uuid.UUID) -> None:
    run_adapter_training(job_id, session_scope, get_settings(), now)
