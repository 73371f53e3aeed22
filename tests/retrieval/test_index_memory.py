"""Bounded index memory (issue 37): a small cube is searched exactly in Postgres with no index at all;
the indexes a process holds fit a budget, the heaviest tenant's least recently used going first, and an
evicted index comes back (snapshot + change-log tail) answering as before."""

import uuid

import pytest
from prometheus_client import REGISTRY

from gpu_index import IndexManager
from memos_service.embedding import get_embedder
from memos_service.retrieval.index_source import PostgresChangeSource

TOPICS = ["gardening tomatoes", "fixing a bicycle", "baking sourdough", "learning the cello", "hiking in the Alps",
          "tax forms due", "birthday of Sam", "train to Lyon", "new running shoes", "painting the fence"]


def _cube(client, tenant, memories: int = 30) -> uuid.UUID:
    cube = client.post("/v1/cubes", json={"name": f"c-{uuid.uuid4().hex[:8]}"}, headers=tenant.headers).json()
    items = [{"content": f"note {i}: {TOPICS[i % len(TOPICS)]}", "user_id": f"u{i % 3}"} for i in range(memories)]
    assert client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": items}, headers=tenant.headers).status_code == 201
    return uuid.UUID(cube["id"])


def _metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_a_small_cube_is_searched_exactly_without_an_index(client, app, tenant):
    cube_id = _cube(client, tenant, 12)
    manager: IndexManager = app.state.indexes
    for mode in ("dense", "hybrid", "lexical"):
        found = client.post(f"/v1/cubes/{cube_id}/search", json={"query": "a note on music", "top_k": 5, "mode": mode},
                            headers=tenant.headers).json()["data"]
        assert len(found) == 5, mode
    assert cube_id not in manager._indexes  # no index was built for it
    metrics = client.get("/metrics").text
    assert "memos_index_resident_bytes" in metrics and "memos_index_evictions_total" in metrics
    # The same answer an index gives: exactly the index's nearest, in its order.
    query = get_embedder().embed(["music lessons"])[0]
    indexed = IndexManager(PostgresChangeSource(), get_embedder().dimension).search(cube_id, query, 5)
    dense = client.post(f"/v1/cubes/{cube_id}/search", json={"query": "music lessons", "top_k": 5, "mode": "dense"},
                        headers=tenant.headers).json()["data"]
    assert [hit["score"] for hit in dense] == pytest.approx([score for _, score in indexed], abs=1e-5)
    # Exactly k under a filter, when k pass it.
    filtered = client.post(f"/v1/cubes/{cube_id}/search", json={"query": "music", "top_k": 4, "mode": "dense",
                                                                "filters": {"user_id": "u1"}}, headers=tenant.headers).json()
    assert len(filtered["data"]) == 4 and {hit["memory"]["user_id"] for hit in filtered["data"]} == {"u1"}


def test_indexes_stay_within_the_budget_the_heaviest_tenant_evicting_its_own(client, make_tenant, tmp_path):
    scanner, other = make_tenant(), make_tenant()
    scanner_cubes = [_cube(client, scanner) for _ in range(4)]
    kept = _cube(client, other)
    dim = get_embedder().dimension
    query = get_embedder().embed(["music lessons"])[0]
    sizer = IndexManager(PostgresChangeSource(), dim)
    size = sizer.index_for(kept).nbytes
    # Room for three indexes of this size, and a little.
    manager = IndexManager(PostgresChangeSource(), dim, tmp_path, memory_budget=int(3.5 * size))
    evictions = _metric("memos_index_evictions_total")

    def ask(cube_id: uuid.UUID, owner, vector=query, k: int = 5) -> list[tuple[int, float]]:
        return manager.index_for(cube_id, owner=owner.id).search(vector, k)

    before = ask(kept, other)
    first_answers = {cube_id: ask(cube_id, scanner) for cube_id in scanner_cubes}  # one tenant reads all of its cubes
    assert manager.resident_bytes() <= 3.5 * size
    assert kept in manager._indexes  # the other tenant's index stayed; the scanner evicted its own
    assert [cube_id for cube_id in scanner_cubes if cube_id in manager._indexes] == scanner_cubes[-2:]
    assert _metric("memos_index_evictions_total") - evictions == 2
    assert _metric("memos_index_resident_bytes") == manager.resident_bytes()

    # An evicted index comes back from its snapshot and the tail written since, answering as before.
    evicted = scanner_cubes[0]
    assert (tmp_path / f"{evicted}.npz").exists()
    client.post(f"/v1/cubes/{evicted}/memories", json={"content": "harvested the tomatoes"}, headers=scanner.headers)
    garden = get_embedder().embed(["harvested the tomatoes"])[0]
    misses = _metric("memos_index_misses_total")
    assert manager.index_for(evicted, owner=scanner.id).live == 31
    assert _metric("memos_index_misses_total") - misses == 1
    assert ask(evicted, scanner) == first_answers[evicted]
    assert ask(evicted, scanner, garden, 1)[0][1] > 0.99
    assert ask(kept, other) == before
