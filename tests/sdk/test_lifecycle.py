"""SDK lifecycle calls against a live server and a real worker: consolidate, forget, restore,
jobs list/cancel, and forgetting a user."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from memos_sdk import AsyncMemOS, ConflictError, MemOS, UnprocessableEntityError


def test_sync_sdk_consolidates_forgets_restores_and_forgets_users(live_server, tenant_key, worker):
    with MemOS(live_server.base_url, tenant_key) as client:
        cube = client.cubes.create(f"sdk-life-{uuid.uuid4().hex[:6]}", config={"consolidation": {"summarize_sessions": False}})
        client.memories.add_batch(cube.id, [{"content": "Ines restores old bicycles", "user_id": "ines"},
                                            {"content": "Ines restores old bicycles as a hobby", "user_id": "ines"}])
        plan = client.cubes.consolidate(cube.id, dry_run=True, wait=True)
        assert plan.status == "succeeded" and plan.result["clusters"] == 1
        done = client.cubes.consolidate(cube.id, wait=True)
        assert done.result["applied"]["memories_merged"] == 1
        assert [job.id for job in client.jobs.list(cube_id=cube.id, kind="consolidate").data] == [done.id, plan.id]

        preview = client.cubes.forget(cube.id, dry_run=True, as_of=datetime.now(UTC) + timedelta(days=400), wait=True)
        assert preview.result["to_archive"]["faded"] == 1
        with pytest.raises(UnprocessableEntityError):
            client.cubes.forget(cube.id, as_of=datetime.now(UTC) + timedelta(days=400))
        with pytest.raises(ConflictError):
            client.jobs.cancel(done.id)

        survivor = client.memories.list(cube.id).data[0]
        with pytest.raises(ConflictError):
            client.memories.restore(cube.id, client.memories.delete(cube.id, survivor.id).id)

        forgotten = client.users.forget("ines", purge=True)
        assert forgotten.purged and forgotten.memories == 2
        assert client.memories.list(cube.id, status=["active", "merged", "deleted"]).data == []


def test_async_sdk_lifecycle(live_server, tenant_key, worker):
    async def run() -> None:
        async with AsyncMemOS(live_server.base_url, tenant_key) as client:
            cube = await client.cubes.create(f"sdk-life-{uuid.uuid4().hex[:6]}")
            job = await client.cubes.forget(cube.id, dry_run=True, wait=True)
            assert job.finished and job.result["dry_run"] is True
            listed = await client.jobs.list(status=["succeeded"], cube_id=cube.id)
            assert [entry.id for entry in listed.data] == [job.id]
            assert (await client.users.forget("nobody")).memories == 0

    asyncio.run(run())
