"""The OpenAI Agents SDK with memos-service (needs `memos-sdk[openai-agents]`): a `Session` that keeps a
conversation's items as memories, and tools that give an agent long-term memory.

    session = MemosSession("chat-42", AsyncMemOS(), cube_id, user_id="alice")
    agent = Agent(name="assistant", tools=memory_tools(AsyncMemOS(), cube_id, user_id="alice"))
    await Runner.run(agent, "I moved to Porto", session=session)

Each item is one memory of the session (`memory_type` "agents_item"), its text searchable, the item
itself kept whole in its metadata: items come back exactly as added, in order."""

import json
from typing import Any, cast

from agents import FunctionTool, function_tool
from agents.items import TResponseInputItem
from agents.memory.session_settings import SessionSettings

from memos_sdk._client import AsyncMemOS
from memos_sdk._types import Id, Memory

MEMORY_TYPE = "agents_item"


def _text(item: dict[str, Any]) -> str:
    """What search reads of an item: its words where it has them, else the item as JSON."""
    content = item.get("content")
    if isinstance(content, list):
        content = " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict)).strip()
    if isinstance(content, str) and content.strip():
        return content
    return json.dumps(item, ensure_ascii=False, sort_keys=True)


class MemosSession:
    """The Agents SDK's `Session` protocol over one cube: the items of `session_id`, oldest first."""

    session_settings: SessionSettings | None = None

    def __init__(self, session_id: str, client: AsyncMemOS, cube_id: Id, *, user_id: str | None = None):
        self.session_id, self.client, self.cube_id, self.user_id = session_id, client, cube_id, user_id

    def _listing(self, **arguments: Any) -> Any:
        return self.client.memories.list(self.cube_id, session_id=self.session_id, memory_type=MEMORY_TYPE,
                                         user_id=self.user_id, **arguments)

    @staticmethod
    def _item(memory: Memory) -> TResponseInputItem:
        return cast(TResponseInputItem, memory.metadata["openai_agents"]["item"])

    async def get_items(self, limit: int | None = None) -> list[TResponseInputItem]:
        if limit is None:
            return [self._item(memory) async for memory in self._listing(limit=200)]
        latest = await self._listing(order="newest", limit=limit)
        return [self._item(memory) for memory in reversed(latest.data)]

    async def add_items(self, items: list[TResponseInputItem]) -> None:
        if not items:
            return
        # One transaction, in order: the memories' ids grow with the items' order.
        await self.client.memories.add_batch(self.cube_id, [
            {"content": _text(dict(item)), "memory_type": MEMORY_TYPE, "session_id": self.session_id,
             "user_id": self.user_id, "metadata": {"openai_agents": {"item": dict(item)}}} for item in items])

    async def pop_item(self) -> TResponseInputItem | None:
        latest = await self._listing(order="newest", limit=1)
        if not latest.data:
            return None
        await self.client.memories.delete(self.cube_id, latest.data[0].id, reason="popped from the agent session")
        return self._item(latest.data[0])

    async def clear_session(self) -> None:
        ids = [memory.id async for memory in self._listing(limit=200)]
        for memory_id in ids:
            await self.client.memories.delete(self.cube_id, memory_id, reason="agent session cleared")


def memory_tools(client: AsyncMemOS, cube_id: Id, *, user_id: str | None = None) -> list[FunctionTool]:
    """`remember` and `recall` for an agent: what the user says goes through the memory manager (added,
    updated, taken back or confirmed); what the agent should know comes back dated, ready to read."""

    async def remember(what_the_user_said: str) -> str:
        """Keep something the user said about themselves (a fact, a preference, a change, a correction).

        Args:
            what_the_user_said: The user's words.
        """
        job = await client.memories.ingest(cube_id, [{"role": "user", "content": what_the_user_said}], user_id=user_id,
                                           wait=True)
        operations = (job.result or {}).get("operations", [])
        return "; ".join(f"{entry['op']}: {entry['content']}" for entry in operations) or "nothing new to keep"

    async def recall(question: str) -> str:
        """What is known about the user that bears on a question, as dated lines.

        Args:
            question: What you are about to answer.
        """
        context = await client.memories.context(cube_id, question, user_id=user_id)
        return context.text or "nothing known"

    return [function_tool(remember), function_tool(recall)]
