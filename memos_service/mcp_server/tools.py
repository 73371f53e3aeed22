"""The MCP tools and resources, written once over the async SDK: whichever transport serves them, every
call is a REST call under the caller's API key, so keys, scopes, tenant scoping, limits and the error
model are REST's own. A failed call is a tool error whose text is REST's error body (type, message,
request id), never a traceback."""

import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp_types import ToolAnnotations
from memos_sdk import APIStatusError, AsyncMemOS, Memory, MemosError
from pydantic import BaseModel, Field

# A client for the caller of this request: over stdio the one configured key, over HTTP the request's.
ClientFor = Callable[[Context], AsyncMemOS]
ToolFunction = TypeVar("ToolFunction", bound=Callable[..., Awaitable[Any]])
RECENT_MEMORIES = 20

INSTRUCTIONS = """Long-term memory for the people you talk with, kept in cubes (list_cubes shows them).
Call `remember` with what the user said (or a fact they stated): the memory manager adds it, updates the
fact it changes, deletes what the user takes back, or confirms what is already known. Before answering
about the user, call `get_context` (a dated, prompt-ready text within a token budget) or `search`.
Memories keep their history: `memory_history` shows every version."""


class MemoryView(BaseModel):
    """A memory as an agent needs it (the full record is in the REST API)."""

    id: UUID
    content: str
    memory_type: str
    user_id: str | None
    session_id: str | None
    status: str
    version: int
    event_time: datetime | None
    updated_at: datetime
    tags: list[str]

    @classmethod
    def of(cls, memory: Memory) -> "MemoryView":
        return cls.model_validate(memory.model_dump(include=set(cls.model_fields)))


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(min_length=1, max_length=20_000)


class Found(BaseModel):
    memory: MemoryView
    score: float


class Operation(BaseModel):
    op: Literal["ADD", "UPDATE", "DELETE", "NOOP"]
    memory_id: UUID | None
    content: str
    previous_content: str | None = None


class Remembered(BaseModel):
    job_id: UUID
    status: str = Field(description="succeeded, or queued/running when the manager is still at work (it finishes anyway)")
    operations: list[Operation]


class ContextAnswer(BaseModel):
    text: str = Field(description="The memories to read before answering, dated, oldest first")
    tokens: int
    memory_ids: list[UUID]


class MemoryPage(BaseModel):
    memories: list[MemoryView]
    next_cursor: str | None = Field(description="Pass as `after` for the next page; null on the last")


class Version(BaseModel):
    version: int
    op: str
    content: str
    status: str
    reason: str | None
    actor: str
    created_at: datetime


class CubeView(BaseModel):
    id: UUID
    name: str
    description: str


class CubePage(BaseModel):
    cubes: list[CubeView]
    next_cursor: str | None


class Forgotten(BaseModel):
    memory: MemoryView | None = Field(None, description="The memory deleted, when one was named")
    user_id: str | None = None
    purged: bool = False
    memories: int = Field(0, description="How many of the user's memories were forgotten")


CubeId = Annotated[UUID, Field(description="The cube to use (list_cubes)")]
MemoryId = Annotated[UUID, Field(description="A memory's id")]
UserId = Annotated[str | None, Field(description="Whose memories: facts are scoped to a user", max_length=200)]
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)
DESTRUCTIVE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False)


@asynccontextmanager
async def _calling(client_for: ClientFor, context: Context) -> AsyncIterator[AsyncMemOS]:
    """The caller's client; REST's errors become tool errors carrying REST's error body."""
    try:
        yield client_for(context)
    except APIStatusError as error:
        raise ToolError(json.dumps({"error": {"type": error.type, "message": error.message, "status": error.status_code,
                                              "request_id": error.request_id}})) from None
    except MemosError as error:
        raise ToolError(json.dumps({"error": {"type": "connection_error", "message": str(error)}})) from None


