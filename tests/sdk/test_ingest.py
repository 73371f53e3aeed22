"""SDK ingestion, jobs, operations and answer context against a live server and a real worker."""

import asyncio
import uuid

from memos_sdk import AsyncMemOS, MemOS


def test_sync_sdk_ingests_and_builds_context(live_server, tenant_key, worker):
    with MemOS(live_server.base_url, tenant_key) as client:
        cube = client.cubes.create(f"sdk-ingest-{uuid.uuid4().hex[:6]}")
        job = client.memories.ingest(cube.id, [
            {"role": "user", "content": "I live in Porto and I work at a bakery.", "timestamp": "2024-03-01T09:00:00Z"},
        ], user_id="rui", session_id="a", wait=True)
        assert job.finished and job.status == "succeeded", job
        assert job.result["counts"] == {"ADD": 2}
        assert client.jobs.get(job.id) == job

        moved = client.memories.ingest(cube.id, [{"role": "user", "content": "I moved to Braga last month."}],
                                       user_id="rui", session_id="b", wait=True)
        assert moved.result["counts"] == {"UPDATE": 1}
        decisions = client.memories.operations(cube.id, op="UPDATE")
        assert [entry.job_id for entry in decisions.data] == [moved.id]

        context = client.memories.context(cube.id, "Where does Rui live?", token_budget=200, user_id="rui")
        assert any("Braga" in entry.memory.content for entry in context.memories)
        assert not any("Porto" in entry.memory.content for entry in context.memories)
        assert context.text.startswith("Memories (oldest first):")


def test_async_sdk_ingests(live_server, tenant_key, worker):
    async def run() -> None:
        async with AsyncMemOS(live_server.base_url, tenant_key) as client:
            cube = await client.cubes.create(f"sdk-ingest-{uuid.uuid4().hex[:6]}")
            job = await client.memories.ingest(cube.id, [{"role": "user", "content": "My favourite tea is sencha."}],
                                               user_id="kim", wait=True)
            assert job.status == "succeeded" and job.result["counts"] == {"ADD": 1}
            assert (await client.jobs.get(job.id)).id == job.id
            context = await client.memories.context(cube.id, "What tea does Kim like?")
            assert "sencha" in context.text

    asyncio.run(run())
