"""Activation and parameter memories end to end (adapters at the end): built by the real worker with
the tiny model, downloaded through the SDK, loaded into transformers, and exact; stale after a
source changes; deleted and purged."""

import time
import uuid

import pytest
import torch
from memos_sdk import ConflictError, MemOS, NotFoundError, UnprocessableEntityError
from memos_sdk.kv import read_metadata, to_past_key_values
from sqlalchemy import select, update

from memos_service.blobs.store import blob_store
from memos_service.config import get_settings
from memos_service.db.engine import session_scope
from memos_service.db.models import Blob, Cube
from memos_service.lm.activation import prefix_ids
from memos_service.lm.model import get_language_model
from tests.tarfiles import members, rebuild


@pytest.fixture
def sdk(live_server, tenant_key, worker):
    with MemOS(live_server.base_url, tenant_key, timeout=120) as client:
        yield client


def build(sdk, cube_id, **selection):
    job = sdk.activations.create(cube_id, wait=True, **selection)
    assert job.status == "succeeded", job.error
    return sdk.activations.get(cube_id, job.result["activation_id"])


def test_a_downloaded_cache_gives_the_same_next_token_logits_as_reading_the_prefix(sdk):
    cube = sdk.cubes.create(f"kv-{uuid.uuid4().hex[:6]}")
    added = sdk.memories.add_batch(cube.id, [{"content": "Alice lives in Paris"}, {"content": "Alice's cat is Miso"},
                                             {"content": "Bob sells bicycles"}])
    activation = build(sdk, cube.id, memory_ids=[memory.id for memory in added[:2]])
    assert activation.status == "ready" and activation.format == "safetensors"
    assert [source["id"] for source in activation.metadata["sources"]] == [str(memory.id) for memory in added[:2]]
    assert activation.metadata["prefix"] == "Things to remember:\n- Alice lives in Paris\n- Alice's cat is Miso\n"
    assert int(activation.metadata["layers"]) == 2 and int(activation.metadata["tokens"]) > 5

    data = sdk.activations.download(cube.id, activation.id)
    assert read_metadata(data)["model_fingerprint"] == activation.model_fingerprint
    lm = get_language_model(get_settings())
    cache = to_past_key_values(data, expected_fingerprint=lm.fingerprint)
    question = prefix_ids(lm, "Where does Alice live?")
    with torch.no_grad():
        cached = lm.model(question, past_key_values=cache).logits[0, -1]
        full = lm.model(torch.cat([prefix_ids(lm, activation.metadata["prefix"]), question], dim=1)).logits[0, -1]
    torch.testing.assert_close(cached, full, rtol=1e-4, atol=1e-5)
    assert sdk.activations.get(cube.id, activation.id).use_count == 1
    with pytest.raises(ValueError, match="built for model"):
        to_past_key_values(data, expected_fingerprint="0" * 64)


def test_caches_go_stale_when_a_source_changes_and_a_rebuild_replaces_them(sdk):
    cube = sdk.cubes.create(f"kv-{uuid.uuid4().hex[:6]}")
    paris, other = sdk.memories.add_batch(cube.id, [{"content": "Alice lives in Paris"}, {"content": "Bob sells bicycles"}])
    sdk.memories.search(cube.id, "bicycles")  # a use: "hottest" picks it first
    by_query = build(sdk, cube.id, query="Where does Alice live?", top_k=1)
    assert [source["id"] for source in by_query.metadata["sources"]] == [str(paris.id)]
    hottest = build(sdk, cube.id, hottest=1, template="Known:\n{memories}\nAnswer briefly.\n")
    assert hottest.metadata["prefix"].startswith("Known:\n- ")

    sdk.memories.update(cube.id, paris.id, content="Alice lives in Berlin", reason="moved")
    assert sdk.activations.get(cube.id, by_query.id).status == "stale"
    job = sdk.activations.rebuild(cube.id, by_query.id, wait=True)
    assert job.status == "succeeded", job.error
    rebuilt = sdk.activations.get(cube.id, job.result["activation_id"])
    assert rebuilt.status == "ready" and "Berlin" in rebuilt.metadata["prefix"]
    with pytest.raises(NotFoundError):
        sdk.activations.get(cube.id, by_query.id)  # replaced
    assert {entry.id for entry in sdk.activations.list(cube.id).data} == {rebuilt.id, hottest.id}