def _tool(server: MCPServer, annotations: ToolAnnotations) -> Callable[[ToolFunction], ToolFunction]:
    """Registers a tool; its description is its docstring without the source's indentation."""
    def register(function: ToolFunction) -> ToolFunction:
        server.add_tool(function, description=inspect.cleandoc(function.__doc__ or ""), annotations=annotations)
        return function
    return register


def build_server(client_for: ClientFor, *, name: str = "memos") -> MCPServer:
    # WARNING: over stdio the SDK would otherwise log every REST call it makes to stderr (the client shows it).
    server: MCPServer = MCPServer(name, instructions=INSTRUCTIONS, version="0.1.0", log_level="WARNING")

    @_tool(server, WRITES)
    async def remember(context: Context, cube_id: CubeId,
                       messages: Annotated[list[Turn] | None, Field(description="Chat turns, as said", max_length=200)] = None,
                       fact: Annotated[str | None, Field(description="Or one thing the user stated, in their words",
                                                         max_length=20_000)] = None,
                       user_id: UserId = None,
                       session_id: Annotated[str | None, Field(max_length=200)] = None) -> Remembered:
        """Keeps what the user said: the memory manager reads the facts in it and, for each, adds it, updates
        the fact it changes (the old value stays in the history), deletes what the user takes back, or
        confirms what is already known. Give `messages` or a `fact`."""
        if (messages is None) == (fact is None):
            raise ToolError("give either messages or a fact")
        turns = messages if messages is not None else [Turn(role="user", content=fact or "")]
        async with _calling(client_for, context) as client:
            job = await client.memories.ingest(cube_id, [{"role": turn.role, "content": turn.content} for turn in turns],
                                               user_id=user_id, session_id=session_id, wait=True)
        operations = [Operation.model_validate(entry) for entry in (job.result or {}).get("operations", [])]
        return Remembered(job_id=job.id, status=job.status, operations=operations)

    @_tool(server, READ_ONLY)
    async def search(context: Context, cube_id: CubeId,
                     query: Annotated[str, Field(description="What to look for, in words", max_length=4000)],
                     top_k: Annotated[int, Field(ge=1, le=100)] = 10,
                     mode: Literal["hybrid", "dense", "lexical"] = "hybrid", user_id: UserId = None,
                     session_id: Annotated[str | None, Field(max_length=200)] = None,
                     memory_type: Annotated[str | None, Field(max_length=64)] = None,
                     tags: Annotated[list[str] | None, Field(description="Memories carrying all of these")] = None,
                     ) -> list[Found]:
        """The memories nearest to `query`, best first: by meaning and words together (hybrid), meaning
        alone (dense) or words alone (lexical)."""
        async with _calling(client_for, context) as client:
            hits = await client.memories.search(cube_id, query, top_k=top_k, mode=mode, user_id=user_id,
                                                session_id=session_id, memory_type=memory_type, tags=tags)
        return [Found(memory=MemoryView.of(hit.memory), score=hit.score) for hit in hits]

    @_tool(server, READ_ONLY)
    async def get_context(context: Context, cube_id: CubeId,
                          question: Annotated[str, Field(description="What you are about to answer", max_length=4000)],
                          token_budget: Annotated[int, Field(ge=50, le=32_000)] = 1000,
                          user_id: UserId = None) -> ContextAnswer:
        """What to read before answering `question`: the relevant memories as dated lines, packed to
        `token_budget`, ready to put in a prompt."""
        async with _calling(client_for, context) as client:
            answer = await client.memories.context(cube_id, question, token_budget=token_budget, user_id=user_id)
        return ContextAnswer(text=answer.text, tokens=answer.tokens, memory_ids=[item.memory.id for item in answer.memories])

    @_tool(server, READ_ONLY)
    async def list_memories(context: Context, cube_id: CubeId, user_id: UserId = None,
                            order: Literal["newest", "oldest"] = "newest",
                            limit: Annotated[int, Field(ge=1, le=200)] = 50,
                            after: Annotated[str | None, Field(description="next_cursor of the previous page")] = None,
                            ) -> MemoryPage:
        """The cube's active memories, a page at a time."""
        async with _calling(client_for, context) as client:
            page = await client.memories.list(cube_id, user_id=user_id, order=order, limit=limit, after=after)
        return MemoryPage(memories=[MemoryView.of(memory) for memory in page.data], next_cursor=page.next_cursor)

    @_tool(server, READ_ONLY)
    async def get_memory(context: Context, cube_id: CubeId, memory_id: MemoryId) -> MemoryView:
        """One memory."""
        async with _calling(client_for, context) as client:
            return MemoryView.of(await client.memories.get(cube_id, memory_id))

    @_tool(server, READ_ONLY)
    async def memory_history(context: Context, cube_id: CubeId, memory_id: MemoryId) -> list[Version]:
        """Every version of a memory, oldest first: what it said, what changed it and why."""
        async with _calling(client_for, context) as client:
            history = await client.memories.history(cube_id, memory_id)
        return [Version.model_validate(version.model_dump()) for version in history.versions]

    @_tool(server, WRITES)
    async def update_memory(context: Context, cube_id: CubeId, memory_id: MemoryId,
                            content: Annotated[str, Field(min_length=1, max_length=20_000)],
                            reason: Annotated[str | None, Field(description="Why; kept in the history", max_length=2000)] = None,
                            ) -> MemoryView:
        """Corrects a memory's text: a new version, the previous one kept in its history."""
        async with _calling(client_for, context) as client:
            return MemoryView.of(await client.memories.update(cube_id, memory_id, content=content, reason=reason))

    @_tool(server, DESTRUCTIVE)
    async def forget(context: Context, cube_id: Annotated[UUID | None, Field(description="The memory's cube")] = None,
                     memory_id: Annotated[UUID | None, Field(description="Deletes this one memory")] = None,
                     user_id: Annotated[str | None, Field(description="Or forgets this user in every cube",
                                                          max_length=200)] = None,
                     purge: Annotated[bool, Field(description="With user_id: erase everything held about them, "
                                                              "history included (needs a key with the write scope)")] = False,
                     reason: Annotated[str | None, Field(max_length=2000)] = None) -> Forgotten:
        """Deletes one memory (cube_id and memory_id), or forgets a user (user_id): their memories leave
        search, or with `purge` everything held about them is erased."""
        async with _calling(client_for, context) as client:
            if memory_id is not None and cube_id is not None and user_id is None:
                return Forgotten(memory=MemoryView.of(await client.memories.delete(cube_id, memory_id, reason=reason)))
            if user_id is not None and memory_id is None:
                gone = await client.users.forget(user_id, purge=purge)
                return Forgotten(user_id=gone.user_id, purged=gone.purged, memories=gone.memories)
        raise ToolError("give cube_id and memory_id to delete a memory, or user_id alone to forget a user")

    @_tool(server, READ_ONLY)
    async def list_cubes(context: Context, limit: Annotated[int, Field(ge=1, le=200)] = 50,
                         after: Annotated[str | None, Field(description="next_cursor of the previous page")] = None,
                         ) -> CubePage:
        """The cubes (memory stores) this key can use."""
        async with _calling(client_for, context) as client:
            page = await client.cubes.list(limit=limit, after=after)
        return CubePage(cubes=[CubeView.model_validate(cube.model_dump()) for cube in page.data], next_cursor=page.next_cursor)

    @server.resource("memos://cubes/{cube_id}/recent", mime_type="application/json")
    async def recent_memories(cube_id: str, context: Context) -> str:
        """The cube's most recent memories, newest first."""
        try:
            async with _calling(client_for, context) as client:
                page = await client.memories.list(UUID(cube_id), order="newest", limit=RECENT_MEMORIES)
        except (ToolError, ValueError) as error:
            raise ResourceError(str(error)) from None
        return json.dumps([MemoryView.of(memory).model_dump(mode="json") for memory in page.data])

    return server
