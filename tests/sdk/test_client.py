"""The SDK against a live uvicorn process serving the real app on the real database."""

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from memos_sdk import (
    AsyncMemOS,
    AuthenticationError,
    ConflictError,
    MemOS,
    MemosError,
    NotFoundError,
    PayloadTooLargeError,
    UnprocessableEntityError,
)


def test_sync_client_covers_the_memory_lifecycle(live_server, tenant_key):
    with MemOS(live_server.base_url, tenant_key) as client:
        cube = client.cubes.create("assistant", config={"forgetting": {"max_memories": 1000}})
        assert client.cubes.get(cube.id) == cube
        assert [c.id for c in client.cubes.list().data] == [cube.id]
        assert client.cubes.update(cube.id, description="renamed").description == "renamed"

        moved = datetime(2024, 5, 8, 13, 56, tzinfo=UTC)
        alice = client.memories.add(cube.id, "Alice lives in Paris", user_id="alice", event_time=moved,
                                    source={"message_ids": ["D1:3"], "role": "user"}, tags=["residence"])
        assert alice.event_time == moved and alice.source["message_ids"] == ["D1:3"]
        batch = client.memories.add_batch(cube.id, [{"content": "Bob drinks green tea", "user_id": "bob"},
                                                    {"content": "Carol plays chess on Sundays", "user_id": "carol"}])
        assert [m.user_id for m in batch] == ["bob", "carol"]

        updated = client.memories.update(cube.id, alice.id, content="Alice lives in Berlin", reason="moved")
        assert updated.version == 2
        history = client.memories.history(cube.id, alice.id)
        assert [(v.op, v.content) for v in history.versions] == [("ADD", "Alice lives in Paris"),
                                                                 ("UPDATE", "Alice lives in Berlin")]

        hits = client.memories.search(cube.id, "which city is Alice's home?", top_k=2)
        assert hits[0].memory.id == alice.id and hits[0].memory.content == "Alice lives in Berlin"
        assert hits[0].provenance["message_ids"] == ["D1:3"]
        assert client.memories.search(cube.id, "tea", user_id="carol")[0].memory.user_id == "carol"

        assert {m.user_id for m in client.memories.list(cube.id, user_id="bob").data} == {"bob"}
        assert client.memories.delete(cube.id, alice.id, reason="asked").status == "deleted"
        assert alice.id not in [hit.memory.id for hit in client.memories.search(cube.id, "Alice")]

        archive = client.cubes.export(cube.id)
        client.cubes.delete(cube.id, purge=True)
        restored = client.cubes.import_(archive)
        assert restored.memories_imported == 3
        assert client.cubes.export(restored.cube_id) == archive


def test_errors_are_typed_and_carry_request_ids(live_server, tenant_key):
    with MemOS(live_server.base_url, tenant_key) as client:
        with pytest.raises(NotFoundError) as missing:
            client.cubes.get(uuid.uuid4())
        assert missing.value.status_code == 404 and missing.value.type == "not_found"
        assert missing.value.request_id and missing.value.request_id == missing.value.response.headers["x-request-id"]

        cube = client.cubes.create("errors")
        with pytest.raises(ConflictError):
            client.cubes.create("errors")
        with pytest.raises(UnprocessableEntityError):
            client.memories.search(cube.id, "x", top_k=10_000)
        with pytest.raises(PayloadTooLargeError):
            client.memories.add(cube.id, "x" * 100_000)

    with MemOS(live_server.base_url, "memos_sk_wrong") as stranger, pytest.raises(AuthenticationError):
        stranger.cubes.list()


def test_configuration_comes_from_the_environment(live_server, tenant_key, monkeypatch):
    monkeypatch.setenv("MEMOS_BASE_URL", live_server.base_url)
    monkeypatch.setenv("MEMOS_API_KEY", tenant_key)
    with MemOS() as client:
        assert client.cubes.list().data == []
    monkeypatch.delenv("MEMOS_API_KEY")
    with pytest.raises(MemosError, match="MEMOS_API_KEY"):
        MemOS()


