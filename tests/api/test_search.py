FACTS = [
    ("Alice moved to Berlin for a job at a bakery", "alice"),
    ("Bob is allergic to peanuts", "bob"),
    ("Carol is training for the Boston marathon", "carol"),
    ("Alice's sister Dana is a painter", "alice"),
    ("The team meeting moved to Thursdays", None),
]


def seed(client, tenant, cube) -> dict[str, dict]:
    items = [{"content": content, "user_id": user, "source": {"message_ids": [f"D1:{i}"]},
              "event_time": f"2023-0{i + 1}-01T00:00:00Z"} for i, (content, user) in enumerate(FACTS)]
    created = client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": items}, headers=tenant.headers)
    return {memory["content"]: memory for memory in created.json()["data"]}


def search(client, tenant, cube, **body) -> list[dict]:
    response = client.post(f"/v1/cubes/{cube['id']}/search", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_the_relevant_memory_comes_first_with_its_provenance(client, tenant, cube):
    seed(client, tenant, cube)
    hits = search(client, tenant, cube, query="what food can Bob not eat?", top_k=3)
    assert hits[0]["memory"]["content"] == "Bob is allergic to peanuts"
    assert hits[0]["provenance"]["message_ids"] == ["D1:1"] and hits[0]["provenance"]["user_id"] == "bob"
    assert {"dense", "fused"} <= set(hits[0]["scores"]) and hits[0]["scores"]["entity"] > 0
    dense = search(client, tenant, cube, query="what food can Bob not eat?", top_k=3, mode="dense")
    assert dense[0]["scores"] == {"dense": dense[0]["score"]}
    assert [hit["score"] for hit in hits] == sorted((hit["score"] for hit in hits), reverse=True)
    assert len(hits) == 3


def test_filters_narrow_and_still_fill_top_k(client, tenant, cube):
    seed(client, tenant, cube)
    alice = search(client, tenant, cube, query="running a race", top_k=5, filters={"user_id": "alice"})
    assert {hit["memory"]["user_id"] for hit in alice} == {"alice"} and len(alice) == 2
    window = {"start": "2023-02-01T00:00:00Z", "end": "2023-04-01T00:00:00Z"}
    dated = search(client, tenant, cube, query="anything", top_k=5, filters={"time_range": window})
    assert sorted(hit["memory"]["content"] for hit in dated) == sorted([FACTS[1][0], FACTS[2][0]])


def test_min_score_and_top_k_limits(client, tenant, cube, settings_limits):
    seed(client, tenant, cube)
    strict = search(client, tenant, cube, query="Bob is allergic to peanuts", top_k=5, min_score=0.9, mode="dense")
    assert [hit["memory"]["content"] for hit in strict] == ["Bob is allergic to peanuts"]
    too_many = client.post(f"/v1/cubes/{cube['id']}/search", json={"query": "x", "top_k": settings_limits.max_top_k + 1},
                           headers=tenant.headers)
    assert too_many.status_code == 422
    assert client.post(f"/v1/cubes/{cube['id']}/search", json={"query": ""}, headers=tenant.headers).status_code == 422


def test_deleted_memories_never_come_back(client, tenant, cube):
    memories = seed(client, tenant, cube)
    bob = memories["Bob is allergic to peanuts"]
    client.delete(f"/v1/cubes/{cube['id']}/memories/{bob['id']}", headers=tenant.headers)
    for include_archived in (False, True):
        hits = search(client, tenant, cube, query="Bob peanuts allergy", top_k=10, include_archived=include_archived)
        assert bob["id"] not in [hit["memory"]["id"] for hit in hits]
        assert len(hits) == 4


def test_search_sees_a_write_at_once(client, tenant, cube):
    client.post(f"/v1/cubes/{cube['id']}/memories", json={"content": "The wifi password is on the fridge"},
                headers=tenant.headers)
    assert search(client, tenant, cube, query="wifi password")[0]["memory"]["content"] == "The wifi password is on the fridge"


def test_a_query_of_hundreds_of_names_costs_what_a_question_does(client, tenant, cube):
    import itertools
    import string
    import time

    from memos_service.retrieval.search import MAX_QUERY_NAMES, query_entities

    items = [{"content": f"Zed{number} met Alice and Bob about project {number}"} for number in range(100)]
    client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": items}, headers=tenant.headers)
    # 800 distinct capitalised words (the 4,000-character limit): once a regex per name per hit.
    names = ["".join(("Q", *letters)) for letters in itertools.product(string.ascii_lowercase, repeat=3)][:1000 - 2]
    query = " ".join(["Alice", "Bob", *names])[:4000]
    assert len(query_entities(query)) == MAX_QUERY_NAMES and {"alice", "bob"} <= query_entities(query)
    started = time.perf_counter()
    hits = search(client, tenant, cube, query=query, top_k=20)
    assert time.perf_counter() - started < 3.0
    assert len(hits) == 20 and all(hit["scores"]["entity"] > 0 for hit in hits)
