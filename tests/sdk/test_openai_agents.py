"""The OpenAI Agents SDK with memos over a live server: the session keeps items exactly and in order (as
the package's own SQLiteSession does), a real Runner carries a conversation through it (the model is the
fake OpenAI-compatible server on loopback), and the memory tools run through the package's tool plumbing."""

import asyncio
import json
import uuid

from agents import Agent, Runner, SQLiteSession
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel
from agents.tool_context import ToolContext
from memos_sdk import AsyncMemOS, MemOS
from memos_sdk.openai_agents import MemosSession, memory_tools
from openai import AsyncOpenAI

from tests.fakes.openai_server import FakeOpenAI, Reply

ITEMS = [
    {"role": "user", "content": "What's the weather in Porto?"},
    {"type": "function_call", "call_id": "call_1", "name": "weather", "arguments": '{"city": "Porto", "days": 2}'},
    {"type": "function_call_output", "call_id": "call_1", "output": '{"celsius": 21.5, "sky": "clear"}'},
    {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
     "content": [{"type": "output_text", "text": "Sunny, 21.5 °C.", "annotations": []}]},
    {"role": "user", "content": [{"type": "input_text", "text": "Thanks! 🌞"}]},
]


def _cube(live_server, tenant_key) -> str:
    with MemOS(live_server.base_url, tenant_key) as client:
        return str(client.cubes.create(f"agents-{uuid.uuid4().hex[:6]}").id)


def test_session_items_round_trip_exactly_as_sqlite_sessions_do(live_server, tenant_key):
    cube_id = _cube(live_server, tenant_key)

    async def scenario() -> None:
        async with AsyncMemOS(live_server.base_url, tenant_key) as client:
            ours, reference = MemosSession("chat-1", client, cube_id, user_id="ana"), SQLiteSession("chat-1")
            other = MemosSession("chat-2", client, cube_id, user_id="ana")
            for session in (ours, reference):
                await session.add_items(ITEMS[:3])
                await session.add_items(ITEMS[3:])
            await other.add_items([{"role": "user", "content": "another conversation"}])
            assert await ours.get_items() == await reference.get_items() == ITEMS
            assert await ours.get_items(limit=2) == await reference.get_items(limit=2) == ITEMS[-2:]
            assert await ours.pop_item() == await reference.pop_item() == ITEMS[-1]
            assert await ours.get_items() == ITEMS[:-1]
            await ours.clear_session()
            assert await ours.get_items() == [] and await ours.pop_item() is None
            assert await other.get_items() == [{"role": "user", "content": "another conversation"}]

    asyncio.run(scenario())


def test_a_runner_carries_the_conversation_through_the_session(live_server, tenant_key):
    cube_id = _cube(live_server, tenant_key)
    fake = FakeOpenAI(script=lambda call: Reply(f"you said: {call.prompt}")).start()
    try:
        async def scenario() -> None:
            model = OpenAIChatCompletionsModel("fake-model", AsyncOpenAI(base_url=fake.base_url, api_key="unused"))
            agent = Agent(name="assistant", instructions="Be brief.", model=model)
            async with AsyncMemOS(live_server.base_url, tenant_key) as client:
                session = MemosSession("chat-run", client, cube_id)
                first = await Runner.run(agent, "My name is Ana.", session=session)
                assert first.final_output == "you said: My name is Ana."
                await Runner.run(agent, "What is my name?", session=session)
                items = await session.get_items()
            assert [(item.get("role"), _words(item)) for item in items] == [
                ("user", "My name is Ana."), ("assistant", "you said: My name is Ana."),
                ("user", "What is my name?"), ("assistant", "you said: What is my name?")]
            # The second request carried the first exchange, read back from the session.
            sent = [(message["role"], message["content"]) for message in fake.calls[1].messages[1:]]
            assert sent[:2] == [("user", "My name is Ana."), ("assistant", "you said: My name is Ana.")]

        asyncio.run(scenario())
    finally:
        fake.stop()


def _words(item: dict) -> str:
    content = item["content"]
    return content if isinstance(content, str) else "".join(part["text"] for part in content)


def test_memory_tools_through_the_agents_tool_plumbing(live_server, tenant_key, worker):
    cube_id = _cube(live_server, tenant_key)

    async def scenario() -> None:
        async with AsyncMemOS(live_server.base_url, tenant_key) as client:
            remember, recall = memory_tools(client, cube_id, user_id="ana")
            assert {remember.name, recall.name} == {"remember", "recall"}
            assert remember.params_json_schema["required"] == ["what_the_user_said"]

            async def invoke(tool, **arguments) -> str:
                raw = json.dumps(arguments)
                context = ToolContext(None, tool_name=tool.name, tool_call_id="c1", tool_arguments=raw)
                return await tool.on_invoke_tool(context, raw)

            assert await invoke(remember, what_the_user_said="I live in Lisbon.") == "ADD: Ana lives in Lisbon."
            assert (await invoke(remember, what_the_user_said="I moved to Porto last month.")).startswith("UPDATE: ")
            assert "Porto" in await invoke(recall, question="Where does Ana live?")

    asyncio.run(scenario())
