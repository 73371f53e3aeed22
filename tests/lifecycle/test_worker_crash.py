"""A worker killed (SIGKILL) in the middle of a consolidation: nothing half-applied, and the task the
broker redelivers completes it exactly once."""

import time
import uuid

from celery import Celery
from sqlalchemy import select

from memos_service.db.engine import session_scope
from memos_service.db.models import Job, Memory, MemoryVersion
from tests.conftest import running_worker
from tests.fakes.openai_server import Call, FakeOpenAI, Reply
from tests.lifecycle.conftest import create_job

MERGED = "Alice loves hiking in the Alps and enjoys it"


def wait_until(condition, timeout=90.0, message=""):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def job_row(job_id: uuid.UUID) -> Job:
    with session_scope() as session:
        return session.get(Job, job_id)


def cube_state(cube_id: str) -> list[tuple[str, str, int]]:
    with session_scope() as session:
        return [(m.content, m.status, m.version) for m in session.scalars(
            select(Memory).where(Memory.cube_id == uuid.UUID(cube_id)).order_by(Memory.id))]


def test_a_killed_consolidation_is_redelivered_and_applied_once(make_cube, add, tenant, redis_url, tmp_path):
    fake = FakeOpenAI().start()

    def script(call: Call) -> Reply:
        # The first merge request hangs: the worker is then mid-consolidation, plan made, nothing applied.
        return Reply({"text": MERGED}, delay=300 if len(fake.calls) == 1 else 0)

    fake.script = script
    cube = make_cube({"manager": "llm", "consolidation": {"summarize_sessions": False}})
    add(cube, "Alice loves hiking in the Alps", "Alice enjoys hiking in the Alps", user_id="alice")
    before = cube_state(cube["id"])
    # A broker of its own (another Redis database), so the session's worker never takes this task.
    broker = redis_url.rsplit("/", 1)[0] + "/1"
    env = {"MEMOS_REDIS_URL": broker, "MEMOS_LLM_BASE_URL": fake.base_url, "MEMOS_LLM_TIMEOUT_SECONDS": "600",
           "MEMOS_LLM_MAX_ATTEMPTS": "1", "MEMOS_LLM_BUDGET_SECONDS": "600"}
    try:
        with running_worker(tmp_path, **env) as worker:
            job_id = create_job(tenant.id, cube["id"], "consolidate", {"dry_run": False})
            sender = Celery("crash-test", broker=broker)
            sender.send_task("workers.lifecycle.consolidate", args=[str(job_id)], kwargs={"request_id": None},
                             queue="maintenance")
            wait_until(lambda: len(fake.calls) == 1, message=worker.read_log()[-3000:])
            assert job_row(job_id).status == "running"

            (child,) = worker.pool_children()
            child.kill()  # SIGKILL, mid-task
            child.wait(10)
            assert cube_state(cube["id"]) == before  # consistent: nothing half-applied

            wait_until(lambda: job_row(job_id).status in ("succeeded", "failed"), message=worker.read_log()[-3000:])
    finally:
        fake.stop()

    job = job_row(job_id)
    assert job.status == "succeeded", job.error
    assert job.attempts == 2 and job.result["applied"]["memories_merged"] == 1
    assert len(fake.calls) == 2
    after = {content: (status, version) for content, status, version in cube_state(cube["id"])}
    assert sorted(after.values()) == [("active", 2), ("merged", 2)]
    assert MERGED in after
    with session_scope() as session:
        ops = session.scalars(select(MemoryVersion.op).join(Memory, Memory.id == MemoryVersion.memory_id)
                              .where(Memory.cube_id == uuid.UUID(cube["id"])).order_by(MemoryVersion.id)).all()
    assert sorted(ops) == ["ADD", "ADD", "MERGE", "MERGE"]  # one merge, not two