class FlakyTransport(httpx.BaseTransport):
    """Forwards to the real server, failing on the way as told: before sending, or after the
    server has already handled the request (the response is lost)."""

    def __init__(self, failures: list[str]):
        self.real = httpx.HTTPTransport()
        self.failures = failures
        self.seen: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        failure = self.failures.pop(0) if self.failures else None
        if failure == "connect":
            raise httpx.ConnectError("refused", request=request)
        if failure == "503":
            return httpx.Response(503, headers={"Retry-After": "0"}, json={"error": {"type": "x", "message": "busy"}})
        response = self.real.handle_request(request)
        if failure == "lost":
            response.read()
            raise httpx.ReadError("connection reset after the server answered", request=request)
        return response


def test_retries_reuse_one_idempotency_key_and_write_once(live_server, tenant_key):
    transport = FlakyTransport(["connect", "503", "lost"])
    http = httpx.Client(base_url=live_server.base_url, transport=transport)
    client = MemOS(live_server.base_url, tenant_key, http_client=http, max_retries=3)
    cube = MemOS(live_server.base_url, tenant_key).cubes.create("flaky")

    memory = client.memories.add(cube.id, "written exactly once")
    keys = {request.headers["idempotency-key"] for request in transport.seen}
    assert len(transport.seen) == 4 and len(keys) == 1
    listed = MemOS(live_server.base_url, tenant_key).memories.list(cube.id).data
    assert [m.id for m in listed] == [memory.id]


def test_retries_stop_at_the_limit_and_do_not_resend_unsafe_requests(live_server, tenant_key):
    transport = FlakyTransport(["503", "503", "503"])
    client = MemOS(live_server.base_url, tenant_key, max_retries=2,
                   http_client=httpx.Client(base_url=live_server.base_url, transport=transport))
    with pytest.raises(MemosError) as failed:
        client.cubes.list()
    assert failed.value.status_code == 503 and len(transport.seen) == 3

    cube = MemOS(live_server.base_url, tenant_key).cubes.create("unsafe")
    memory = MemOS(live_server.base_url, tenant_key).memories.add(cube.id, "v1")
    transport = FlakyTransport(["lost"])
    client = MemOS(live_server.base_url, tenant_key, max_retries=2,
                   http_client=httpx.Client(base_url=live_server.base_url, transport=transport))
    # A PATCH whose answer was lost may have been applied: resending would write a second version.
    with pytest.raises(MemosError):
        client.memories.update(cube.id, memory.id, content="v2")
    assert len(transport.seen) == 1


def test_retry_after_is_honoured():
    client = MemOS("http://127.0.0.1:9", "k", max_retries=3)
    from memos_sdk._base import RequestSpec

    spec = RequestSpec("GET", "/", lambda r: r)
    assert client._retry_delay(spec, 0, httpx.Response(429, headers={"Retry-After": "3"})) == 3.0
    assert client._retry_delay(spec, 0, httpx.Response(400)) is None
    assert client._retry_delay(spec, 3, httpx.Response(503)) is None
    assert 0.5 <= client._retry_delay(spec, 1, httpx.Response(503)) <= 1.0


def test_async_client(live_server, tenant_key):
    async def scenario() -> None:
        async with AsyncMemOS(live_server.base_url, tenant_key) as client:
            cube = await client.cubes.create("async")
            memories = await asyncio.gather(*(client.memories.add(cube.id, f"fact number {i}") for i in range(5)))
            assert len({m.id for m in memories}) == 5
            hits = await client.memories.search(cube.id, "fact number 3", top_k=1)
            assert hits[0].memory.content == "fact number 3"
            with pytest.raises(NotFoundError):
                await client.memories.get(cube.id, uuid.uuid4())

    asyncio.run(scenario())
