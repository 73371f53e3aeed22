"""Forgetting on a fake clock: unused memories fade before used ones, archived ones are restorable,
purges after the retention period leave nothing in search, the index or history."""

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from memos_service.cube.config import ForgettingConfig
from memos_service.db.engine import session_scope
from memos_service.db.memories import MemoryRepository
from memos_service.db.models import Memory, MemoryVersion
from memos_service.lifecycle.retention import retention


def use(tenant, memories: list[dict], at: datetime) -> None:
    """Retrievals at a time the test chooses (search records them the same way, at the real time)."""
    with session_scope() as session:
        with_ids = session.scalars(select(Memory.id).where(Memory.public_id.in_([m["id"] for m in memories]))).all()
        MemoryRepository(session, uuid.UUID(tenant.id)).record_uses(Counter(with_ids), at)


def test_retention_decays_and_grows_with_importance_and_use():
    policy = ForgettingConfig(stability_days=30, importance_weight=2.0)
    fresh = retention(policy, days_unused=0, strength=1, importance=0.5)
    old = retention(policy, days_unused=120, strength=1, importance=0.5)
    assert fresh == 1.0 and 0 < old < fresh
    assert retention(policy, days_unused=120, strength=1, importance=1.0) > old
    assert retention(policy, days_unused=120, strength=3, importance=0.5) > old


def test_unused_memories_are_archived_before_used_ones_and_can_be_restored(client, tenant, make_cube, add, forget,
                                                                          memory, search):
    cube = make_cube()
    now = datetime.now(UTC)
    used, unused, important = add(cube, "Alice's passport number is kept in the blue folder",
                                  "Alice once tried a cooking class", {"content": "Alice is allergic to penicillin",
                                                                        "importance": 1.0}, user_id="alice")
    use(tenant, [used], now + timedelta(days=100))

    preview = forget(cube, now + timedelta(days=200), dry_run=True)
    assert preview["to_archive"]["faded"] == 1 and [s["content"] for s in preview["samples"]["faded"]] == [unused["content"]]
    assert memory(cube, unused["id"])["status"] == "active"  # a dry run changes nothing

    swept = forget(cube, now + timedelta(days=200))
    assert swept["applied"]["archived_faded"] == 1
    assert memory(cube, unused["id"])["status"] == "archived"
    assert memory(cube, used["id"])["status"] == memory(cube, important["id"])["status"] == "active"
    assert unused["id"] not in [hit["memory"]["id"] for hit in search(cube, "cooking class")]
    assert unused["id"] in [hit["memory"]["id"] for hit in search(cube, "cooking class", include_archived=True)]

    restored = client.post(f"/v1/cubes/{cube['id']}/memories/{unused['id']}/restore", headers=tenant.headers)
    assert restored.status_code == 200 and restored.json()["status"] == "active" and restored.json()["version"] == 3
    assert unused["id"] in [hit["memory"]["id"] for hit in search(cube, "cooking class")]
    history = client.get(f"/v1/cubes/{cube['id']}/memories/{unused['id']}/history", headers=tenant.headers).json()
    assert [version["op"] for version in history["versions"]] == ["ADD", "ARCHIVE", "RESTORE"]

    # Importance only slows fading; use renews it: much later the important memory nobody used is
    # archived, the used one is not.
    forget(cube, now + timedelta(days=420))
    assert memory(cube, important["id"])["status"] == "archived"
    assert memory(cube, used["id"])["status"] == "active"


def test_only_archived_memories_can_be_restored(client, tenant, make_cube, add):
    cube = make_cube()
    (deleted,) = add(cube, "A memory deleted on purpose")
    client.delete(f"/v1/cubes/{cube['id']}/memories/{deleted['id']}", headers=tenant.headers)
    refused = client.post(f"/v1/cubes/{cube['id']}/memories/{deleted['id']}/restore", headers=tenant.headers)
    assert refused.status_code == 409 and refused.json()["error"]["type"] == "conflict"


def test_expired_memories_are_archived_and_purged_after_retention_everywhere(client, tenant, make_cube, add, forget,
                                                                           memory, search):
    cube = make_cube({"forgetting": {"retention_days": 30}})
    now = datetime.now(UTC)
    expiring, lasting = add(cube, {"content": "The door code this week is 4711",
                                   "expires_at": (now + timedelta(days=7)).isoformat()},
                            "The office is on the third floor")
    swept = forget(cube, now + timedelta(days=8))
    assert swept["applied"]["archived_expired"] == 1 and swept["applied"]["purged"] == 0
    assert memory(cube, expiring["id"])["status"] == "archived"

    purged = forget(cube, now + timedelta(days=40))
    assert purged["applied"]["purged"] == 1
    assert client.get(f"/v1/cubes/{cube['id']}/memories/{expiring['id']}", headers=tenant.headers).status_code == 404
    assert client.get(f"/v1/cubes/{cube['id']}/memories/{expiring['id']}/history", headers=tenant.headers).status_code == 404
    assert expiring["id"] not in [hit["memory"]["id"] for hit in search(cube, "door code", include_archived=True)]
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Memory).where(Memory.content.contains("4711"))) == 0
        assert session.scalar(select(func.count()).select_from(MemoryVersion).where(MemoryVersion.content.contains("4711"))) == 0
    index = client.app.state.indexes.index_for(uuid.UUID(cube["id"]))
    assert len(index.ids()) == 1
    assert memory(cube, lasting["id"])["status"] == "active"


def test_a_cap_archives_the_weakest_not_the_oldest(client, tenant, make_cube, add, forget, memory):
    cube = make_cube({"forgetting": {"max_memories": 3}})
    now = datetime.now(UTC)
    (oldest,) = add(cube, "Alice's first memory, used often")
    use(tenant, [oldest], now + timedelta(days=5))
    newer = add(cube, {"content": "A trivial newer note", "importance": 0.1},
                {"content": "Another trivial newer note", "importance": 0.2},
                {"content": "An important newer note", "importance": 0.9},
                {"content": "A fairly important newer note", "importance": 0.7})
    result = forget(cube, now + timedelta(days=6))
    assert result["applied"]["archived_over_cap"] == 2
    assert memory(cube, oldest["id"])["status"] == "active"
    assert [memory(cube, note["id"])["status"] for note in newer] == ["archived", "archived", "active", "active"]


def test_forget_through_the_api_refuses_a_real_sweep_in_the_future(client, tenant, cube):
    at = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    refused = client.post(f"/v1/cubes/{cube['id']}/forget", json={"as_of": at}, headers=tenant.headers)
    assert refused.status_code == 422
