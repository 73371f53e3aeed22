"""The MCP tools through the official client, over both transports: streamable HTTP at the live
server's /mcp and stdio (`memos mcp` as a subprocess calling the live server), with real ingestion."""

import asyncio
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from memos_sdk import MemOS

EXPECTED_TOOLS = {"remember", "search", "get_context", "list_memories", "get_memory", "memory_history",
                  "update_memory", "forget", "list_cubes"}


def http_client(live_server, key: str | None) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    # `remember` waits for the memory manager: the first job of a fresh worker takes a while.
    connection = httpx2.AsyncClient(headers=headers, timeout=120)
    return Client(streamable_http_client(f"{live_server.base_url}/mcp", http_client=connection))


MEMOS = str(Path(sys.executable).with_name("memos"))


def stdio_client(live_server, key: str) -> Client:
    environment = {**os.environ, "MEMOS_API_KEY": key, "MEMOS_BASE_URL": live_server.base_url}
    return Client(StdioServerParameters(command=MEMOS, args=["mcp"], env=environment))


TRANSPORTS = {"http": http_client, "stdio": stdio_client}


def run(make_client: Callable[[], Client], scenario: Callable[[Client], Awaitable[Any]]) -> Any:
    async def session() -> Any:
        async with make_client() as client:
            return await scenario(client)
    return asyncio.run(session())


async def call(client: Client, tool: str, **arguments: Any) -> Any:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return result.structured_content


def rest_error(text: str) -> dict:
    """REST's error body, which the tool error's text ends with."""
    return json.loads(text[text.index("{"):])["error"]


