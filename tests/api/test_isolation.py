"""A second tenant can neither read, list, search, change, export nor learn of the first one's data."""

import uuid


def test_another_tenants_ids_answer_exactly_like_missing_ones(client, make_tenant):
    owner, stranger = make_tenant(), make_tenant()
    cube = client.post("/v1/cubes", json={"name": "private"}, headers=owner.headers).json()
    memory = client.post(f"/v1/cubes/{cube['id']}/memories", json={"content": "owner's secret"}, headers=owner.headers).json()
    base = f"/v1/cubes/{cube['id']}"
    missing_cube = f"/v1/cubes/{uuid.uuid4()}"
    attempts = [
        ("GET", "", None), ("PATCH", "", {"description": "mine now"}), ("DELETE", "", None),
        ("DELETE", "?purge=true", None),
        ("GET", "/memories", None), ("POST", "/memories", {"content": "planted"}),
        ("POST", "/memories/batch", {"items": [{"content": "planted"}]}),
        ("GET", f"/memories/{memory['id']}", None), ("PATCH", f"/memories/{memory['id']}", {"content": "changed"}),
        ("DELETE", f"/memories/{memory['id']}", None), ("GET", f"/memories/{memory['id']}/history", None),
        ("POST", "/search", {"query": "secret"}), ("GET", "/export", None),
    ]
    for method, suffix, body in attempts:
        theirs = client.request(method, base + suffix, json=body, headers=stranger.headers)
        nothing = client.request(method, missing_cube + suffix, json=body, headers=stranger.headers)
        assert theirs.status_code == nothing.status_code == 404, (method, suffix, theirs.text)
        assert theirs.json()["error"]["message"].replace(cube["id"], "ID") == \
            nothing.json()["error"]["message"].replace(missing_cube.rsplit("/", 1)[1], "ID")
    archive = client.get(f"{base}/export", headers=owner.headers).content
    planted = client.post(f"{base}/import", content=archive, headers={**stranger.headers, "Content-Type": "application/x-tar"})
    assert planted.status_code == 404

    # The stranger's own memory under the owner's cube id: still 404, even with a valid memory id of its own.
    own_cube = client.post("/v1/cubes", json={"name": "mine"}, headers=stranger.headers).json()
    own = client.post(f"/v1/cubes/{own_cube['id']}/memories", json={"content": "x"}, headers=stranger.headers).json()
    assert client.get(f"{base}/memories/{own['id']}", headers=owner.headers).status_code == 404
    assert client.get(f"/v1/cubes/{own_cube['id']}/memories/{memory['id']}", headers=stranger.headers).status_code == 404

    assert [c["id"] for c in client.get("/v1/cubes", headers=stranger.headers).json()["data"]] == [own_cube["id"]]
    # Nothing the stranger did touched the owner's data.
    still = client.get(f"{base}/memories/{memory['id']}", headers=owner.headers).json()
    assert still["content"] == "owner's secret" and still["version"] == 1
    assert len(client.get(f"{base}/memories", headers=owner.headers).json()["data"]) == 1
    assert client.get(base, headers=owner.headers).json()["description"] == ""


def test_search_never_crosses_tenants(client, make_tenant):
    owner, stranger = make_tenant(), make_tenant()
    mine = client.post("/v1/cubes", json={"name": "same-name"}, headers=owner.headers).json()
    theirs = client.post("/v1/cubes", json={"name": "same-name"}, headers=stranger.headers).json()
    client.post(f"/v1/cubes/{mine['id']}/memories", json={"content": "launch codes are 1234"}, headers=owner.headers)
    client.post(f"/v1/cubes/{theirs['id']}/memories", json={"content": "grocery list"}, headers=stranger.headers)
    hits = client.post(f"/v1/cubes/{theirs['id']}/search", json={"query": "launch codes", "top_k": 50},
                       headers=stranger.headers).json()["data"]
    assert [hit["memory"]["content"] for hit in hits] == ["grocery list"]
