"""A user's code, type-checked (mypy --strict) against the installed memos-sdk by tests/sdk/test_typing.py:
every method of both clients, each async one awaited, with the type it must have. Never run."""

from typing import assert_type
from uuid import UUID

from memos_sdk import (
    Activation,
    Adapter,
    AnswerContext,
    ApiKey,
    ApiKeyCreated,
    APIResponse,
    AsyncMemOS,
    AsyncPage,
    Cube,
    CubeDeleted,
    ImportResult,
    Job,
    Memory,
    MemoryHistory,
    MemOS,
    Operation,
    SearchResult,
    SyncPage,
    Tenant,
    UserForgotten,
)


def blocking(client: MemOS, cube_id: UUID, memory_id: UUID, job_id: UUID, blob_id: UUID) -> None:
    assert_type(client.admin.create_tenant("acme"), Tenant)
    assert_type(client.admin.create_api_key(cube_id, scopes=["read"]).key, str)
    assert_type(client.admin.revoke_api_key(cube_id), ApiKey)
    assert_type(client.cubes.create("a", config={"manager": "learned"}, timeout=5.0), Cube)
    assert_type(client.cubes.get(cube_id, extra_headers={"X-Request-ID": "mine"}), Cube)
    assert_type(client.cubes.list(limit=10), SyncPage[Cube])
    assert_type(client.cubes.update(cube_id, name="b"), Cube)
    assert_type(client.cubes.delete(cube_id, purge=True), CubeDeleted)
    assert_type(client.cubes.export(cube_id), bytes)
    assert_type(client.cubes.import_(b"", name="copy"), ImportResult)
    assert_type(client.cubes.import_into(cube_id, b""), ImportResult)
    assert_type(client.cubes.consolidate(cube_id, dry_run=True), Job)
    assert_type(client.cubes.forget(cube_id, wait=True), Job)
    assert_type(client.memories.add(cube_id, "Alice lives in Paris", user_id="alice"), Memory)
    assert_type(client.memories.add_batch(cube_id, [{"content": "x"}]), list[Memory])
    assert_type(client.memories.get(cube_id, memory_id), Memory)
    for memory in client.memories.list(cube_id, status=["active", "archived"]):
        assert_type(memory, Memory)
    assert_type(client.memories.update(cube_id, memory_id, content="y"), Memory)
    assert_type(client.memories.delete(cube_id, memory_id), Memory)
    assert_type(client.memories.restore(cube_id, memory_id), Memory)
    assert_type(client.memories.history(cube_id, memory_id), MemoryHistory)
    assert_type(client.memories.ingest(cube_id, [{"role": "user", "content": "hi"}], wait=True), Job)
    assert_type(client.memories.context(cube_id, "where?"), AnswerContext)
    assert_type(client.memories.operations(cube_id, op="UPDATE"), SyncPage[Operation])
    assert_type(client.memories.search(cube_id, "where?", mode="dense"), list[SearchResult])
    assert_type(client.jobs.get(job_id), Job)
    assert_type(client.jobs.list(status=["failed"], kind="ingest"), SyncPage[Job])
    assert_type(client.jobs.cancel(job_id), Job)
    assert_type(client.users.forget("alice", purge=True), UserForgotten)
    assert_type(client.activations.create(cube_id, hottest=20), Job)
    assert_type(client.activations.rebuild(cube_id, blob_id), Job)
    assert_type(client.activations.list(cube_id), SyncPage[Activation])
    assert_type(client.activations.get(cube_id, blob_id), Activation)
    assert_type(client.activations.download(cube_id, blob_id), bytes)
    assert_type(client.activations.delete(cube_id, blob_id), None)
    assert_type(client.adapters.create(cube_id, rank=4), Job)
    assert_type(client.adapters.list(cube_id), SyncPage[Adapter])
    assert_type(client.adapters.get(cube_id, blob_id), Adapter)
    assert_type(client.adapters.activate(cube_id, blob_id), Adapter)
    raw = client.cubes.create.with_raw_response("a")
    assert_type(raw, APIResponse[Cube])
    assert_type(raw.parse(), Cube)
    assert_type(raw.request_id, str | None)
    page = client.memories.list(cube_id)
    assert_type(page.data, list[Memory])
    assert_type(page.get_next_page(), SyncPage[Memory])


