"""Indexes are derived from Postgres and always caught up with it."""

import uuid

import httpx
from sqlalchemy import update

from gpu_index import IndexManager
from memos_service.db.changes import append_changes
from memos_service.db.engine import session_scope
from memos_service.db.models import Memory
from memos_service.embedding import get_embedder
from memos_service.retrieval.index_source import PostgresChangeSource


def found(server, tenant, cube_id, query, **body) -> list[str]:
    answer = httpx.post(f"{server.base_url}/v1/cubes/{cube_id}/search", json={"query": query, **body},
                        headers=tenant.headers, timeout=30)
    assert answer.status_code == 200, answer.text
    return [hit["memory"]["content"] for hit in answer.json()["data"]]


def test_read_your_writes_across_two_api_processes(live_server, second_server, tenant):
    one, two = live_server, second_server
    cube = httpx.post(f"{one.base_url}/v1/cubes", json={"name": "shared"}, headers=tenant.headers).json()
    url = f"/v1/cubes/{cube['id']}/memories"
    httpx.post(f"{one.base_url}{url}", json={"content": "The cat is called Miso"}, headers=tenant.headers)
    # Both processes load their index of this cube now, so what follows exercises catch-up.
    for server in (one, two):
        assert found(server, tenant, cube["id"], "cat name", mode="dense") == ["The cat is called Miso"]

    for round_number in range(5):
        written = httpx.post(f"{one.base_url}{url}", json={"content": f"The parcel number {round_number} arrived"},
                             headers=tenant.headers).json()
        assert f"The parcel number {round_number} arrived" in found(two, tenant, cube["id"], "parcel arrived",
                                                                    mode="dense", top_k=10)
        httpx.delete(f"{two.base_url}{url}/{written['id']}", headers=tenant.headers)
        assert f"The parcel number {round_number} arrived" not in found(one, tenant, cube["id"], "parcel arrived",
                                                                        mode="dense", top_k=10)
    updated = httpx.get(f"{two.base_url}{url}", headers=tenant.headers).json()["data"][0]
    httpx.patch(f"{two.base_url}{url}/{updated['id']}", json={"content": "The dog is called Pixel"}, headers=tenant.headers)
    assert found(one, tenant, cube["id"], "dog name", mode="dense", top_k=1) == ["The dog is called Pixel"]
    # /readyz's lag counts every cube this process has loaded, which other tests' workers write to meanwhile.
    assert isinstance(httpx.get(f"{one.base_url}/readyz").json()["checks"]["index"]["lag"], int)


def test_rebuilt_index_answers_like_the_snapshotted_one(client, tenant, cube, tmp_path):
    items = [{"content": f"note {i}: {topic}"} for i, topic in enumerate(
        ["gardening tomatoes", "fixing a bicycle", "baking sourdough", "learning the cello", "hiking in the Alps",
         "tax forms due", "birthday of Sam", "train to Lyon", "new running shoes", "painting the fence"] * 5)]
    client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": items}, headers=tenant.headers)
    cube_id = uuid.UUID(cube["id"])
    dim = get_embedder().dimension
    queries = get_embedder().embed(["vegetables in the garden", "music lessons", "paperwork for taxes"])

    def answers(manager: IndexManager) -> list[list[tuple[int, float]]]:
        return [[(memory_id, round(score, 5)) for memory_id, score in manager.search(cube_id, query, 10)]
                for query in queries]

    first = IndexManager(PostgresChangeSource(), dim, tmp_path)
    expected = answers(first)
    snapshot = first.snapshot(cube_id)
    assert snapshot is not None and snapshot.exists()

    from_snapshot = IndexManager(PostgresChangeSource(), dim, tmp_path)
    assert answers(from_snapshot) == expected
    snapshot.unlink()
    rebuilt = IndexManager(PostgresChangeSource(), dim, tmp_path)
    assert answers(rebuilt) == expected

    # A restart replays only the tail written after the snapshot.
    rebuilt.snapshot(cube_id)
    watermark = rebuilt.index_for(cube_id).watermark
    client.post(f"/v1/cubes/{cube['id']}/memories", json={"content": "harvested the tomatoes"}, headers=tenant.headers)
    restarted = IndexManager(PostgresChangeSource(), dim, tmp_path)
    index = restarted.index_for(cube_id)
    assert index.watermark > watermark and index.live == 51
    corrupt = tmp_path / f"{cube_id}.npz"
    corrupt.write_bytes(b"not a snapshot")
    assert answers(IndexManager(PostgresChangeSource(), dim, tmp_path))[0][0][0] == index.search(queries[0], 1)[0][0]


