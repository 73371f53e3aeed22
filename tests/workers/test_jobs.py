"""Jobs through the real Redis broker and a real worker process: the outbox sweeper, dead letters,
cancellation, listing, lifecycle jobs started through the API, and request ids in the worker's logs."""

import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from memos_service.config import get_settings
from memos_service.db.engine import session_scope
from memos_service.db.models import Job
from memos_service.outbox import resend_stale
from tests.lifecycle.conftest import create_job


def wait_for_status(client, tenant, job_id, statuses=("succeeded", "failed", "cancelled"), timeout=60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/v1/jobs/{job_id}", headers=tenant.headers).json()
        if job["status"] in statuses or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def test_the_sweeper_sends_a_job_that_was_written_but_never_sent(client, tenant, cube, worker):
    from workers.app import celery_app

    # A crash between commit and send: the row exists, the broker never heard of it.
    job_id = create_job(tenant.id, cube["id"], "forget", {"dry_run": True})
    assert client.get(f"/v1/jobs/{job_id}", headers=tenant.headers).json()["status"] == "pending"
    # Beat's sweeper task, on the real worker, as if its grace period had passed.
    later = (datetime.now(UTC) + timedelta(seconds=get_settings().job_send_grace_seconds + 5)).isoformat()
    celery_app.send_task("workers.maintenance.resend_stale_jobs", kwargs={"now": later}, queue="maintenance")
    job = wait_for_status(client, tenant, job_id)
    assert job["status"] == "succeeded", worker.read_log()[-3000:]
    assert job["sends"] >= 1 and job["attempts"] == 1 and job["result"]["dry_run"] is True


def test_a_job_sent_too_often_without_finishing_becomes_a_dead_letter(client, tenant, cube):
    job_id = create_job(tenant.id, cube["id"], "forget", {"dry_run": True})
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    with session_scope() as session:
        session.execute(update(Job).where(Job.id == job_id).values(status="queued", sends=5, sent_at=long_ago,
                                                                   created_at=long_ago))
    counts = resend_stale(get_settings().model_copy(update={"job_max_sends": 5}))
    assert counts["failed"] >= 1
    job = client.get(f"/v1/jobs/{job_id}", headers=tenant.headers).json()
    assert job["status"] == "failed" and "sent 5 times" in job["error"]
    dead = client.get("/v1/jobs", params={"status": "failed"}, headers=tenant.headers).json()["data"]
    assert job_id in [uuid.UUID(entry["id"]) for entry in dead]


def test_a_failing_task_leaves_its_job_failed_with_the_error(client, tenant, cube, worker):
    from memos_service.outbox import FORGET, send

    job_id = create_job(tenant.id, cube["id"], "forget", {"as_of": "not a time"})
    assert send(job_id, FORGET, None)
    job = wait_for_status(client, tenant, job_id)
    assert job["status"] == "failed" and "Invalid isoformat string" in job["error"]
    assert job["finished_at"] is not None and job["result"] is None


def test_cancelled_jobs_are_not_run_and_finished_ones_cannot_be_cancelled(client, tenant, cube, worker):
    from memos_service.outbox import FORGET, send

    job_id = create_job(tenant.id, cube["id"], "forget", {"dry_run": True})
    cancelled = client.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    send(job_id, FORGET, None)  # a copy that was already in the queue
    done = client.post(f"/v1/cubes/{cube['id']}/forget?wait=true", json={"dry_run": True}, headers=tenant.headers)
    assert done.status_code == 200 and done.json()["status"] == "succeeded"
    job = client.get(f"/v1/jobs/{job_id}", headers=tenant.headers).json()
    assert job["status"] == "cancelled" and job["result"] is None and job["attempts"] == 0
    again = client.post(f"/v1/jobs/{done.json()['id']}/cancel", headers=tenant.headers)
    assert again.status_code == 409


def test_jobs_are_listed_newest_first_by_kind_and_cube(client, tenant, make_tenant, cube, worker):
    first = client.post(f"/v1/cubes/{cube['id']}/forget", json={"dry_run": True}, headers=tenant.headers).json()
    second = client.post(f"/v1/cubes/{cube['id']}/consolidate", json={"dry_run": True}, headers=tenant.headers).json()
    listed = client.get("/v1/jobs", params={"cube_id": cube["id"], "limit": 1}, headers=tenant.headers).json()
    assert [job["id"] for job in listed["data"]] == [second["id"]] and listed["has_more"]
    rest = client.get("/v1/jobs", params={"cube_id": cube["id"], "after": listed["next_cursor"]}, headers=tenant.headers)
    assert [job["id"] for job in rest.json()["data"]] == [first["id"]]
    by_kind = client.get("/v1/jobs", params={"kind": "forget", "cube_id": cube["id"]}, headers=tenant.headers).json()
    assert [job["id"] for job in by_kind["data"]] == [first["id"]]
    assert client.get("/v1/jobs", headers=make_tenant().headers).json()["data"] == []
    assert client.get(f"/v1/jobs/{first['id']}", headers=make_tenant().headers).status_code == 404


def test_consolidation_through_the_api_and_the_worker(client, tenant, cube, worker):
    url = f"/v1/cubes/{cube['id']}/memories/batch"
    items = [{"content": "Hana plays the violin in an orchestra", "user_id": "hana"},
             {"content": "Hana plays violin in an orchestra", "user_id": "hana"}]
    client.post(url, json={"items": items}, headers=tenant.headers)
    headers = {**tenant.headers, "Idempotency-Key": "consolidate-once", "X-Request-ID": "req-consolidate-1"}
    done = client.post(f"/v1/cubes/{cube['id']}/consolidate?wait=true", json={}, headers=headers)
    assert done.status_code == 200, done.text
    job = done.json()
    assert job["status"] == "succeeded" and job["result"]["applied"]["memories_merged"] == 1
    assert job["request_id"] == "req-consolidate-1"
    replay = client.post(f"/v1/cubes/{cube['id']}/consolidate", json={}, headers=headers)
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true" and replay.json()["id"] == job["id"]
    other = client.post(f"/v1/cubes/{cube['id']}/consolidate", json={"dry_run": True}, headers=headers)
    assert other.status_code == 409
    # The request id reaches the worker's log lines for the job.
    deadline = time.monotonic() + 10
    while "req-consolidate-1" not in worker.read_log() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "req-consolidate-1" in worker.read_log()


def test_beat_schedules_lifecycle_jobs_for_cubes_whose_interval_passed(client, tenant, worker):
    from workers.lifecycle import schedule_lifecycle

    config = {"consolidation": {"interval_minutes": 60}, "forgetting": {"interval_minutes": 120}}
    cube = client.post("/v1/cubes", json={"name": f"sched-{uuid.uuid4().hex[:6]}", "config": config},
                       headers=tenant.headers).json()
    off = client.post("/v1/cubes", json={"name": f"off-{uuid.uuid4().hex[:6]}",
                                         "config": {"consolidation": {"enabled": False}, "forgetting": {"enabled": False}}},
                      headers=tenant.headers).json()

    def kinds(cube_id):
        jobs = client.get("/v1/jobs", params={"cube_id": cube_id}, headers=tenant.headers).json()["data"]
        for job in jobs:
            assert wait_for_status(client, tenant, job["id"])["status"] == "succeeded"
        return sorted(job["kind"] for job in jobs)

    def schedule(minutes: float) -> list[str]:
        # This tenant's cubes only: the other tests' cubes share the database.
        schedule_lifecycle(at=(datetime.now(UTC) + timedelta(minutes=minutes)).isoformat(), tenant_id=tenant.id)
        return kinds(cube["id"])

    assert schedule(30) == []  # a new cube waits one interval
    assert schedule(61) == ["consolidate"]
    assert schedule(90) == ["consolidate"]  # the last one is recent
    assert schedule(125) == ["consolidate", "consolidate", "forget"]
    assert kinds(off["id"]) == []


def test_a_job_whose_worker_keeps_dying_is_failed_not_redelivered_forever(client, tenant, cube):
    from memos_service.db.jobs import MAX_ATTEMPTS, claim

    job_id = create_job(tenant.id, cube["id"], "consolidate", {})
    for _ in range(MAX_ATTEMPTS):  # each run's worker dies before finishing (SIGKILL, a native crash)
        with session_scope() as session:
            assert claim(session, job_id, datetime.now(UTC)) is not None
    with session_scope() as session:
        assert claim(session, job_id, datetime.now(UTC)) is None
    job = client.get(f"/v1/jobs/{job_id}", headers=tenant.headers).json()
    assert job["status"] == "failed" and "gave up after 3 attempts" in job["error"]


def test_one_cubes_config_never_stops_lifecycle_scheduling_for_the_others(client, tenant, worker):
    from memos_service.db.models import Cube
    from workers.lifecycle import schedule_lifecycle

    # Numbers beat adds to datetimes are bounded: these made its scheduler raise OverflowError every minute.
    for config in ({"consolidation": {"interval_minutes": 2_000_000_000}}, {"activation": {"retire_unused_days": 1e300}},
                   {"forgetting": {"stability_days": 1e300}}, {"forgetting": {"max_memories": 2**40}}):
        answer = client.post("/v1/cubes", json={"name": f"huge-{uuid.uuid4().hex[:6]}", "config": config},
                             headers=tenant.headers)
        assert answer.status_code == 422, (config, answer.text)
    # A config stored before its bound existed: that cube is skipped, the others are scheduled.
    broken = client.post("/v1/cubes", json={"name": f"old-{uuid.uuid4().hex[:6]}"}, headers=tenant.headers).json()
    with session_scope() as session:
        session.execute(update(Cube).where(Cube.id == uuid.UUID(broken["id"])).values(
            config={"consolidation": {"interval_minutes": 2_000_000_000}, "activation": {"retire_unused_days": 1e300}}))
    healthy = client.post("/v1/cubes", json={"name": f"ok-{uuid.uuid4().hex[:6]}"}, headers=tenant.headers).json()
    scheduled = schedule_lifecycle(at=(datetime.now(UTC) + timedelta(days=2)).isoformat(), tenant_id=tenant.id)
    assert scheduled == 2  # the healthy cube's consolidation and forgetting
    jobs = client.get("/v1/jobs", params={"cube_id": healthy["id"]}, headers=tenant.headers).json()["data"]
    assert sorted(job["kind"] for job in jobs) == ["consolidate", "forget"]
    assert client.get("/v1/jobs", params={"cube_id": broken["id"]}, headers=tenant.headers).json()["data"] == []


def test_a_running_job_whose_worker_died_is_sent_again_within_a_sweep(client, tenant, cube, worker):
    from memos_service.db.jobs import job_lock_name
    from memos_service.db.locks import session_lock

    dead = create_job(tenant.id, cube["id"], "forget", {"dry_run": True})
    alive = create_job(tenant.id, cube["id"], "forget", {"dry_run": True})
    two_minutes_ago = datetime.now(UTC) - timedelta(minutes=2)
    with session_scope() as session:  # both claimed by a delivery two minutes ago; one worker was killed since
        session.execute(update(Job).where(Job.id.in_([dead, alive])).values(
            status="running", started_at=two_minutes_ago, sent_at=two_minutes_ago, sends=1, attempts=1))
    with session_lock(job_lock_name(alive), wait=False) as held:  # this one's worker still runs it
        assert held
        counts = resend_stale(get_settings())
        assert counts["resent"] >= 1
        assert client.get(f"/v1/jobs/{alive}", headers=tenant.headers).json()["sends"] == 1
    # Not after 1.5 time limits (45 minutes by default): at the next sweep.
    job = wait_for_status(client, tenant, dead)
    assert job["status"] == "succeeded" and job["sends"] == 2 and job["attempts"] == 2, job
