"""Inputs that once reached the database and answered 500: each is now a 4xx in the error model,
and nothing is written."""

import base64
import json

import pytest

from tests.api.test_archive import TAR, build_cube
from tests.tarfiles import members, rebuild


def _cursor(key: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def test_a_memory_type_longer_than_its_column_is_a_422(client, tenant, cube):
    url = f"/v1/cubes/{cube['id']}/memories"
    refused = client.post(url, json={"content": "Ana likes tea", "memory_type": "t" * 65}, headers=tenant.headers)
    assert refused.status_code == 422 and refused.json()["error"]["type"] == "validation_error"
    accepted = client.post(url, json={"content": "Ana likes tea", "memory_type": "t" * 64}, headers=tenant.headers)
    assert accepted.status_code == 201, accepted.text
    listed = client.get(url, params={"memory_type": "t" * 65}, headers=tenant.headers)
    assert listed.status_code == 422


@pytest.mark.parametrize("key", [["abc"], [None], [1e999], [2**63], [-1], [1.5], [True]])
def test_malformed_cursors_are_a_400_not_a_database_error(client, tenant, cube, key):
    for url in (f"/v1/cubes/{cube['id']}/memories", f"/v1/cubes/{cube['id']}/operations"):
        answer = client.get(url, params={"after": _cursor(key)}, headers=tenant.headers)
        assert 400 <= answer.status_code < 500 and "cursor" in answer.json()["error"]["message"], (url, key, answer.text)
    jobs = client.get("/v1/jobs", params={"after": _cursor([1, 2])}, headers=tenant.headers)
    assert 400 <= jobs.status_code < 500, jobs.text


def test_a_nul_in_a_path_parameter_is_a_422(client, tenant):
    answer = client.delete("/v1/users/ana%00bob", headers=tenant.headers)
    assert answer.status_code == 422, answer.text
    assert client.delete("/v1/users/" + "u" * 201, headers=tenant.headers).status_code == 422


def test_archive_fields_longer_than_their_columns_or_with_nul_are_refused(client, tenant, cube):
    files = members(client.get(f"/v1/cubes/{build_cube(client, tenant)['id']}/export", headers=tenant.headers).content)
    records = [json.loads(line) for line in files["memories.jsonl"].splitlines()]

    def with_first(change) -> bytes:
        import hashlib

        changed = [change(json.loads(json.dumps(records[0])))] + records[1:]
        body = b"".join(json.dumps(record).encode() + b"\n" for record in changed)
        manifest = json.loads(files["manifest.json"])
        manifest["files"]["memories.jsonl"].update(sha256=hashlib.sha256(body).hexdigest(), bytes=len(body))
        return rebuild(dict(files, **{"manifest.json": json.dumps(manifest).encode(), "memories.jsonl": body}))

    def long_type(record):
        record["memory_type"] = "t" * 65
        return record

    def long_op(record):
        record["versions"][0]["op"] = "X" * 40
        return record

    def nul_metadata(record):
        record["metadata"] = {"note": "a\u0000b"}
        return record

    for archive in (with_first(long_type), with_first(long_op), with_first(nul_metadata)):
        refused = client.post(f"/v1/cubes/{cube['id']}/import", content=archive, headers={**tenant.headers, **TAR})
        assert refused.status_code == 422, refused.text
    assert client.get(f"/v1/cubes/{cube['id']}/memories", headers=tenant.headers).json()["data"] == []