def test_tombstoned_and_archived_memories_stay_out_unless_asked(client, tenant, cube):
    url = f"/v1/cubes/{cube['id']}/memories"
    created = client.post(f"{url}/batch", json={"items": [{"content": "Pia keeps bees on the roof"},
                                                         {"content": "Pia sold the beehives"},
                                                         {"content": "Pia's bees swarmed in June"}]},
                          headers=tenant.headers).json()["data"]
    archived, deleted, active = created
    client.delete(f"{url}/{deleted['id']}", headers=tenant.headers)
    # Archiving is the lifecycle worker's job; do what it does: change the status and log it.
    with session_scope() as session:
        session.execute(update(Memory).where(Memory.public_id == uuid.UUID(archived["id"])).values(status="archived"))
        memory_id = session.query(Memory.id).filter(Memory.public_id == uuid.UUID(archived["id"])).scalar()
        append_changes(session, uuid.UUID(tenant.id), uuid.UUID(cube["id"]), [memory_id], "ARCHIVE")
    for mode in ("hybrid", "dense", "lexical"):
        default = client.post(f"/v1/cubes/{cube['id']}/search", json={"query": "Pia bees", "mode": mode},
                              headers=tenant.headers).json()["data"]
        assert [hit["memory"]["id"] for hit in default] == [active["id"]], mode
        everything = client.post(f"/v1/cubes/{cube['id']}/search",
                                 json={"query": "Pia bees", "mode": mode, "include_archived": True},
                                 headers=tenant.headers).json()["data"]
        assert {hit["memory"]["id"] for hit in everything} == {active["id"], archived["id"]}, mode


def test_search_records_access_after_answering(client, tenant, cube):
    url = f"/v1/cubes/{cube['id']}/memories"
    memory = client.post(url, json={"content": "the boiler code is 4471"}, headers=tenant.headers).json()
    client.post(f"/v1/cubes/{cube['id']}/search", json={"query": "boiler code", "top_k": 1}, headers=tenant.headers)
    client.app.state.access.wait()  # counted by the process's access writer, after the answer
    after = client.get(f"{url}/{memory['id']}", headers=tenant.headers).json()
    assert after["access_count"] == 1 and after["last_accessed_at"] is not None
    assert after["version"] == 1  # a use, not a change


def test_uses_written_together_still_count_each_search(client, tenant, cube):
    """The access writer takes every search waiting since its last write in one transaction: five
    searches that hit one memory are five uses, however they were batched."""
    url = f"/v1/cubes/{cube['id']}/memories"
    memory = client.post(url, json={"content": "the gate code is 9120"}, headers=tenant.headers).json()
    for _ in range(5):
        client.post(f"/v1/cubes/{cube['id']}/search", json={"query": "gate code", "top_k": 1}, headers=tenant.headers)
    client.app.state.access.wait()
    assert client.get(f"{url}/{memory['id']}", headers=tenant.headers).json()["access_count"] == 5


def test_uses_of_two_tenants_written_together_stay_in_their_tenant(client, make_tenant):
    """One write carries every tenant's uses since the last, one statement per tenant: each memory
    gets its own tenant's searches, no more."""
    memories = {}
    for name, searches in (("first", 3), ("second", 1)):
        tenant = make_tenant()
        cube = client.post("/v1/cubes", json={"name": "uses"}, headers=tenant.headers).json()
        url = f"/v1/cubes/{cube['id']}/memories"
        memory = client.post(url, json={"content": "the locker code is 5520"}, headers=tenant.headers).json()
        memories[name] = (tenant, f"{url}/{memory['id']}", searches)
    for tenant, url, searches in memories.values():
        for _ in range(searches):
            search = url.split("/memories/")[0] + "/search"
            client.post(search, json={"query": "locker code", "top_k": 1}, headers=tenant.headers)
    client.app.state.access.wait()
    for tenant, url, searches in memories.values():
        assert client.get(url, headers=tenant.headers).json()["access_count"] == searches


def test_change_log_is_in_commit_order_per_cube(database_url):
    """A writer that appends after another cannot commit before it (see db/changes.py): otherwise
    a reader could see the later seq, move its watermark past the earlier one and miss it."""
    import threading
    import time

    from sqlalchemy import select

    from memos_service.db.models import MemoryChange

    cube_id, tenant_id = uuid.uuid4(), uuid.uuid4()
    appended, committed = threading.Event(), {}

    def slow_writer() -> None:
        with session_scope() as session:
            append_changes(session, tenant_id, cube_id, [1], "ADD")
            session.flush()
            appended.set()
            time.sleep(0.5)  # holds its seq uncommitted
        committed["slow"] = time.monotonic()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert appended.wait(10)
    with session_scope() as session:
        append_changes(session, tenant_id, cube_id, [2], "ADD")
    committed["fast"] = time.monotonic()
    thread.join()
    assert committed["fast"] >= committed["slow"]
    with session_scope() as session:
        rows = session.execute(select(MemoryChange.memory_id).where(MemoryChange.cube_id == cube_id)
                               .order_by(MemoryChange.seq)).scalars().all()
    assert rows == [1, 2]
