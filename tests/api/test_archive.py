import hashlib
import io
import json
import tarfile

import pytest

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


def _blob_store_files() -> set[str]:
    from memos_service.blobs.store import blob_store
    from memos_service.config import get_settings

    root = blob_store(get_settings()).root
    return {str(path.relative_to(root)) for path in root.rglob("*")} if root.exists() else set()


def _with_member(files: dict[str, bytes], info: tarfile.TarInfo, data: bytes, tar_format: int) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tar_format) as tar:
        for name, body in files.items():
            plain = tarfile.TarInfo(name)
            plain.size = len(body)
            tar.addfile(plain, io.BytesIO(body))
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_pax_and_long_name_members_are_refused_before_the_tar_library_parses_them(client, tenant, cube):
    files = members(client.get(f"/v1/cubes/{build_cube(client, tenant)['id']}/export", headers=tenant.headers).content)
    # Python 3.11's pax parsing is quadratic: a crafted 130 KB header froze every request for 19.9 s.
    for tar_format, info in ((tarfile.PAX_FORMAT, tarfile.TarInfo("blobs/" + "a" * 200)),
                             (tarfile.GNU_FORMAT, tarfile.TarInfo("blobs/" + "b" * 200)),
                             (tarfile.USTAR_FORMAT, tarfile.TarInfo("blobs"))):
        if info.name == "blobs":
            info.type = tarfile.DIRTYPE
        refused = client.post(f"/v1/cubes/{cube['id']}/import", content=_with_member(files, info, b"", tar_format),
                              headers={**tenant.headers, **TAR})
        assert refused.status_code == 422, refused.text
        assert "plain files only" in refused.json()["error"]["message"]
    assert client.get(f"/v1/cubes/{cube['id']}/memories", headers=tenant.headers).json()["data"] == []


def test_a_refused_import_leaves_no_blob_behind(client, make_tenant):
    owner, other = make_tenant(), make_tenant()
    files = members(client.get(f"/v1/cubes/{build_cube(client, owner)['id']}/export", headers=owner.headers).content)
    data = b"bytes of a cache the manifest never lists" * 1000
    archive = _with_member(files, tarfile.TarInfo(f"blobs/{hashlib.sha256(data).hexdigest()}"), data, tarfile.USTAR_FORMAT)
    before = _blob_store_files()
    mine = client.post("/v1/cubes", json={"name": "target"}, headers=owner.headers).json()
    refused = client.post(f"/v1/cubes/{mine['id']}/import", content=archive, headers={**owner.headers, **TAR})
    assert refused.status_code == 422 and "do not match the manifest" in refused.json()["error"]["message"]
    # Aimed at another tenant's cube: not found, before a byte of the archive is read.
    theirs = client.post(f"/v1/cubes/{mine['id']}/import", content=archive, headers={**other.headers, **TAR})
    assert theirs.status_code == 404
    assert _blob_store_files() == before


def test_an_archive_of_too_many_members_is_refused_by_counting_headers():
    from memos_service.cube.archive import MAX_BLOB_FILES, ArchiveError, check_members

    header = bytearray(512)
    header[0:5], header[124:136], header[156:157] = b"blobs", b"00000000000\0", b"0"
    many = io.BytesIO(bytes(header) * (MAX_BLOB_FILES + 4) + bytes(1024))
    with pytest.raises(ArchiveError, match="at most"):
        check_members(many)
    enough = io.BytesIO(bytes(header) * (MAX_BLOB_FILES + 3) + bytes(1024))
    check_members(enough)
    assert enough.tell() == 0
