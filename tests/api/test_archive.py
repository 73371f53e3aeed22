import json

from tests.tarfiles import members, rebuild

TAR = {"Content-Type": "application/x-tar"}


def build_cube(client, tenant, name="source") -> dict:
    body = {"name": name, "description": "d", "config": {"manager": "heuristic"}}
    cube = client.post("/v1/cubes", json=body, headers=tenant.headers).json()
    url = f"/v1/cubes/{cube['id']}/memories"
    items = [{"content": "Alice lives in Paris", "user_id": "alice", "event_time": "2023-05-08T13:56:00Z",
              "source": {"message_ids": ["D1:1"], "role": "user"}, "metadata": {"n": 1.5}, "tags": ["home"]},
             {"content": "Bob likes tea", "user_id": "bob"},
             {"content": "Carol plays chess", "user_id": "carol"}]
    alice, bob, _ = client.post(f"{url}/batch", json={"items": items}, headers=tenant.headers).json()["data"]
    client.patch(f"{url}/{alice['id']}", json={"content": "Alice lives in Berlin", "reason": "moved"}, headers=tenant.headers)
    client.delete(f"{url}/{bob['id']}", headers=tenant.headers)
    return cube


def test_export_import_export_is_identical_across_tenants(client, make_tenant):
    owner, other = make_tenant(), make_tenant()
    cube = build_cube(client, owner)
    archive = client.get(f"/v1/cubes/{cube['id']}/export", headers=owner.headers)
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/x-tar"
    files = members(archive.content)
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == "memos-cube-archive" and manifest["files"]["memories.jsonl"]["records"] == 3
    assert manifest["cube"] == {"name": "source", "description": "d", "owner_user_id": None,
                                "config": {"manager": "heuristic"}}

    imported = client.post("/v1/cubes/import", content=archive.content, headers={**other.headers, **TAR})
    assert imported.status_code == 201 and imported.json()["memories_imported"] == 3
    new_id = imported.json()["cube_id"]
    again = client.get(f"/v1/cubes/{new_id}/export", headers=other.headers)
    assert again.content == archive.content

    # What came across works: history, tombstones and search.
    listed = client.get(f"/v1/cubes/{new_id}/memories", params={"status": ["active", "deleted"]}, headers=other.headers).json()
    alice = next(m for m in listed["data"] if m["user_id"] == "alice")
    history = client.get(f"/v1/cubes/{new_id}/memories/{alice['id']}/history", headers=other.headers).json()["versions"]
    assert [v["content"] for v in history] == ["Alice lives in Paris", "Alice lives in Berlin"]
    assert {m["user_id"]: m["status"] for m in listed["data"]} == {"alice": "active", "bob": "deleted", "carol": "active"}
    hits = client.post(f"/v1/cubes/{new_id}/search", json={"query": "where does Alice live"}, headers=other.headers).json()
    assert hits["data"][0]["memory"]["content"] == "Alice lives in Berlin"


def test_import_into_an_existing_cube_adds(client, tenant, cube):
    source = build_cube(client, tenant)
    archive = client.get(f"/v1/cubes/{source['id']}/export", headers=tenant.headers).content
    added = client.post(f"/v1/cubes/{cube['id']}/import", content=archive, headers={**tenant.headers, **TAR})
    assert added.json() == {"cube_id": cube["id"], "memories_imported": 3, "activations_imported": 0, "adapters_imported": 0}
    named = client.post("/v1/cubes/import", params={"name": "copy"}, content=archive, headers={**tenant.headers, **TAR})
    assert client.get(f"/v1/cubes/{named.json()['cube_id']}", headers=tenant.headers).json()["name"] == "copy"
    clash = client.post("/v1/cubes/import", content=archive, headers={**tenant.headers, **TAR})
    assert clash.status_code == 409


def test_damaged_archives_are_refused_and_write_nothing(client, tenant, cube):
    source = build_cube(client, tenant)
    files = members(client.get(f"/v1/cubes/{source['id']}/export", headers=tenant.headers).content)
    tampered = dict(files, **{"memories.jsonl": files["memories.jsonl"].replace(b"Paris", b"Rome!")})
    dangling = json.loads(files["memories.jsonl"].splitlines()[0])
    dangling["merged_into"] = "m99999999"
    lines = [json.dumps(dangling).encode()] + files["memories.jsonl"].splitlines()[1:]
    relinked_body = b"\n".join(lines) + b"\n"
    manifest = json.loads(files["manifest.json"])
    import hashlib

    manifest["files"]["memories.jsonl"].update(sha256=hashlib.sha256(relinked_body).hexdigest(), bytes=len(relinked_body))
    relinked = {"manifest.json": json.dumps(manifest).encode(), "memories.jsonl": relinked_body}
    pickled = dict(files, **{"payload.pkl": b"\x80\x04."})
    for bad in (b"not a tar at all", rebuild(tampered), rebuild(relinked), rebuild(pickled),
                rebuild({"manifest.json": files["manifest.json"]})):
        refused = client.post(f"/v1/cubes/{cube['id']}/import", content=bad, headers={**tenant.headers, **TAR})
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["message"].startswith("invalid archive")
    assert client.get(f"/v1/cubes/{cube['id']}/memories", headers=tenant.headers).json()["data"] == []


def test_a_format_1_archive_without_caches_still_imports(client, tenant, cube):
    files = members(client.get(f"/v1/cubes/{build_cube(client, tenant)['id']}/export", headers=tenant.headers).content)
    manifest = json.loads(files["manifest.json"])
    assert manifest["format_version"] == 2 and manifest["files"]["blobs.jsonl"]["records"] == 0
    manifest["format_version"] = 1
    del manifest["files"]["blobs.jsonl"]
    old = {"manifest.json": json.dumps(manifest).encode(), "memories.jsonl": files["memories.jsonl"]}
    imported = client.post(f"/v1/cubes/{cube['id']}/import", content=rebuild(old), headers={**tenant.headers, **TAR})
    assert imported.status_code == 201 and imported.json()["memories_imported"] == 3
    # A format 2 archive must say what its blob records hash to.
    manifest["format_version"] = 2
    unlisted = dict(old, **{"manifest.json": json.dumps(manifest).encode()})
    refused = client.post(f"/v1/cubes/{cube['id']}/import", content=rebuild(unlisted), headers={**tenant.headers, **TAR})
    assert refused.status_code == 422 and "blobs.jsonl" in refused.json()["error"]["message"]
