"""A resource method is written once, as the function that builds its request (transport-free); the
`endpoint` decorator makes it a plain method on a sync resource and a coroutine method on an async one,
with the same parameters, each with `.with_raw_response(...)` for the HTTP answer as well."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload

from typing_extensions import Self

from memos_sdk._base import RequestSpec
from memos_sdk._pagination import AsyncPage, AsyncPaginator, SyncPage
from memos_sdk._response import APIResponse
from memos_sdk._types import Page

if TYPE_CHECKING:
    from memos_sdk._client import AsyncMemOS, MemOS

P = ParamSpec("P")
T = TypeVar("T")


class SyncResource:
    def __init__(self, client: MemOS):
        self._client = client


class AsyncResource:
    def __init__(self, client: AsyncMemOS):
        self._client = client


class SyncMethod(Protocol[P, T]):
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T: ...

    def with_raw_response(self, *args: P.args, **kwargs: P.kwargs) -> APIResponse[T]: ...


class AsyncMethod(Protocol[P, T]):
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, T]: ...

    def with_raw_response(self, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, APIResponse[T]]: ...


class AsyncPagesMethod(Protocol[P, T]):
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> AsyncPaginator[T]: ...

    def with_raw_response(self, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, APIResponse[AsyncPage[T]]]: ...


class _Endpoint:
    """What both kinds share: the builder, its name and the signature the bound methods show."""

    def __init__(self, build: Callable[..., RequestSpec[Any]]):
        self._build = build
        self.__doc__ = build.__doc__
        self._name = build.__name__
        self._hints_by_class: dict[type, dict[str, Any]] = {}  # resolved once per resource class, not per client

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def _hints(self, resource: object) -> dict[str, Any]:
        """The builder's annotations, resolved, with a generic resource's type variables replaced by its types;
        the return's is what its request reads (`RequestSpec[Cube]`: Cube)."""
        cls = type(resource)
        if cls not in self._hints_by_class:
            bound = _type_arguments(cls)
            hints = typing.get_type_hints(self._build)
            hints["return"] = typing.get_args(hints["return"])[0]
            self._hints_by_class[cls] = {name: _substitute(hint, bound) for name, hint in hints.items()}
        return self._hints_by_class[cls]

    def _result_type(self, resource: object) -> Any:
        return self._hints(resource)["return"]

    def _method_signature(self, resource: object, result: Any) -> inspect.Signature:
        hints = self._hints(resource)
        parameters = [parameter.replace(annotation=hints.get(parameter.name, parameter.annotation))
                      for parameter in list(inspect.signature(self._build).parameters.values())[1:]]  # without self
        return inspect.Signature(parameters, return_annotation=result)

    def _publish(self, resource: object, method: Any, raw: Any, result: Any) -> Any:
        for function in (method, raw):
            function.__name__ = function.__qualname__ = self._name
            function.__module__, function.__doc__ = self._build.__module__, self.__doc__
            function.__signature__ = self._method_signature(
                resource, result if function is method else _generic(APIResponse, result))
        method.with_raw_response = raw
        # Kept on the instance, as functools.cached_property does: bound once per resource.
        resource.__dict__[self._name] = method
        return method


class Endpoint(_Endpoint, Generic[P, T]):
    def __init__(self, build: Callable[Concatenate[Any, P], RequestSpec[T]]):
        super().__init__(build)

    @overload
    def __get__(self, resource: None, owner: type) -> Self: ...

    @overload
    def __get__(self, resource: SyncResource, owner: type) -> SyncMethod[P, T]: ...

    @overload
    def __get__(self, resource: AsyncResource, owner: type) -> AsyncMethod[P, T]: ...

    def __get__(self, resource: object, owner: type) -> Any:
        if resource is None:
            return self
        build = self._build
        if isinstance(resource, SyncResource):
            sync_client = resource._client

            def method(*args: Any, **kwargs: Any) -> Any:
                return sync_client._request(build(resource, *args, **kwargs))

            def raw(*args: Any, **kwargs: Any) -> Any:
                spec = build(resource, *args, **kwargs)
                return APIResponse(sync_client._send(spec), spec.parse)

            return self._publish(resource, method, raw, self._result_type(resource))
        assert isinstance(resource, AsyncResource)
        async_client = resource._client

        async def async_method(*args: Any, **kwargs: Any) -> Any:
            return await async_client._request(build(resource, *args, **kwargs))

        async def async_raw(*args: Any, **kwargs: Any) -> Any:
            spec = build(resource, *args, **kwargs)
            return APIResponse(await async_client._send(spec), spec.parse)

        return self._publish(resource, async_method, async_raw, self._result_type(resource))


