"""A job delivered twice, or run twice at once, applies its operations once."""

import threading
import uuid

from memos_service.config import get_settings
from memos_service.db.engine import session_scope
from memos_service.db.jobs import JobRepository, JobStatus
from memos_service.db.models import Job
from memos_service.embedding import get_embedder
from memos_service.ingestion.pipeline import Ingestion
from tests.ingestion.conftest import message


def new_job(tenant, cube, messages) -> uuid.UUID:
    with session_scope() as session:
        job = JobRepository(session, uuid.UUID(tenant.id)).create(
            cube_id=uuid.UUID(cube["id"]), kind="ingest", queue="ingest", idempotency_key=None, fingerprint=None,
            request_id=None, payload={"messages": messages, "user_id": "ana", "session_id": "s1"})
        return job.id


def test_a_redelivered_job_changes_nothing(tenant, cube, active):
    job_id = new_job(tenant, cube, [message("I live in Lisbon."), message("I love surfing.")])
    ingestion = Ingestion(get_settings(), get_embedder())
    with session_scope() as session:  # as a worker killed mid-job leaves it: started, nothing applied
        session.get(Job, job_id).status = JobStatus.running
    assert ingestion.run(job_id, session_scope)["counts"] == {"ADD": 2}
    state = active()
    assert ingestion.run(job_id, session_scope) is None
    assert active() == state
    with session_scope() as session:
        job = session.get(Job, job_id)
        assert (job.status, job.attempts) == ("succeeded", 1)


def test_two_deliveries_at_once_apply_once(tenant, cube, active):
    job_id = new_job(tenant, cube, [message("I work at Siemens."), message("My cat is called Mia.")])
    ingestion = Ingestion(get_settings(), get_embedder())
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(ingestion.run(job_id, session_scope))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=lambda result: result is None)[1] is None
    assert len([memory for memory in active() if memory["memory_type"] != "episode"]) == 2
    assert len(active("episode")) == 2
