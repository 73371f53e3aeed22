"""The right to be forgotten leaves nothing of the user behind, and touches no one else."""

import uuid

from sqlalchemy import func, select, text

from memos_service.db.engine import session_scope
from memos_service.db.models import IdempotentRequest, Job, Memory, MemoryVersion, Operation
from tests.ingestion.conftest import message


def test_purging_a_user_removes_every_trace_in_every_cube(client, tenant, cube, make_cube, add, ingest, consolidate,
                                                          search, make_tenant):
    other_cube = make_cube()
    ingest([message("I live in Oslo and I work at Equinor."), message("I moved to Bergen.", day=2)], user_id="zoe")
    (duplicate,) = add(cube, "Zoe enjoys skiing in Hemsedal", user_id="zoe")
    add(cube, "Zoe loves skiing in Hemsedal", user_id="zoe")
    client.post(f"/v1/cubes/{other_cube['id']}/memories", json={"content": "Zoe's cat is called Pixel", "user_id": "zoe"},
                headers={**tenant.headers, "Idempotency-Key": "zoe-cat"})
    consolidate(cube)  # leaves a merged copy pointing at its survivor
    (kept,) = add(cube, "Yann lives in Oslo", user_id="yann")
    stranger = make_tenant()
    stranger_cube = client.post("/v1/cubes", json={"name": "s"}, headers=stranger.headers).json()
    client.post(f"/v1/cubes/{stranger_cube['id']}/memories", json={"content": "Zoe is a different zoe here", "user_id": "zoe"},
                headers=stranger.headers)

    soft = client.delete("/v1/users/nobody", headers=tenant.headers)
    assert soft.status_code == 200 and soft.json()["memories"] == 0
    purged = client.delete("/v1/users/zoe", params={"purge": "true"}, headers=tenant.headers)
    assert purged.status_code == 200, purged.text
    counts = purged.json()
    assert counts["purged"] is True and counts["cubes"] == 2
    assert counts["memories"] >= 6 and counts["versions"] >= counts["memories"]
    assert counts["operations"] >= 3 and counts["jobs"] == 1 and counts["idempotent_responses"] == 1

    with session_scope() as session:
        tenant_id = uuid.UUID(tenant.id)
        assert session.scalar(select(func.count()).select_from(Memory).where(
            Memory.tenant_id == tenant_id, Memory.user_id == "zoe")) == 0
        assert session.scalar(select(func.count()).select_from(MemoryVersion).where(
            MemoryVersion.tenant_id == tenant_id, MemoryVersion.content.ilike("%zoe%"))) == 0
        assert session.scalar(select(func.count()).select_from(Operation).where(Operation.tenant_id == tenant_id)) == 0
        assert session.scalar(select(func.count()).select_from(Job).where(Job.tenant_id == tenant_id,
                                                                          Job.kind == "ingest")) == 0
        assert session.scalar(select(func.count()).select_from(IdempotentRequest).where(
            IdempotentRequest.scope == tenant.id)) == 0
        # Nothing anywhere in the tenant's rows still says where Zoe lives or works.
        leftovers = session.execute(text(
            "SELECT count(*) FROM memories m WHERE m.tenant_id = :t AND m::text ILIKE '%equinor%'"), {"t": tenant_id}).scalar()
        assert leftovers == 0
    for searched in (cube, other_cube):
        hits = search(searched, "Where does Zoe live? Zoe skiing Pixel", include_archived=True)
        assert all(hit["memory"]["user_id"] != "zoe" for hit in hits)
        index = client.app.state.indexes.index_for(uuid.UUID(searched["id"]))
        with session_scope() as session:
            remaining = set(session.scalars(select(Memory.id).where(Memory.cube_id == uuid.UUID(searched["id"]),
                                                                     Memory.status.in_(["active", "archived"]))))
        assert index.ids() == remaining
    assert client.get(f"/v1/cubes/{cube['id']}/memories/{duplicate['id']}", headers=tenant.headers).status_code == 404
    assert client.get(f"/v1/cubes/{cube['id']}/memories/{kept['id']}", headers=tenant.headers).status_code == 200
    # Another tenant's user of the same name is another person.
    theirs = client.get(f"/v1/cubes/{stranger_cube['id']}/memories", headers=stranger.headers).json()["data"]
    assert [memory["content"] for memory in theirs] == ["Zoe is a different zoe here"]


def test_without_purge_a_users_memories_are_tombstoned(client, tenant, cube, add):
    memories = add(cube, "Quinn plays the cello", "Quinn lives in Ghent", user_id="quinn")
    forgotten = client.delete("/v1/users/quinn", headers=tenant.headers)
    assert forgotten.status_code == 200 and forgotten.json()["memories"] == 2 and forgotten.json()["purged"] is False
    for memory in memories:
        found = client.get(f"/v1/cubes/{cube['id']}/memories/{memory['id']}", headers=tenant.headers).json()
        assert found["status"] == "deleted"
