import uuid

import pytest


def memories_url(cube: dict) -> str:
    return f"/v1/cubes/{cube['id']}/memories"


def add(client, tenant, cube, **fields) -> dict:
    response = client.post(memories_url(cube), json={"content": "a fact", **fields}, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_add_and_get_keep_everything_given(client, tenant, cube):
    memory = add(client, tenant, cube, content="Alice adopted a cat named Miso", memory_type="event",
                 user_id="alice", agent_id="helper", session_id="s1", event_time="2023-05-08T13:56:00+02:00",
                 importance=0.9, tags=["pets"], metadata={"mood": "happy", "n": [1, 2.5, None]},
                 source={"message_ids": ["D1:3"], "role": "user", "conversation_id": "c-1"})
    fetched = client.get(f"{memories_url(cube)}/{memory['id']}", headers=tenant.headers).json()
    assert fetched == memory
    assert fetched["event_time"] == "2023-05-08T11:56:00Z"
    assert fetched["status"] == "active" and fetched["version"] == 1 and fetched["kind"] == "plaintext"
    assert fetched["source"]["message_ids"] == ["D1:3"] and fetched["metadata"]["n"] == [1, 2.5, None]


def test_batch_is_all_or_nothing(client, tenant, cube, settings_limits):
    items = [{"content": f"fact {i}"} for i in range(3)]
    created = client.post(f"{memories_url(cube)}/batch", json={"items": items}, headers=tenant.headers)
    assert created.status_code == 201
    assert [m["content"] for m in created.json()["data"]] == ["fact 0", "fact 1", "fact 2"]

    oversize = [{"content": "fits"}, {"content": "x" * (settings_limits.max_content_bytes + 1)}]
    refused = client.post(f"{memories_url(cube)}/batch", json={"items": oversize}, headers=tenant.headers)
    assert refused.status_code == 413
    too_many = [{"content": "x"}] * (settings_limits.max_batch_size + 1)
    assert client.post(f"{memories_url(cube)}/batch", json={"items": too_many}, headers=tenant.headers).status_code == 413
    assert client.post(f"{memories_url(cube)}/batch", json={"items": []}, headers=tenant.headers).status_code == 422
    listed = client.get(memories_url(cube), headers=tenant.headers).json()["data"]
    assert len(listed) == 3


def test_update_writes_a_version_and_history_keeps_every_one(client, tenant, cube):
    memory = add(client, tenant, cube, content="Alice lives in Paris", user_id="alice")
    url = f"{memories_url(cube)}/{memory['id']}"
    updated = client.patch(url, json={"content": "Alice lives in Berlin", "reason": "moved"}, headers=tenant.headers)
    assert updated.status_code == 200
    assert updated.json()["version"] == 2 and updated.json()["content"] == "Alice lives in Berlin"
    client.patch(url, json={"tags": ["home"], "importance": 1.0}, headers=tenant.headers)
    deleted = client.delete(url, params={"reason": "user asked"}, headers=tenant.headers)
    assert deleted.json()["status"] == "deleted" and deleted.json()["version"] == 4

    history = client.get(f"{url}/history", headers=tenant.headers).json()["versions"]
    assert [(v["version"], v["op"], v["content"], v["status"]) for v in history] == [
        (1, "ADD", "Alice lives in Paris", "active"),
        (2, "UPDATE", "Alice lives in Berlin", "active"),
        (3, "UPDATE", "Alice lives in Berlin", "active"),
        (4, "DELETE", "Alice lives in Berlin", "deleted"),
    ]
    assert history[1]["reason"] == "moved" and history[3]["reason"] == "user asked"
    assert history[2]["tags"] == ["home"] and history[0]["tags"] == []
    assert all(v["actor"].startswith("key:") for v in history)


def test_tombstones_leave_lists_and_cannot_be_updated(client, tenant, cube):
    kept = add(client, tenant, cube, content="kept")
    gone = add(client, tenant, cube, content="gone")
    url = f"{memories_url(cube)}/{gone['id']}"
    client.delete(url, headers=tenant.headers)
    assert client.delete(url, headers=tenant.headers).json()["version"] == 2  # a second delete changes nothing
    assert [m["id"] for m in client.get(memories_url(cube), headers=tenant.headers).json()["data"]] == [kept["id"]]
    deleted = client.get(memories_url(cube), params={"status": "deleted"}, headers=tenant.headers).json()["data"]
    assert [m["id"] for m in deleted] == [gone["id"]]
    refused = client.patch(url, json={"content": "back"}, headers=tenant.headers)
    assert refused.status_code == 409
    assert client.get(url, headers=tenant.headers).json()["status"] == "deleted"


def test_list_filters_and_pages(client, tenant, cube):
    add(client, tenant, cube, content="a", user_id="u1", session_id="s1", memory_type="fact", tags=["x", "y"],
        event_time="2023-01-01T00:00:00Z")
    add(client, tenant, cube, content="b", user_id="u1", session_id="s2", memory_type="preference", tags=["x"],
        event_time="2023-06-01T00:00:00Z")
    add(client, tenant, cube, content="c", user_id="u2", agent_id="bot", session_id="s2",
        event_time="2024-01-01T00:00:00Z")

    def contents(**params) -> list[str]:
        response = client.get(memories_url(cube), params=params, headers=tenant.headers)
        assert response.status_code == 200, response.text
        return [m["content"] for m in response.json()["data"]]

    assert contents(user_id="u1") == ["a", "b"]
    assert contents(session_id="s2") == ["b", "c"]
    assert contents(agent_id="bot") == ["c"]
    assert contents(memory_type="preference") == ["b"]
    assert contents(tags=["x", "y"]) == ["a"]
    assert contents(tags="x") == ["a", "b"]
    assert contents(event_after="2023-03-01T00:00:00Z", event_before="2024-01-01T00:00:00Z") == ["b"]
    first = client.get(memories_url(cube), params={"limit": 2}, headers=tenant.headers).json()
    second = client.get(memories_url(cube), params={"limit": 2, "after": first["next_cursor"]}, headers=tenant.headers).json()
    assert [m["content"] for m in first["data"] + second["data"]] == ["a", "b", "c"]
    assert first["has_more"] and not second["has_more"]


def test_unknown_memory_or_cube_is_404(client, tenant, cube):
    missing = client.get(f"{memories_url(cube)}/{uuid.uuid4()}", headers=tenant.headers)
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found"
    nowhere = client.post(f"/v1/cubes/{uuid.uuid4()}/memories", json={"content": "x"}, headers=tenant.headers)
    assert nowhere.status_code == 404
    assert client.get(f"{memories_url(cube)}/not-a-uuid", headers=tenant.headers).status_code == 404


@pytest.mark.parametrize(("body", "status"), [
    (b'{"content": "unterminated', 400),
    (b'\xff\xfe{"content": "x"}', 400),
    (b'{"content": "bad utf-8 \xc3\x28"}', 400),
    (b'[1, 2, 3]', 422),
    (b'{"content": 42}', 422),
    (b'{"content": ""}', 422),
    (b'{"content": "nul \\u0000 inside"}', 422),
    (b'{"content": "lone surrogate \\ud800"}', 422),
    (b'{"content": "x", "importance": NaN}', 422),
    (b'{"content": "x", "importance": 1e999}', 422),
    (b'{"content": "x", "importance": 2}', 422),
    (b'{"content": "x", "importance": "0.5"}', 422),
    (b'{"content": "x", "event_time": 1700000000}', 422),
    (b'{"content": "x", "event_time": "1700000000"}', 422),
    (b'{"content": "x", "metadata": {"n": 123456789012345678901234567890}}', 422),
    (b'{"content": "x", "metadata": {"k": "\\u0000"}}', 422),
    (b'{"content": "x", "metadata": {"\\u0000": 1}}', 422),
    (b'{"content": "x", "metadata": {"f": NaN}}', 422),
    (b'{"content": "x", "event_time": "2023-05-08T13:56:00"}', 422),
    (b'{"content": "x", "event_time": "yesterday"}', 422),
    (b'{"content": "x", "expires_at": "0001-01-01T00:04:00+01:00"}', 422),
    (b'{"content": "x", "unknown_field": 1}', 422),
    (b'{"content": "x", "user_id": "' + b"u" * 201 + b'"}', 422),
    (b'{"content": "x", "tags": ["' + b'", "'.join(b"t%d" % i for i in range(40)) + b'"]}', 422),
])
def test_bad_input_is_a_clear_4xx_and_writes_nothing(client, tenant, cube, body, status):
    response = client.post(memories_url(cube), content=body,
                           headers={**tenant.headers, "Content-Type": "application/json"})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"] and error["request_id"] == response.headers["x-request-id"]
    assert client.get(memories_url(cube), headers=tenant.headers).json()["data"] == []


def test_oversize_metadata_and_bodies_are_refused(client, tenant, cube, settings_limits):
    big = {"blob": "x" * (settings_limits.max_metadata_bytes + 1)}
    assert client.post(memories_url(cube), json={"content": "x", "metadata": big}, headers=tenant.headers).status_code == 422
    body = b'{"content": "' + b"x" * (settings_limits.max_request_bytes + 10) + b'"}'
    refused = client.post(memories_url(cube), content=body, headers={**tenant.headers, "Content-Type": "application/json"})
    assert refused.status_code == 413
    assert refused.json()["error"]["type"] == "payload_too_large"

    def chunks():
        yield b'{"content": "'
        for _ in range(settings_limits.max_request_bytes // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    streamed = client.post(memories_url(cube), content=chunks(), headers={**tenant.headers, "Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert client.get(memories_url(cube), headers=tenant.headers).json()["data"] == []


def test_update_must_change_something(client, tenant, cube):
    memory = add(client, tenant, cube)
    url = f"{memories_url(cube)}/{memory['id']}"
    assert client.patch(url, json={}, headers=tenant.headers).status_code == 422
    assert client.patch(url, json={"reason": "only a reason"}, headers=tenant.headers).status_code == 422
    assert client.get(f"{url}/history", headers=tenant.headers).json()["versions"][-1]["version"] == 1
