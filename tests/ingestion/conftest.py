"""Ingestion run in-process (the pipeline a worker runs) against the real database and embedder."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from memos_service.config import get_settings
from memos_service.db.engine import session_scope
from memos_service.db.jobs import JobRepository
from memos_service.embedding import get_embedder
from memos_service.ingestion.messages import request_fingerprint
from memos_service.ingestion.pipeline import Ingestion


def message(content: str, *, role: str = "user", day: int = 1, month: int = 5, id: str | None = None) -> dict[str, Any]:
    said = {"role": role, "content": content, "timestamp": datetime(2024, month, day, 12, tzinfo=UTC).isoformat()}
    return {**said, "id": id} if id else said


@pytest.fixture
def ingest(client, tenant, cube) -> Callable[..., dict[str, Any]]:
    """Runs one ingestion job for the test cube and returns its result."""
    settings = get_settings()

    def run(messages: list[dict[str, Any]], *, user_id: str = "ana", session_id: str = "s1",
            ingestion: Ingestion | None = None) -> dict[str, Any]:
        payload = {"messages": messages, "user_id": user_id, "agent_id": None, "session_id": session_id,
                   "conversation_id": None}
        with session_scope() as session:
            job = JobRepository(session, uuid.UUID(tenant.id)).create(
                cube_id=uuid.UUID(cube["id"]), kind="ingest", queue="ingest", payload=payload, idempotency_key=None,
                fingerprint=request_fingerprint(cube["id"], {}, messages), request_id=None)
            job_id = job.id
        result = (ingestion or Ingestion(settings, get_embedder())).run(job_id, session_scope)
        assert result is not None
        return result

    return run


@pytest.fixture
def active(client, tenant, cube) -> Callable[..., list[dict[str, Any]]]:
    """The cube's active memories (of one type, or all)."""

    def read(memory_type: str | None = None) -> list[dict[str, Any]]:
        params = {"limit": 200, **({"memory_type": memory_type} if memory_type else {})}
        listed = client.get(f"/v1/cubes/{cube['id']}/memories", params=params, headers=tenant.headers)
        assert listed.status_code == 200, listed.text
        return listed.json()["data"]

    return read
