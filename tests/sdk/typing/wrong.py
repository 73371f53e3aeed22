"""Code a type checker must refuse against the installed memos-sdk (tests/sdk/test_typing.py counts the errors)."""

from uuid import UUID

from memos_sdk import AsyncMemOS, Cube, MemOS


def blocking(client: MemOS, cube_id: UUID) -> None:
    client.memories.search(cube_id, "where?", mode="semantic")  # not a search mode
    client.cubes.get(cube_id, timeout="5")  # a timeout is seconds
    client.cubes.get(cube_id, retries=3)  # no such option


async def awaited(client: AsyncMemOS, cube_id: UUID) -> None:
    cube: Cube = client.cubes.get(cube_id)  # not awaited: a coroutine, not a Cube
    print(cube)
    await client.memories.list(cube_id).data  # a paginator has no data until awaited
    await client.jobs.list(status=["done"])  # not a job status