def test_bad_selections_are_refused_and_a_cube_keeps_to_its_model(sdk):
    cube = sdk.cubes.create(f"kv-{uuid.uuid4().hex[:6]}")
    with pytest.raises(UnprocessableEntityError):
        sdk.activations.create(cube.id, query="x", hottest=2)
    with pytest.raises(UnprocessableEntityError):
        sdk.activations.create(cube.id, hottest=2, template="no placeholder")
    empty = sdk.activations.create(cube.id, hottest=3, wait=True)
    assert empty.status == "failed" and "no active memories" in empty.error

    sdk.memories.add(cube.id, "Alice lives in Paris")
    with session_scope() as session:
        session.execute(update(Cube).where(Cube.id == cube.id).values(lm_name="other-model", lm_fingerprint="f" * 64))
    refused = sdk.activations.create(cube.id, hottest=1, wait=True)
    assert refused.status == "failed" and "other-model" in refused.error


def test_a_corrupt_file_is_never_served_and_delete_removes_the_bytes(sdk, live_server, tenant_key):
    cube = sdk.cubes.create(f"kv-{uuid.uuid4().hex[:6]}")
    sdk.memories.add(cube.id, "Carol plays the cello")
    activation = build(sdk, cube.id, hottest=1)
    path = blob_store(get_settings()).path(activation.sha256)
    original = path.read_bytes()
    path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    with pytest.raises(Exception) as corrupt:
        sdk.activations.download(cube.id, activation.id)
    assert getattr(corrupt.value, "status_code", None) == 500 and corrupt.value.type == "blob_corrupt"
    path.write_bytes(original)

    sdk.activations.delete(cube.id, activation.id)
    with pytest.raises(NotFoundError):
        sdk.activations.get(cube.id, activation.id)
    assert not path.exists()


def test_purging_a_user_purges_the_caches_built_from_their_memories(sdk):
    cube = sdk.cubes.create(f"kv-{uuid.uuid4().hex[:6]}")
    sdk.memories.add(cube.id, "Dora's PIN is 1234", user_id="dora")
    activation = build(sdk, cube.id, hottest=1)
    assert sdk.users.forget("dora", purge=True).memories == 1
    with pytest.raises(NotFoundError):
        sdk.activations.get(cube.id, activation.id)
    with session_scope() as session:
        assert session.scalar(select(Blob).where(Blob.id == activation.id)) is None


def test_another_tenants_activation_is_not_found(sdk, live_server, admin_key):
    cube = sdk.cubes.create(f"kv-{uuid.uuid4().hex[:6]}")
    sdk.memories.add(cube.id, "Erin collects stamps")
    activation = build(sdk, cube.id, hottest=1)
    with MemOS(live_server.base_url, admin_key) as admin:
        tenant = admin.admin.create_tenant(f"other-{uuid.uuid4().hex[:6]}")
        key = admin.admin.create_api_key(tenant.id).key
    with MemOS(live_server.base_url, key) as stranger:
        with pytest.raises(NotFoundError):
            stranger.activations.get(cube.id, activation.id)
        with pytest.raises(NotFoundError):
            stranger.activations.download(cube.id, activation.id)



def test_without_a_configured_model_a_cache_request_is_a_clear_503(client, tenant, cube):
    configured = client.app.state.settings
    # Starlette's State is not something pytest's monkeypatch can restore: put it back by hand.
    client.app.state.settings = configured.model_copy(update={"lm_path": None})
    try:
        refused = client.post(f"/v1/cubes/{cube['id']}/activations", json={"hottest": 3}, headers=tenant.headers)
    finally:
        client.app.state.settings = configured
    assert refused.status_code == 503
    assert refused.json()["error"]["type"] == "model_unavailable" and "MEMOS_LM_PATH" in refused.json()["error"]["message"]