async def awaited(client: AsyncMemOS, cube_id: UUID, memory_id: UUID, job_id: UUID, blob_id: UUID) -> None:
    assert_type(await client.admin.create_tenant("acme"), Tenant)
    assert_type(await client.admin.create_api_key(cube_id, scopes=["read", "write"]), ApiKeyCreated)
    assert_type(await client.admin.revoke_api_key(cube_id), ApiKey)
    assert_type(await client.cubes.create("a", timeout=5.0), Cube)
    assert_type(await client.cubes.get(cube_id), Cube)
    assert_type(await client.cubes.list(), AsyncPage[Cube])
    assert_type(await client.cubes.update(cube_id, description="d"), Cube)
    assert_type(await client.cubes.delete(cube_id), CubeDeleted)
    assert_type(await client.cubes.export(cube_id), bytes)
    assert_type(await client.cubes.import_(b""), ImportResult)
    assert_type(await client.cubes.import_into(cube_id, b""), ImportResult)
    assert_type(await client.cubes.consolidate(cube_id), Job)
    assert_type(await client.cubes.forget(cube_id), Job)
    assert_type(await client.memories.add(cube_id, "x"), Memory)
    assert_type(await client.memories.add_batch(cube_id, [{"content": "x"}]), list[Memory])
    assert_type(await client.memories.get(cube_id, memory_id), Memory)
    async for memory in client.memories.list(cube_id):
        assert_type(memory, Memory)
    assert_type(await client.memories.list(cube_id, limit=5), AsyncPage[Memory])
    assert_type(await client.memories.update(cube_id, memory_id, tags=["t"]), Memory)
    assert_type(await client.memories.delete(cube_id, memory_id, reason="gone"), Memory)
    assert_type(await client.memories.restore(cube_id, memory_id), Memory)
    assert_type(await client.memories.history(cube_id, memory_id), MemoryHistory)
    assert_type(await client.memories.ingest(cube_id, [{"role": "user", "content": "hi", "id": "m1"}]), Job)
    assert_type(await client.memories.context(cube_id, "where?", token_budget=200), AnswerContext)
    async for operation in client.memories.operations(cube_id):
        assert_type(operation, Operation)
    assert_type(await client.memories.search(cube_id, "where?", top_k=3), list[SearchResult])
    assert_type(await client.jobs.get(job_id), Job)
    async for job in client.jobs.list(status=["succeeded"]):
        assert_type(job, Job)
    assert_type(await client.jobs.cancel(job_id), Job)
    assert_type(await client.users.forget("alice"), UserForgotten)
    assert_type(await client.activations.create(cube_id, query="q", top_k=3), Job)
    assert_type(await client.activations.rebuild(cube_id, blob_id), Job)
    assert_type(await client.activations.list(cube_id), AsyncPage[Activation])
    assert_type(await client.activations.get(cube_id, blob_id), Activation)
    assert_type(await client.activations.download(cube_id, blob_id), bytes)
    assert_type(await client.activations.delete(cube_id, blob_id), None)
    assert_type(await client.adapters.create(cube_id, steps=10), Job)
    assert_type(await client.adapters.list(cube_id), AsyncPage[Adapter])
    assert_type(await client.adapters.get(cube_id, blob_id), Adapter)
    assert_type(await client.adapters.activate(cube_id, blob_id), Adapter)
    raw = await client.memories.get.with_raw_response(cube_id, memory_id)
    assert_type(raw, APIResponse[Memory])
    page = await client.jobs.list()
    assert_type(await page.get_next_page(), AsyncPage[Job])
    async with AsyncMemOS(api_key="k") as other:
        assert_type(await other.cubes.get(cube_id), Cube)
