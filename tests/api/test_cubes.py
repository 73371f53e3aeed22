import uuid

from sqlalchemy import func, select


def test_create_get_update_cube(client, tenant):
    created = client.post("/v1/cubes", json={"name": "notes", "description": "d",
                                             "config": {"forgetting": {"retention_days": 30}}}, headers=tenant.headers)
    assert created.status_code == 201
    cube = created.json()
    # What was set, and the defaults in effect for the rest.
    assert cube["config"]["forgetting"]["retention_days"] == 30
    assert cube["config"]["consolidation"]["enabled"] is True and cube["config"]["manager"] is None
    assert cube["embedding_model"] == "all-MiniLM-L6-v2" and cube["embedding_dim"] == 384
    assert client.get(f"/v1/cubes/{cube['id']}", headers=tenant.headers).json() == cube

    updated = client.patch(f"/v1/cubes/{cube['id']}", json={"config": {"forgetting": {"max_memories": 7}}},
                           headers=tenant.headers)
    assert updated.status_code == 200
    # The config is replaced as a whole: retention is back to its default.
    assert updated.json()["config"]["forgetting"]["max_memories"] == 7
    assert updated.json()["config"]["forgetting"]["retention_days"] == 365
    assert updated.json()["name"] == "notes"
    assert updated.json()["updated_at"] > cube["updated_at"]


def test_a_config_with_unknown_or_invalid_policies_is_refused(client, tenant, cube):
    for config in ({"retention_days": 30}, {"forgetting": {"archive_below": 2}}, {"manager": "oracle"},
                   {"consolidation": {"similarity": "high"}}):
        refused = client.post("/v1/cubes", json={"name": f"bad-{uuid.uuid4().hex[:6]}", "config": config},
                              headers=tenant.headers)
        assert refused.status_code == 422, config
        assert client.patch(f"/v1/cubes/{cube['id']}", json={"config": config}, headers=tenant.headers).status_code == 422


def test_cube_names_are_unique_per_tenant(client, tenant, make_tenant):
    assert client.post("/v1/cubes", json={"name": "same"}, headers=tenant.headers).status_code == 201
    assert client.post("/v1/cubes", json={"name": "same"}, headers=tenant.headers).status_code == 409
    other = client.post("/v1/cubes", json={"name": "other"}, headers=tenant.headers).json()
    rename = client.patch(f"/v1/cubes/{other['id']}", json={"name": "same"}, headers=tenant.headers)
    assert rename.status_code == 409
    # Another tenant's names are its own business: no conflict, nothing learned.
    assert client.post("/v1/cubes", json={"name": "same"}, headers=make_tenant().headers).status_code == 201


def test_list_cubes_pages_with_a_cursor(client, tenant):
    names = {f"c{i}" for i in range(5)}
    for name in sorted(names):
        client.post("/v1/cubes", json={"name": name}, headers=tenant.headers)
    seen, after = [], None
    while True:
        params = {"limit": 2, **({"after": after} if after else {})}
        page = client.get("/v1/cubes", params=params, headers=tenant.headers).json()
        seen += [cube["name"] for cube in page["data"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        after = page["next_cursor"]
    assert seen == sorted(names)

    bad = client.get("/v1/cubes", params={"after": "not-a-cursor"}, headers=tenant.headers)
    assert bad.status_code == 400
    assert bad.json()["error"]["type"] == "invalid_request"
    assert client.get("/v1/cubes", params={"limit": 0}, headers=tenant.headers).status_code == 422


def test_soft_delete_hides_the_cube_and_frees_its_name(client, tenant, cube):
    client.post(f"/v1/cubes/{cube['id']}/memories", json={"content": "kept until purge"}, headers=tenant.headers)
    deleted = client.delete(f"/v1/cubes/{cube['id']}", headers=tenant.headers)
    assert deleted.json() == {"id": cube["id"], "purged": False, "memories_purged": 0}
    assert client.get(f"/v1/cubes/{cube['id']}", headers=tenant.headers).status_code == 404
    assert client.delete(f"/v1/cubes/{cube['id']}", headers=tenant.headers).status_code == 404
    assert client.post("/v1/cubes", json={"name": cube["name"]}, headers=tenant.headers).status_code == 201
    # What was soft-deleted can still be purged for good.
    purged = client.delete(f"/v1/cubes/{cube['id']}", params={"purge": "true"}, headers=tenant.headers)
    assert purged.status_code == 200 and purged.json()["memories_purged"] == 1
    assert client.delete(f"/v1/cubes/{cube['id']}", params={"purge": "true"}, headers=tenant.headers).status_code == 404


def test_purge_removes_memories_and_logs_them_for_the_indexes(client, tenant, cube):
    from memos_service.db.engine import session_scope
    from memos_service.db.models import Memory, MemoryChange, MemoryVersion

    items = [{"content": f"fact {i}"} for i in range(3)]
    client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": items}, headers=tenant.headers)
    purged = client.delete(f"/v1/cubes/{cube['id']}", params={"purge": "true"}, headers=tenant.headers)
    assert purged.status_code == 200
    assert purged.json() == {"id": cube["id"], "purged": True, "memories_purged": 3}
    cube_id = uuid.UUID(cube["id"])
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Memory).where(Memory.cube_id == cube_id)) == 0
        assert session.scalar(select(func.count()).select_from(MemoryVersion).join(Memory, isouter=True)
                              .where(Memory.cube_id == cube_id)) == 0
        purges = session.scalars(select(MemoryChange.op).where(MemoryChange.cube_id == cube_id, MemoryChange.op == "PURGE"))
        assert len(purges.all()) == 3
