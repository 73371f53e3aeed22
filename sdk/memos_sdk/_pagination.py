"""Pages that walk on by themselves: `for memory in client.memories.list(cube_id)` reads every page,
`async for` on the async client; the page itself (`data`, `has_more`, `next_cursor`) is still there."""

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic, TypeVar

from memos_sdk._exceptions import MemosError
from memos_sdk._types import Page

T = TypeVar("T")


class _PageData(Generic[T]):
    def __init__(self, page: Page[T]):
        self.data: list[T] = page.data
        self.has_more = page.has_more
        self.next_cursor = page.next_cursor

    def has_next_page(self) -> bool:
        return self.has_more and self.next_cursor is not None

    def _next_cursor(self) -> str:
        if not self.has_next_page() or self.next_cursor is None:
            raise MemosError("this is the last page")
        return self.next_cursor

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self.data)}, has_more={self.has_more}>"


class SyncPage(_PageData[T]):
    def __init__(self, page: Page[T], fetch: Callable[[str], "SyncPage[T]"]):
        super().__init__(page)
        self._fetch = fetch

    def get_next_page(self) -> "SyncPage[T]":
        return self._fetch(self._next_cursor())

    def iter_pages(self) -> Iterator["SyncPage[T]"]:
        page = self
        yield page
        while page.has_next_page():
            page = page.get_next_page()
            yield page

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data


class AsyncPage(_PageData[T]):
    def __init__(self, page: Page[T], fetch: Callable[[str], Awaitable["AsyncPage[T]"]]):
        super().__init__(page)
        self._fetch = fetch

    async def get_next_page(self) -> "AsyncPage[T]":
        return await self._fetch(self._next_cursor())

    async def iter_pages(self) -> AsyncIterator["AsyncPage[T]"]:
        page = self
        yield page
        while page.has_next_page():
            page = await page.get_next_page()
            yield page

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item


class AsyncPaginator(Generic[T]):
    """What an async `list` returns: awaited, the first page; iterated with `async for`, every item."""

    def __init__(self, first_page: Callable[[], Awaitable[AsyncPage[T]]]):
        self._first_page = first_page

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first_page().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for item in await self:
            yield item
