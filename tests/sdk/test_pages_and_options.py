"""What every call can do beyond its result, against a live server: listings that walk every page
(`for` and `async for`), the raw HTTP answer beside the typed result, per-call timeout and headers."""

import asyncio
import uuid

import pytest
from memos_sdk import APITimeoutError, AsyncMemOS, MemOS, MemosError, NotFoundError, SyncPage


def _filled_cube(client: MemOS, memories: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    cube = client.cubes.create(f"pages-{uuid.uuid4().hex[:6]}")
    added = client.memories.add_batch(cube.id, [{"content": f"fact number {i}", "user_id": "u"} for i in range(memories)])
    return cube.id, [memory.id for memory in added]


def test_iterating_a_listing_reads_every_page(live_server, tenant_key):
    with MemOS(live_server.base_url, tenant_key) as client:
        cube_id, added = _filled_cube(client, 7)
        first = client.memories.list(cube_id, limit=3)
        assert isinstance(first, SyncPage) and len(first.data) == 3 and first.has_more
        assert sorted(memory.id for memory in first) == sorted(added)  # every page, from the first on
        pages = list(first.iter_pages())
        assert [len(page.data) for page in pages] == [3, 3, 1]
        assert not pages[-1].has_next_page()
        with pytest.raises(MemosError, match="last page"):
            pages[-1].get_next_page()
        assert [memory.id for memory in client.memories.list(cube_id, limit=3).get_next_page().data] == \
            [memory.id for memory in pages[1].data]
        newest_first = [memory.id for memory in client.memories.list(cube_id, order="newest", limit=3)]
        assert newest_first == [memory.id for memory in first][::-1]  # every page, the other way
        # Filters stay on every page: another user's listing is empty however it is walked.
        assert list(client.memories.list(cube_id, user_id="nobody", limit=2)) == []


def test_async_for_reads_every_page_and_await_gives_the_first(live_server, tenant_key):
    with MemOS(live_server.base_url, tenant_key) as client:
        cube_id, added = _filled_cube(client, 5)

    async def scenario() -> None:
        async with AsyncMemOS(live_server.base_url, tenant_key) as client:
            seen = [memory.id async for memory in client.memories.list(cube_id, limit=2)]
            assert sorted(seen) == sorted(added)
            first = await client.memories.list(cube_id, limit=2)
            assert len(first.data) == 2 and first.has_more
            sizes = [len(page.data) async for page in first.iter_pages()]
            assert sizes == [2, 2, 1]
            assert [job.id async for job in client.jobs.list(cube_id=cube_id)] == []

    asyncio.run(scenario())


def test_the_raw_response_carries_status_headers_and_the_typed_result(live_server, tenant_key):
    with MemOS(live_server.base_url, tenant_key) as client:
        raw = client.cubes.create.with_raw_response(f"raw-{uuid.uuid4().hex[:6]}")
        assert raw.status_code == 201
        assert raw.request_id and raw.request_id == raw.headers["x-request-id"]
        cube = raw.parse()
        assert client.cubes.get(cube.id) == cube
        page = client.cubes.list.with_raw_response(limit=1).parse()
        assert isinstance(page, SyncPage) and len(page.data) == 1
        with pytest.raises(NotFoundError):  # an error status raises, as the plain call does
            client.cubes.get.with_raw_response(uuid.uuid4())

    async def scenario() -> None:
        async with AsyncMemOS(live_server.base_url, tenant_key) as client:
            raw = await client.cubes.get.with_raw_response(cube.id)
            assert raw.status_code == 200 and raw.parse() == cube

    asyncio.run(scenario())


def test_per_call_headers_and_timeout(live_server, tenant_key):
    with MemOS(live_server.base_url, tenant_key, max_retries=0) as client:
        cube = client.cubes.create(f"options-{uuid.uuid4().hex[:6]}")
        raw = client.cubes.get.with_raw_response(cube.id, extra_headers={"X-Request-ID": "mine-42"})
        assert raw.request_id == "mine-42"  # the server keeps a well-formed request id it is sent
        with pytest.raises(APITimeoutError):
            client.cubes.get(cube.id, timeout=0.000001)
        assert client.cubes.get(cube.id, timeout=30).id == cube.id