class PagesEndpoint(_Endpoint, Generic[P, T]):
    """A listing: the sync method returns a `SyncPage` that iterates over every page; the async one an
    `AsyncPaginator` (await it for the first page, or `async for` over every item)."""

    def __init__(self, build: Callable[Concatenate[Any, P], RequestSpec[Page[T]]]):
        super().__init__(build)

    @overload
    def __get__(self, resource: None, owner: type) -> Self: ...

    @overload
    def __get__(self, resource: SyncResource, owner: type) -> SyncMethod[P, SyncPage[T]]: ...

    @overload
    def __get__(self, resource: AsyncResource, owner: type) -> AsyncPagesMethod[P, T]: ...

    def __get__(self, resource: object, owner: type) -> Any:
        if resource is None:
            return self
        build = self._build
        item = self._result_type(resource).__pydantic_generic_metadata__["args"][0]  # Page[X] is a pydantic model: X
        if isinstance(resource, SyncResource):
            sync_client = resource._client

            def pages(spec: RequestSpec[Page[Any]]) -> RequestSpec[SyncPage[Any]]:
                return spec.then(lambda answer: SyncPage(spec.parse(answer),
                                                         lambda cursor: sync_client._request(pages(spec.after(cursor)))))

            def method(*args: Any, **kwargs: Any) -> Any:
                return sync_client._request(pages(build(resource, *args, **kwargs)))

            def raw(*args: Any, **kwargs: Any) -> Any:
                spec = pages(build(resource, *args, **kwargs))
                return APIResponse(sync_client._send(spec), spec.parse)

            return self._publish(resource, method, raw, _generic(SyncPage, item))
        assert isinstance(resource, AsyncResource)
        async_client = resource._client

        def async_pages(spec: RequestSpec[Page[Any]]) -> RequestSpec[AsyncPage[Any]]:
            return spec.then(lambda answer: AsyncPage(spec.parse(answer),
                                                      lambda cursor: async_client._request(async_pages(spec.after(cursor)))))

        def paginator(*args: Any, **kwargs: Any) -> Any:
            spec = async_pages(build(resource, *args, **kwargs))
            return AsyncPaginator(lambda: async_client._request(spec))

        async def async_raw(*args: Any, **kwargs: Any) -> Any:
            spec = async_pages(build(resource, *args, **kwargs))
            return APIResponse(await async_client._send(spec), spec.parse)

        return self._publish(resource, paginator, async_raw, _generic(AsyncPaginator, item))


def _generic(origin: Any, argument: Any) -> Any:
    """`origin[argument]` for an argument known only at run time (for signatures, not for the type checker)."""
    return origin[argument]


def _type_arguments(cls: type) -> dict[Any, Any]:
    """What each type variable of `cls`'s generic bases stands for (`BlobsAPI[Activation]`: B is Activation)."""
    bound: dict[Any, Any] = {}
    for klass in cls.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            origin = typing.get_origin(base)
            if origin is not None and hasattr(origin, "__parameters__"):
                bound.update(zip(origin.__parameters__, typing.get_args(base), strict=True))
    return bound


def _substitute(hint: Any, bound: dict[Any, Any]) -> Any:
    if isinstance(hint, TypeVar):
        return bound.get(hint, hint)
    metadata = getattr(hint, "__pydantic_generic_metadata__", None)
    if metadata and metadata["origin"] is not None:  # a pydantic generic model, Page[B]
        return metadata["origin"][tuple(_substitute(arg, bound) for arg in metadata["args"])]
    return hint


def endpoint(build: Callable[Concatenate[Any, P], RequestSpec[T]]) -> Endpoint[P, T]:
    return Endpoint(build)


def pages_endpoint(build: Callable[Concatenate[Any, P], RequestSpec[Page[T]]]) -> PagesEndpoint[P, T]:
    return PagesEndpoint(build)
