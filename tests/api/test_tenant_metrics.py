"""/metrics counts each tenant's requests by outcome and its jobs by kind (issue 34, item 7)."""

import uuid

from prometheus_client import REGISTRY


def _requests(tenant_id: str, status: str) -> float:
    return REGISTRY.get_sample_value("memos_tenant_requests_total", {"tenant": tenant_id, "status": status}) or 0.0


def test_requests_and_jobs_are_counted_per_tenant(client, make_tenant):
    busy, quiet = make_tenant(), make_tenant()
    cube = client.post("/v1/cubes", json={"name": "metrics"}, headers=busy.headers).json()
    for _ in range(3):
        assert client.get(f"/v1/cubes/{cube['id']}", headers=busy.headers).status_code == 200
    assert client.get(f"/v1/cubes/{uuid.uuid4()}", headers=busy.headers).status_code == 404
    assert client.post(f"/v1/cubes/{cube['id']}/forget", json={"dry_run": True}, headers=busy.headers).status_code == 202
    assert client.get("/v1/cubes", headers=quiet.headers).status_code == 200

    assert _requests(busy.id, "2xx") == 5 and _requests(busy.id, "4xx") == 1
    assert _requests(quiet.id, "2xx") == 1 and _requests(quiet.id, "4xx") == 0
    assert REGISTRY.get_sample_value("memos_tenant_jobs_total", {"tenant": busy.id, "kind": "forget"}) == 1
    exposed = client.get("/metrics").text
    assert f'memos_tenant_requests_total{{status="2xx",tenant="{busy.id}"}} 5.0' in exposed
    assert client.get("/v1/cubes", headers={"Authorization": "Bearer memos_sk_nobody"}).status_code == 401
    assert _requests(busy.id, "4xx") == 1  # a request no key opens is nobody's