def test_an_adapter_lowers_the_loss_on_its_memories_and_reproduces_the_servers_outputs(sdk):
    from memos_sdk.lora import load_adapter
    from transformers import AutoModelForCausalLM

    cube = sdk.cubes.create(f"lora-{uuid.uuid4().hex[:6]}")
    added = sdk.memories.add_batch(cube.id, [{"content": "Alice lives in Paris"}, {"content": "Alice's cat is Miso"}])
    job = sdk.adapters.create(cube.id, memory_ids=[memory.id for memory in added], rank=4, steps=20,
                              learning_rate=5e-3, wait=True)
    assert job.status == "succeeded", job.error
    assert job.result["loss_after"] < job.result["loss_before"]
    adapter = sdk.adapters.get(cube.id, job.result["adapter_id"])
    record = adapter.metadata
    assert job.progress == {"step": 20, "steps": 20, "loss": record["loss_curve"][-1]}
    assert record["version"] == 1 and record["active"] is False and record["rank"] == 4 and len(record["loss_curve"]) == 20
    assert [source["id"] for source in record["sources"]] == [str(memory.id) for memory in added]
    assert adapter.model_fingerprint == get_language_model(get_settings()).fingerprint

    lm = get_language_model(get_settings())
    base = AutoModelForCausalLM.from_pretrained(get_settings().lm_path, local_files_only=True)
    model = load_adapter(base, sdk.adapters.download(cube.id, adapter.id), record)
    probe = prefix_ids(lm, record["probe"]["text"])
    with torch.no_grad():
        logits = model(probe).logits[0, -1, :len(record["probe"]["logits"])]
    torch.testing.assert_close(logits, torch.tensor(record["probe"]["logits"]), rtol=1e-5, atol=1e-5)

    second = sdk.adapters.create(cube.id, hottest=1, steps=2, wait=True)
    newer = sdk.adapters.get(cube.id, second.result["adapter_id"])
    assert newer.metadata["version"] == 2
    assert sdk.adapters.activate(cube.id, adapter.id).metadata["active"] is True
    assert sdk.adapters.activate(cube.id, newer.id).metadata["active"] is True
    assert sdk.adapters.get(cube.id, adapter.id).metadata["active"] is False
    sdk.memories.update(cube.id, added[0].id, content="Alice lives in Rome")
    assert sdk.adapters.get(cube.id, adapter.id).status == "stale"
    sdk.adapters.delete(cube.id, adapter.id)
    assert [entry.id for entry in sdk.adapters.list(cube.id).data] == [newer.id]


def test_beat_keeps_a_cache_of_the_hottest_memories_and_retires_unused_ones(sdk, tenant_key):
    from datetime import UTC, datetime, timedelta

    from workers.lifecycle import schedule_lifecycle

    cube = sdk.cubes.create(f"hot-{uuid.uuid4().hex[:6]}", config={
        "activation": {"enabled": True, "hottest": 2, "interval_minutes": 1, "retire_unused_days": 3},
        "consolidation": {"enabled": False}, "forgetting": {"enabled": False}})
    tea, bikes, _ = sdk.memories.add_batch(cube.id, [{"content": "Alice drinks green tea"},
                                                     {"content": "Bob repairs bicycles"}, {"content": "Carol sings"}])
    for _ in range(2):
        sdk.memories.search(cube.id, "green tea bicycles", top_k=2)
    for _ in range(100):  # uses are written by the server's access writer just after it answers
        if sdk.memories.get(cube.id, bikes.id).access_count == 2:
            break
        time.sleep(0.05)
    with session_scope() as session:
        tenant_id = session.get(Cube, cube.id).tenant_id

    def schedule(minutes: float) -> list:
        schedule_lifecycle(at=(datetime.now(UTC) + timedelta(minutes=minutes)).isoformat(), tenant_id=str(tenant_id))
        for job in sdk.jobs.list(cube_id=cube.id, kind="activation").data:
            for _ in range(300):
                if sdk.jobs.get(job.id).finished:
                    break
                time.sleep(0.2)
        return sdk.activations.list(cube.id).data

    (hot,) = schedule(2)
    assert {source["id"] for source in hot.metadata["sources"]} == {str(tea.id), str(bikes.id)}
    assert hot.metadata["scheduled"] is True
    assert [entry.id for entry in schedule(4)] == [hot.id]  # the same hottest memories: nothing rebuilt
    sdk.memories.update(cube.id, tea.id, content="Alice drinks black tea")
    (rebuilt,) = schedule(6)
    assert rebuilt.id != hot.id and "black tea" in rebuilt.metadata["prefix"]
    assert schedule(60 * 24 * 4) == []  # unused for longer than retire_unused_days


