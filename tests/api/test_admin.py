import uuid

from tests.conftest import bearer


def test_admin_creates_tenants_and_keys(client, admin_key):
    name = f"acme-{uuid.uuid4().hex[:6]}"
    tenant = client.post("/v1/admin/tenants", json={"name": name}, headers=bearer(admin_key))
    assert tenant.status_code == 201
    assert tenant.json()["name"] == name

    again = client.post("/v1/admin/tenants", json={"name": name}, headers=bearer(admin_key))
    assert again.status_code == 409
    assert again.json()["error"]["type"] == "conflict"

    key = client.post(f"/v1/admin/tenants/{tenant.json()['id']}/api-keys", json={"name": "ci"}, headers=bearer(admin_key))
    assert key.status_code == 201
    body = key.json()
    assert body["key"].startswith("memos_sk_") and body["prefix"] == body["key"][:12]
    assert body["scopes"] == ["read", "write"] and body["tenant_id"] == tenant.json()["id"]
    assert client.get("/v1/cubes", headers=bearer(body["key"])).status_code == 200


def test_only_the_hash_of_a_key_is_stored(client, tenant):
    from sqlalchemy import select

    from memos_service.db.api_keys import hash_key
    from memos_service.db.engine import session_scope
    from memos_service.db.models import ApiKey

    with session_scope() as session:
        stored = session.scalars(select(ApiKey.key_hash)).all()
    assert hash_key(tenant.key) in stored
    assert tenant.key not in stored


def test_admin_routes_refuse_tenant_keys_and_anonymous_callers(client, tenant):
    refused = client.post("/v1/admin/tenants", json={"name": "x"}, headers=tenant.headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["type"] == "permission_denied"

    anonymous = client.post("/v1/admin/tenants", json={"name": "x"})
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"


def test_admin_keys_cannot_reach_tenant_data(client, admin_key):
    refused = client.get("/v1/cubes", headers=bearer(admin_key))
    assert refused.status_code == 403


def test_key_for_unknown_tenant_is_404(client, admin_key):
    missing = client.post(f"/v1/admin/tenants/{uuid.uuid4()}/api-keys", json={}, headers=bearer(admin_key))
    assert missing.status_code == 404


def test_revoked_key_stops_working(client, admin_key, make_tenant):
    tenant = make_tenant()
    from sqlalchemy import select

    from memos_service.db.api_keys import hash_key
    from memos_service.db.engine import session_scope
    from memos_service.db.models import ApiKey

    with session_scope() as session:
        key_id = session.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(tenant.key)))
    revoked = client.post(f"/v1/admin/api-keys/{key_id}/revoke", headers=bearer(admin_key))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    first_revocation = revoked.json()["revoked_at"]
    again = client.post(f"/v1/admin/api-keys/{key_id}/revoke", headers=bearer(admin_key))
    assert again.json()["revoked_at"] == first_revocation

    answer = client.get("/v1/cubes", headers=tenant.headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "invalid or revoked API key"
    assert client.post(f"/v1/admin/api-keys/{uuid.uuid4()}/revoke", headers=bearer(admin_key)).status_code == 404


def test_a_key_revoked_through_another_process_works_there_until_its_check_expires(client, admin_key, make_tenant):
    import time

    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from memos_service.api.app import create_app
    from memos_service.config import get_settings
    from memos_service.db.api_keys import hash_key
    from memos_service.db.engine import session_scope
    from memos_service.db.models import ApiKey

    remembering, tenant = make_tenant(), make_tenant()
    with session_scope() as session:
        key_ids = {name: session.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(caller.key)))
                   for name, caller in (("remembering", remembering), ("tenant", tenant))}
    # Two more API processes (apps) over the same database: one trusts a checked key for 2 s, one checks every time.
    settings = get_settings()
    with (TestClient(create_app(settings.model_copy(update={"api_key_cache_seconds": 2.0}))) as trusting,
          TestClient(create_app(settings.model_copy(update={"api_key_cache_seconds": 0.0}))) as checking):
        for other in (trusting, checking):
            assert other.get("/v1/cubes", headers=remembering.headers).status_code == 200
        assert client.post(f"/v1/admin/api-keys/{key_ids['remembering']}/revoke", headers=bearer(admin_key)).status_code == 200
        assert client.get("/v1/cubes", headers=remembering.headers).status_code == 401  # the revoking process: at once
        assert checking.get("/v1/cubes", headers=remembering.headers).status_code == 401
        assert trusting.get("/v1/cubes", headers=remembering.headers).status_code == 200  # checked under 2 s ago
        time.sleep(2.1)
        assert trusting.get("/v1/cubes", headers=remembering.headers).status_code == 401
        # A process forgets a key revoked through it at once, however recently it checked it.
        assert trusting.get("/v1/cubes", headers=tenant.headers).status_code == 200
        assert trusting.post(f"/v1/admin/api-keys/{key_ids['tenant']}/revoke", headers=bearer(admin_key)).status_code == 200
        assert trusting.get("/v1/cubes", headers=tenant.headers).status_code == 401


def test_read_only_key_cannot_write(client, make_tenant, admin_key):
    writer = make_tenant()
    cube = client.post("/v1/cubes", json={"name": "shared"}, headers=writer.headers).json()
    reader = client.post(f"/v1/admin/tenants/{writer.id}/api-keys", json={"scopes": ["read"]}, headers=bearer(admin_key)).json()

    assert client.get(f"/v1/cubes/{cube['id']}", headers=bearer(reader["key"])).status_code == 200
    assert client.post(f"/v1/cubes/{cube['id']}/search", json={"query": "x"}, headers=bearer(reader["key"])).status_code == 200
    refused = client.post(f"/v1/cubes/{cube['id']}/memories", json={"content": "x"}, headers=bearer(reader["key"]))
    assert refused.status_code == 403
    assert refused.json()["error"]["type"] == "permission_denied"
