"""Lifecycle jobs run in-process (the code a worker runs) against the real database, embedder and
FAISS indexes, on a clock the test sets."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from gpu_index import IndexManager
from memos_service.config import get_settings
from memos_service.db.engine import session_scope
from memos_service.db.jobs import JobRepository
from memos_service.embedding import get_embedder
from memos_service.lifecycle.consolidation import Consolidation
from memos_service.lifecycle.forgetting import run_forgetting
from memos_service.retrieval.index_source import PostgresChangeSource
from tests.ingestion.conftest import ingest  # noqa: F401  (the ingestion tests' fixture, shared)


@pytest.fixture(scope="module")
def worker_indexes(database_url, tmp_path_factory) -> IndexManager:
    """Indexes of their own, as a worker process has."""
    return IndexManager(PostgresChangeSource(), get_embedder().dimension, tmp_path_factory.mktemp("worker-indexes"))


def create_job(tenant_id: str, cube_id: str, kind: str, payload: dict[str, Any]) -> uuid.UUID:
    with session_scope() as session:
        return JobRepository(session, uuid.UUID(tenant_id)).create(
            cube_id=uuid.UUID(cube_id), kind=kind, queue="maintenance", payload=payload).id


@pytest.fixture
def consolidate(tenant, worker_indexes) -> Callable[..., dict[str, Any]]:
    def run(cube: dict, *, dry_run: bool = False, settings=None, at: datetime | None = None) -> dict[str, Any]:
        job_id = create_job(tenant.id, cube["id"], "consolidate",
                            {"dry_run": dry_run, **({"as_of": at.isoformat()} if at else {})})
        result = Consolidation(settings or get_settings(), get_embedder(), worker_indexes,
                               lambda: datetime.now(UTC)).run(job_id, session_scope)
        assert result is not None
        return result

    return run


@pytest.fixture
def forget(tenant) -> Callable[..., dict[str, Any]]:
    def run(cube: dict, at: datetime, *, dry_run: bool = False) -> dict[str, Any]:
        job_id = create_job(tenant.id, cube["id"], "forget", {"dry_run": dry_run, "as_of": at.isoformat()})
        result = run_forgetting(job_id, session_scope, lambda: datetime.now(UTC))
        assert result is not None
        return result

    return run


@pytest.fixture
def make_cube(client, tenant) -> Callable[..., dict]:
    def make(config: dict | None = None) -> dict:
        created = client.post("/v1/cubes", json={"name": f"c-{uuid.uuid4().hex[:8]}", "config": config or {}},
                              headers=tenant.headers)
        assert created.status_code == 201, created.text
        return created.json()

    return make


@pytest.fixture
def add(client, tenant) -> Callable[..., list[dict]]:
    def write(cube: dict, *items: dict | str, **common: Any) -> list[dict]:
        body = [{"content": item, **common} if isinstance(item, str) else {**common, **item} for item in items]
        added = client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": body}, headers=tenant.headers)
        assert added.status_code == 201, added.text
        return added.json()["data"]

    return write


@pytest.fixture
def memory(client, tenant) -> Callable[[dict, str], dict]:
    def read(cube: dict, memory_id: str) -> dict:
        found = client.get(f"/v1/cubes/{cube['id']}/memories/{memory_id}", headers=tenant.headers)
        assert found.status_code == 200, found.text
        return found.json()

    return read


@pytest.fixture
def search(client, tenant) -> Callable[..., list[dict]]:
    def query(cube: dict, text: str, **options: Any) -> list[dict]:
        found = client.post(f"/v1/cubes/{cube['id']}/search", json={"query": text, "top_k": 10, **options},
                            headers=tenant.headers)
        assert found.status_code == 200, found.text
        return found.json()["data"]

    return query
