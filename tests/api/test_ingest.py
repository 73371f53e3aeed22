"""Managed ingestion through the API and a real Celery worker; jobs, operations and answer context."""

import time
import uuid

import pytest

MESSAGES = [
    {"role": "user", "content": "Hi! I moved to Lisbon in March.", "timestamp": "2024-05-01T10:00:00Z", "id": "u1"},
    {"role": "assistant", "content": "Lisbon is lovely. What do you do there?", "timestamp": "2024-05-01T10:00:05Z"},
    {"role": "user", "content": "I work as a pastry chef at Manteigaria.", "timestamp": "2024-05-01T10:01:00Z", "id": "u2"},
]


def ingest(client, tenant, cube, messages, *, wait=True, headers=None, **scope):
    body = {"messages": messages, "user_id": "ana", "session_id": "s1", **scope}
    return client.post(f"/v1/cubes/{cube['id']}/ingest", params={"wait": str(wait).lower()}, json=body,
                       headers={**tenant.headers, **(headers or {})})


def test_ingest_waits_for_the_worker_and_reports_operations(client, tenant, cube, worker):
    answer = ingest(client, tenant, cube, MESSAGES)
    assert answer.status_code == 200, answer.text
    job = answer.json()
    assert job["status"] == "succeeded" and job["kind"] == "ingest" and job["request_id"] == answer.headers["x-request-id"]
    assert [(op["op"], op["content"]) for op in job["result"]["operations"]] == [
        ("ADD", "Ana moved to Lisbon in March."), ("ADD", "Ana works as a pastry chef."), ("ADD", "Ana works at Manteigaria.")]
    assert client.get(f"/v1/jobs/{job['id']}", headers=tenant.headers).json() == job

    logged = client.get(f"/v1/cubes/{cube['id']}/operations", params={"job_id": job["id"]}, headers=tenant.headers)
    assert logged.status_code == 200
    assert [(entry["op"], entry["policy"]) for entry in logged.json()["data"]] == [("ADD", "learned")] * 3
    assert logged.json()["data"][0]["inputs"]["messages"] == [MESSAGES[0]["content"]]

    # The same request again: the first job, nothing applied twice.
    again = ingest(client, tenant, cube, MESSAGES)
    assert again.status_code == 200 and again.json()["id"] == job["id"]
    assert again.headers["idempotent-replayed"] == "true"
    listed = client.get(f"/v1/cubes/{cube['id']}/memories", params={"limit": 100}, headers=tenant.headers).json()
    assert len(listed["data"]) == 6  # three facts (the occupation, the employer), three turns


def test_ingest_without_wait_answers_202_and_the_job_finishes(client, tenant, cube, worker):
    answer = ingest(client, tenant, cube, MESSAGES[:1], wait=False)
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] in ("queued", "running", "succeeded")
    deadline = time.monotonic() + 60
    while (job := client.get(f"/v1/jobs/{answer.json()['id']}", headers=tenant.headers).json())["status"] != "succeeded":
        assert time.monotonic() < deadline and job["status"] != "failed", job
        time.sleep(0.2)
    assert job["result"]["counts"] == {"ADD": 1}


def test_idempotency_key_reused_for_other_messages_is_a_conflict(client, tenant, cube, worker):
    key = {"Idempotency-Key": f"ingest-{uuid.uuid4()}"}
    assert ingest(client, tenant, cube, MESSAGES[:1], headers=key).status_code == 200
    replay = ingest(client, tenant, cube, MESSAGES[:1], headers=key)
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    other = ingest(client, tenant, cube, MESSAGES[2:], headers=key)
    assert other.status_code == 409 and other.json()["error"]["type"] == "conflict"


