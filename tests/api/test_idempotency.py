import threading

import httpx


def test_replayed_key_returns_the_first_response_and_writes_once(client, tenant, cube):
    url = f"/v1/cubes/{cube['id']}/memories"
    headers = {**tenant.headers, "Idempotency-Key": "add-1"}
    first = client.post(url, json={"content": "once"}, headers=headers)
    second = client.post(url, json={"content": "once"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second.headers["idempotent-replayed"] == "true"
    assert len(client.get(url, headers=tenant.headers).json()["data"]) == 1

    reused = client.post(url, json={"content": "something else"}, headers=headers)
    assert reused.status_code == 409 and "different request" in reused.json()["error"]["message"]
    for bad_key in ("has space", "k" * 201):
        refused = client.post(url, json={"content": "x"}, headers={**tenant.headers, "Idempotency-Key": bad_key})
        assert refused.status_code == 400 and refused.json()["error"]["type"] == "invalid_request"
    assert len(client.get(url, headers=tenant.headers).json()["data"]) == 1


def test_keys_are_per_tenant(client, make_tenant):
    first, second = make_tenant(), make_tenant()
    a = client.post("/v1/cubes", json={"name": "k"}, headers={**first.headers, "Idempotency-Key": "shared"})
    b = client.post("/v1/cubes", json={"name": "k"}, headers={**second.headers, "Idempotency-Key": "shared"})
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


def test_a_failed_request_does_not_burn_its_key(client, tenant, cube):
    url = f"/v1/cubes/{cube['id']}/memories"
    headers = {**tenant.headers, "Idempotency-Key": "retry-me"}
    failed = client.post(url, json={"content": "x", "tags": ["t"] * 100}, headers=headers)
    assert failed.status_code == 422
    assert client.post(url, json={"content": "x"}, headers=headers).status_code == 201


def test_concurrent_requests_with_one_key_write_once(live_server, tenant, cube):
    url = f"{live_server.base_url}/v1/cubes/{cube['id']}/memories"
    headers = {**tenant.headers, "Idempotency-Key": "race"}
    answers: list[httpx.Response] = []
    start = threading.Barrier(6)

    def send() -> None:
        start.wait()
        answers.append(httpx.post(url, json={"content": "raced"}, headers=headers, timeout=30))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {answer.status_code for answer in answers} <= {201, 409}
    created = {answer.json()["id"] for answer in answers if answer.status_code == 201}
    assert len(created) == 1
    listed = httpx.get(url, headers=tenant.headers).json()["data"]
    assert [m["content"] for m in listed] == ["raced"]