async def error_of(client: Client, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result
    (content,) = result.content
    assert "Traceback" not in content.text and 'File "' not in content.text
    return content.text


@pytest.fixture
def cube_id(live_server, tenant_key) -> str:
    with MemOS(live_server.base_url, tenant_key) as sdk:
        return str(sdk.cubes.create(f"mcp-{uuid.uuid4().hex[:6]}").id)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_every_tool_works_through_the_official_client(transport, live_server, tenant_key, worker, cube_id):
    async def scenario(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == EXPECTED_TOOLS
        assert all(tool.description and tool.input_schema["type"] == "object" for tool in tools.values())

        cubes = await call(client, "list_cubes")
        assert cube_id in {cube["id"] for cube in cubes["cubes"]}

        first = await call(client, "remember", cube_id=cube_id, user_id="dana",
                           messages=[{"role": "user", "content": "I live in Lisbon."}])
        assert first["status"] == "succeeded" and [op["op"] for op in first["operations"]] == ["ADD"]
        moved = await call(client, "remember", cube_id=cube_id, user_id="dana", fact="I moved to Porto last month.")
        (update,) = moved["operations"]
        assert update["op"] == "UPDATE" and update["memory_id"] == first["operations"][0]["memory_id"]
        memory_id = update["memory_id"]

        hits = await call(client, "search", cube_id=cube_id, query="Where does Dana live?", user_id="dana", top_k=3)
        assert "Porto" in hits["result"][0]["memory"]["content"]
        context = await call(client, "get_context", cube_id=cube_id, question="Where does Dana live?", user_id="dana")
        assert "Porto" in context["text"] and memory_id in context["memory_ids"]
        history = (await call(client, "memory_history", cube_id=cube_id, memory_id=memory_id))["result"]
        assert [version["op"] for version in history] == ["ADD", "UPDATE"] and "Lisbon" in history[0]["content"]

        fixed = await call(client, "update_memory", cube_id=cube_id, memory_id=memory_id, content="Dana lives in Porto.",
                           reason="the user's own words")
        assert fixed["version"] == 3
        assert (await call(client, "get_memory", cube_id=cube_id, memory_id=memory_id))["content"] == "Dana lives in Porto."
        listed = await call(client, "list_memories", cube_id=cube_id, user_id="dana", limit=50)
        assert memory_id in {memory["id"] for memory in listed["memories"]}

        resource = await client.read_resource(f"memos://cubes/{cube_id}/recent")
        recent = [memory["id"] for memory in json.loads(resource.contents[0].text)]
        oldest_first = await call(client, "list_memories", cube_id=cube_id, order="oldest")
        assert len(recent) >= 2 and recent == [memory["id"] for memory in oldest_first["memories"]][::-1]
        assert (await call(client, "get_memory", cube_id=cube_id, memory_id=recent[0]))["content"] == \
            "I moved to Porto last month."  # the last thing said, kept as a turn

        gone = await call(client, "forget", cube_id=cube_id, memory_id=memory_id, reason="asked to")
        assert gone["memory"]["status"] == "deleted"
        assert memory_id not in {hit["memory"]["id"] for hit in
                                 (await call(client, "search", cube_id=cube_id, query="Porto", user_id="dana"))["result"]}
        forgotten = await call(client, "forget", user_id="dana", purge=True)
        assert forgotten["purged"] and forgotten["memories"] >= 1

    run(lambda: TRANSPORTS[transport](live_server, tenant_key), scenario)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_errors_are_rests_error_model_and_tenants_stay_apart(transport, live_server, admin_key):
    with MemOS(live_server.base_url, admin_key) as admin:
        owner, other = (admin.admin.create_tenant(f"mcp-{uuid.uuid4().hex[:8]}") for _ in range(2))
        tenant_key = admin.admin.create_api_key(owner.id).key
        reader_key = admin.admin.create_api_key(owner.id, scopes=["read"]).key
        stranger_key = admin.admin.create_api_key(other.id).key
    with MemOS(live_server.base_url, tenant_key) as sdk:
        cube_id = str(sdk.cubes.create("bees").id)
        memory = sdk.memories.add(cube_id, "Erin keeps bees", user_id="erin")

    async def as_stranger(client: Client) -> None:
        for tool, arguments in (("get_memory", {"cube_id": cube_id, "memory_id": str(memory.id)}),
                                ("search", {"cube_id": cube_id, "query": "bees"}),
                                ("forget", {"cube_id": cube_id, "memory_id": str(memory.id)})):
            error = rest_error(await error_of(client, tool, **arguments))
            assert error["type"] == "not_found" and error["status"] == 404 and error["request_id"].startswith("req_")
        assert (await call(client, "list_cubes"))["cubes"] == []

    async def as_reader(client: Client) -> None:
        for tool, arguments in (("forget", {"user_id": "erin", "purge": True}),
                                ("remember", {"cube_id": cube_id, "fact": "I keep wasps now."}),
                                ("update_memory", {"cube_id": cube_id, "memory_id": str(memory.id),
                                                   "content": "Erin keeps wasps"})):
            error = rest_error(await error_of(client, tool, **arguments))
            assert error["type"] == "permission_denied" and error["status"] == 403, tool
        assert (await call(client, "get_memory", cube_id=cube_id, memory_id=str(memory.id)))["content"] == "Erin keeps bees"

    async def malformed(client: Client) -> None:
        assert "cube_id" in await error_of(client, "search", query="bees")  # a required argument missing
        assert "cube_id" in await error_of(client, "get_memory", cube_id="not-a-uuid", memory_id=str(memory.id))
        assert "either messages or a fact" in await error_of(client, "remember", cube_id=cube_id)
        assert "memory_id" in await error_of(client, "forget", cube_id=cube_id)

    run(lambda: TRANSPORTS[transport](live_server, stranger_key), as_stranger)
    run(lambda: TRANSPORTS[transport](live_server, reader_key), as_reader)
    run(lambda: TRANSPORTS[transport](live_server, tenant_key), malformed)
    with MemOS(live_server.base_url, tenant_key) as sdk:
        assert sdk.memories.get(cube_id, memory.id).status == "active"  # nothing the others tried touched it


def test_http_needs_a_live_key(live_server):
    for headers in ({}, {"Authorization": "Bearer memos_sk_not_a_key"}, {"Authorization": "Basic abc"}):
        answer = httpx.post(f"{live_server.base_url}/mcp", headers={**headers, "Accept": "application/json, text/event-stream"},
                            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert answer.status_code == 401
        assert answer.json()["error"]["type"] == "authentication_error" and answer.headers["www-authenticate"] == "Bearer"


def test_stdio_without_a_key_says_so():
    done = subprocess.run([MEMOS, "mcp"], capture_output=True, text=True, timeout=60,
                          env={key: value for key, value in os.environ.items() if key != "MEMOS_API_KEY"})
    assert done.returncode == 2 and "MEMOS_API_KEY" in done.stderr


def _readme_configs() -> dict[str, dict]:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    configs = [json.loads(block)["mcpServers"]["memos"] for block in re.findall(r"```json\n(.*?)```", readme, re.S)
               if "mcpServers" in block]
    return {"http" if "url" in config else "stdio": config for config in configs}


def test_the_readmes_client_configs_connect_as_written(live_server, tenant_key):
    configs = _readme_configs()
    assert set(configs) == {"http", "stdio"}
    port = live_server.base_url.rsplit(":", 1)[1]
    http = configs["http"]
    headers = {name: value.replace("memos_sk_...", tenant_key) for name, value in http["headers"].items()}
    url = http["url"].replace(":8000", f":{port}")
    stdio = configs["stdio"]
    environment = {**os.environ, **{name: value.replace("memos_sk_...", tenant_key).replace(":8000", f":{port}")
                                    for name, value in stdio["env"].items()}}
    environment["PATH"] = f"{Path(MEMOS).parent}:{environment['PATH']}"  # `memos` as installed

    async def tools(client: Client) -> set[str]:
        return {tool.name for tool in (await client.list_tools()).tools}

    assert run(lambda: Client(streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers))), tools) \
        == EXPECTED_TOOLS
    assert run(lambda: Client(StdioServerParameters(command=stdio["command"], args=stdio["args"], env=environment)),
               tools) == EXPECTED_TOOLS