def test_a_message_id_sent_again_with_other_content_is_a_conflict_not_a_replay(client, tenant, cube, worker):
    first = ingest(client, tenant, cube, MESSAGES[:1])
    assert first.status_code == 200, first.text
    assert ingest(client, tenant, cube, MESSAGES[:1]).headers["idempotent-replayed"] == "true"  # same id, same words
    reworded = [{**MESSAGES[0], "content": "Hi! I moved to Porto in March."}]
    for headers in (None, {"Idempotency-Key": f"reworded-{uuid.uuid4()}"}):
        refused = ingest(client, tenant, cube, reworded, headers=headers)
        assert refused.status_code == 409, refused.text
        assert "'u1' was ingested before with other content" in refused.json()["error"]["message"]
    listed = client.get(f"/v1/cubes/{cube['id']}/memories", headers=tenant.headers).json()["data"]
    assert not any("Porto" in memory["content"] for memory in listed)


@pytest.mark.parametrize("body, status", [
    ({"messages": []}, 422),
    ({"messages": [{"role": "robot", "content": "hi"}]}, 422),
    ({"messages": [{"role": "user", "content": ""}]}, 422),
    ({"messages": [{"role": "user", "content": "hi", "timestamp": "2024-05-01T10:00:00"}]}, 422),
    ({"messages": [{"role": "user", "content": "hi"}], "tenant_id": "other"}, 422),
    ({"messages": [{"role": "user", "content": "x" * 17000}]}, 413),
    ({"messages": [{"role": "user", "content": "hi"}] * 201}, 413),
])
def test_bad_ingestion_requests_are_refused_and_create_no_job(client, tenant, cube, body, status):
    answer = client.post(f"/v1/cubes/{cube['id']}/ingest", json=body, headers=tenant.headers)
    assert answer.status_code == status, answer.text
    assert set(answer.json()) == {"error"}


def test_jobs_and_operations_of_another_tenant_are_not_found(client, tenant, cube, make_tenant, worker):
    job = ingest(client, tenant, cube, MESSAGES[:1]).json()
    stranger = make_tenant()
    assert client.get(f"/v1/jobs/{job['id']}", headers=stranger.headers).status_code == 404
    assert client.get(f"/v1/jobs/{uuid.uuid4()}", headers=tenant.headers).status_code == 404
    assert client.get(f"/v1/cubes/{cube['id']}/operations", headers=stranger.headers).status_code == 404
    assert ingest(client, stranger, cube, MESSAGES[:1]).status_code == 404


def test_context_is_deduplicated_dated_ordered_and_within_budget(client, tenant, cube, worker):
    ingest(client, tenant, cube, MESSAGES)
    later = [{"role": "user", "content": "I started a new job as head baker at Padaria Lisboa.",
              "timestamp": "2024-09-10T09:00:00Z"}]
    assert ingest(client, tenant, cube, later, session_id="s2").json()["result"]["counts"] == {"UPDATE": 2}  # job, employer

    answer = client.post(f"/v1/cubes/{cube['id']}/context",
                         json={"question": "What does Ana do for a living?", "token_budget": 400}, headers=tenant.headers)
    assert answer.status_code == 200, answer.text
    context = answer.json()
    contents = [entry["memory"]["content"] for entry in context["memories"]]
    assert {"Ana started a new job as head baker.", "Ana works at Padaria Lisboa."} <= set(contents)
    assert not any("pastry chef" in text or "Manteigaria" in text for text in contents)  # superseded: only in history
    times = [entry["memory"]["event_time"] for entry in context["memories"]]
    assert times == sorted(times)
    assert context["text"].splitlines()[0] == "Memories (oldest first):"
    assert "[2024-09-10]" in context["text"] and context["tokens"] <= 400
    assert context["dropped_duplicates"] >= 1  # turns whose facts are already in the context

    small = client.post(f"/v1/cubes/{cube['id']}/context", json={"question": "Where does Ana live?", "token_budget": 30},
                        headers=tenant.headers).json()
    assert small["tokens"] <= 30 and small["dropped_over_budget"] >= 1 and len(small["memories"]) >= 1