def test_an_archive_carries_caches_and_adapters_to_another_tenant(sdk, live_server, admin_key):
    cube = sdk.cubes.create(f"move-{uuid.uuid4().hex[:6]}")
    paris, cat, bikes = sdk.memories.add_batch(cube.id, [{"content": "Alice lives in Paris"}, {"content": "Alice's cat is Miso"},
                                                         {"content": "Bob sells bicycles"}])
    activation = build(sdk, cube.id, memory_ids=[paris.id, cat.id])
    trained = sdk.adapters.create(cube.id, memory_ids=[paris.id, bikes.id], rank=4, steps=2, wait=True)
    adapter = sdk.adapters.activate(cube.id, trained.result["adapter_id"])
    sdk.memories.update(cube.id, bikes.id, content="Bob sells scooters")  # the adapter goes stale, the cache not
    archive = sdk.cubes.export(cube.id)

    with MemOS(live_server.base_url, admin_key) as admin:
        tenant = admin.admin.create_tenant(f"dest-{uuid.uuid4().hex[:6]}")
        key = admin.admin.create_api_key(tenant.id).key
    with MemOS(live_server.base_url, key, timeout=120) as other:
        result = other.cubes.import_(archive)
        assert (result.memories_imported, result.activations_imported, result.adapters_imported) == (3, 1, 1)
        copy = result.cube_id
        assert other.cubes.export(copy) == archive  # nothing lost or changed on the way

        contents = {str(memory.id): memory.content for memory in other.memories.list(copy).data}
        cache = other.activations.list(copy).data[0]
        assert [contents[source["id"]] for source in cache.metadata["sources"]] == ["Alice lives in Paris", "Alice's cat is Miso"]
        assert cache.status == "ready" and cache.model_fingerprint == activation.model_fingerprint
        assert other.activations.download(copy, cache.id) == sdk.activations.download(cube.id, activation.id)
        moved = other.adapters.list(copy).data[0]
        assert moved.status == "stale" and moved.metadata["active"] is True and moved.metadata["version"] == 1
        assert moved.metadata["loss_curve"] == adapter.metadata["loss_curve"]
        assert other.adapters.download(copy, moved.id) == sdk.adapters.download(cube.id, adapter.id)

        # The cache's links point at the imported memories: changing one makes it stale.
        alice = next(memory_id for memory_id, content in contents.items() if content == "Alice lives in Paris")
        other.memories.update(copy, alice, content="Alice lives in Lyon")
        assert other.activations.get(copy, cache.id).status == "stale"

        # Into a cube whose caches belong to another model: refused, nothing written.
        target = other.cubes.create("other-model")
        with session_scope() as session:
            session.execute(update(Cube).where(Cube.id == target.id).values(lm_name="other", lm_fingerprint="f" * 64))
        with pytest.raises(ConflictError):
            other.cubes.import_into(target.id, archive)
        assert other.memories.list(target.id).data == []

        # Bytes that are not what their name says are refused.
        files = members(archive)
        name = f"blobs/{activation.sha256}"
        files[name] = files[name][:-1] + bytes([files[name][-1] ^ 1])
        with pytest.raises(UnprocessableEntityError, match="checksum"):
            other.cubes.import_into(target.id, rebuild(files))
        target_memories = other.memories.list(target.id).data
    assert target_memories == []
