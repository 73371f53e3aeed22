"""The resources. Each method is written once, as the request it sends (`@endpoint`); `Cubes` and
`AsyncCubes` are the same methods on the blocking and the asyncio client: there a method returns its
result, here it is a coroutine of it. Listings iterate over every page (`@pages_endpoint`)."""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel
from typing_extensions import Unpack

from memos_sdk._base import RequestSpec
from memos_sdk._endpoints import AsyncResource, SyncResource, endpoint, pages_endpoint
from memos_sdk._exceptions import MemosError
from memos_sdk._types import (
    Activation,
    Adapter,
    AnswerContext,
    ApiKey,
    ApiKeyCreated,
    Cube,
    CubeDeleted,
    Id,
    ImportResult,
    Job,
    JobKind,
    JobStatus,
    Memory,
    MemoryHistory,
    MemoryStatus,
    Message,
    Op,
    Operation,
    Order,
    Page,
    RequestOptions,
    Scope,
    SearchMode,
    SearchResult,
    Tenant,
    UserForgotten,
)

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")
B = TypeVar("B", bound=Activation)
# A request the server holds until a job is done gets longer than the client's default timeout.
WAITING_TIMEOUT = 120.0


def _as(model: type[M]) -> Callable[[httpx.Response], M]:
    return lambda response: model.model_validate(response.json())


def _list_of(model: type[M]) -> Callable[[httpx.Response], list[M]]:
    return lambda response: [model.model_validate(item) for item in response.json()["data"]]


def _page_of(model: type[M]) -> Callable[[httpx.Response], Page[M]]:
    def parse(response: httpx.Response) -> Page[M]:
        body = response.json()
        return Page[M].model_construct(data=[model.model_validate(item) for item in body["data"]],
                                       has_more=bool(body["has_more"]), next_cursor=body.get("next_cursor"))
    return parse


def _json_ready(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Drops unset arguments and writes datetimes as ISO 8601."""
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in fields.items() if value is not None}


def _request(method: str, path: str, parse: Callable[[httpx.Response], R], options: RequestOptions, *,
             params: Mapping[str, Any] | None = None, json: Any = None, content: bytes | None = None,
             headers: Mapping[str, str] | None = None, idempotency_key: str | None = None,
             wait: bool | None = None) -> RequestSpec[R]:
    """One call's request; `wait` asks the server to answer when the job is done, so it waits longer."""
    headers = {**(headers or {}), **({"Idempotency-Key": idempotency_key} if idempotency_key else {})}
    params = {**(params or {}), **({"wait": str(wait).lower()} if wait is not None else {})}
    spec = RequestSpec(method, path, parse, params, json, content, headers, WAITING_TIMEOUT if wait else None)
    return spec.with_options(options)


def _flag(value: bool) -> str:
    return str(value).lower()


class AdminAPI:
    """Needs an admin key."""

    @endpoint
    def create_tenant(self, name: str, *, idempotency_key: str | None = None,
                      **options: Unpack[RequestOptions]) -> RequestSpec[Tenant]:
        return _request("POST", "/v1/admin/tenants", _as(Tenant), options, json={"name": name},
                        idempotency_key=idempotency_key)

    @endpoint
    def create_api_key(self, tenant_id: Id, *, name: str = "default", scopes: Sequence[Scope] = ("read", "write"),
                       idempotency_key: str | None = None,
                       **options: Unpack[RequestOptions]) -> RequestSpec[ApiKeyCreated]:
        return _request("POST", f"/v1/admin/tenants/{tenant_id}/api-keys", _as(ApiKeyCreated), options,
                        json={"name": name, "scopes": list(scopes)}, idempotency_key=idempotency_key)

    @endpoint
    def revoke_api_key(self, key_id: Id, **options: Unpack[RequestOptions]) -> RequestSpec[ApiKey]:
        return _request("POST", f"/v1/admin/api-keys/{key_id}/revoke", _as(ApiKey), options)


class CubesAPI:
    @endpoint
    def create(self, name: str, *, description: str | None = None, owner_user_id: str | None = None,
               config: Mapping[str, Any] | None = None, idempotency_key: str | None = None,
               **options: Unpack[RequestOptions]) -> RequestSpec[Cube]:
        body = _json_ready({"name": name, "description": description, "owner_user_id": owner_user_id, "config": config})
        return _request("POST", "/v1/cubes", _as(Cube), options, json=body, idempotency_key=idempotency_key)

    @endpoint
    def get(self, cube_id: Id, **options: Unpack[RequestOptions]) -> RequestSpec[Cube]:
        return _request("GET", f"/v1/cubes/{cube_id}", _as(Cube), options)

    @pages_endpoint
    def list(self, *, limit: int | None = None, after: str | None = None,
             **options: Unpack[RequestOptions]) -> RequestSpec[Page[Cube]]:
        return _request("GET", "/v1/cubes", _page_of(Cube), options, params={"limit": limit, "after": after})

    @endpoint
    def update(self, cube_id: Id, *, name: str | None = None, description: str | None = None,
               config: Mapping[str, Any] | None = None, **options: Unpack[RequestOptions]) -> RequestSpec[Cube]:
        body = _json_ready({"name": name, "description": description, "config": config})
        return _request("PATCH", f"/v1/cubes/{cube_id}", _as(Cube), options, json=body)

    @endpoint
    def delete(self, cube_id: Id, *, purge: bool = False, **options: Unpack[RequestOptions]) -> RequestSpec[CubeDeleted]:
        return _request("DELETE", f"/v1/cubes/{cube_id}", _as(CubeDeleted), options, params={"purge": _flag(purge)})

    @endpoint
    def export(self, cube_id: Id, **options: Unpack[RequestOptions]) -> RequestSpec[bytes]:
        """The cube as a portable archive: a tar of its memories with their history, and its activation
        caches and adapters."""
        return _request("GET", f"/v1/cubes/{cube_id}/export", _content, options)

    @endpoint
    def import_(self, archive: bytes, *, name: str | None = None, idempotency_key: str | None = None,
                **options: Unpack[RequestOptions]) -> RequestSpec[ImportResult]:
        """Creates a new cube from an archive."""
        return _request("POST", "/v1/cubes/import", _as(ImportResult), options, content=archive, params={"name": name},
                        headers={"Content-Type": "application/x-tar"}, idempotency_key=idempotency_key)

    @endpoint
    def import_into(self, cube_id: Id, archive: bytes, *, idempotency_key: str | None = None,
                    **options: Unpack[RequestOptions]) -> RequestSpec[ImportResult]:
        """Adds an archive's memories to an existing cube."""
        return _request("POST", f"/v1/cubes/{cube_id}/import", _as(ImportResult), options, content=archive,
                        headers={"Content-Type": "application/x-tar"}, idempotency_key=idempotency_key)

    @endpoint
    def consolidate(self, cube_id: Id, *, dry_run: bool = False, wait: bool = False, idempotency_key: str | None = None,
                    **options: Unpack[RequestOptions]) -> RequestSpec[Job]:
        """Merges near-duplicates and summarizes finished sessions (a job); `dry_run` returns the plan only."""
        return _request("POST", f"/v1/cubes/{cube_id}/consolidate", _as(Job), options, json={"dry_run": dry_run},
                        wait=wait, idempotency_key=idempotency_key)

    @endpoint
    def forget(self, cube_id: Id, *, dry_run: bool = False, as_of: datetime | None = None, wait: bool = False,
               idempotency_key: str | None = None, **options: Unpack[RequestOptions]) -> RequestSpec[Job]:
        """Archives faded, expired and over-cap memories and purges long-archived ones (a job);
        `dry_run` (optionally `as_of` a future time) returns the plan only."""
        body = _json_ready({"dry_run": dry_run, "as_of": as_of})
        return _request("POST", f"/v1/cubes/{cube_id}/forget", _as(Job), options, json=body, wait=wait,
                        idempotency_key=idempotency_key)


class MemoriesAPI:
    @endpoint
    def add(self, cube_id: Id, content: str, *, memory_type: str | None = None, user_id: str | None = None,
            agent_id: str | None = None, session_id: str | None = None, event_time: datetime | None = None,
            expires_at: datetime | None = None, importance: float | None = None,
            source: Mapping[str, Any] | None = None, metadata: Mapping[str, Any] | None = None,
            tags: Sequence[str] | None = None, idempotency_key: str | None = None,
            **options: Unpack[RequestOptions]) -> RequestSpec[Memory]:
        body = _json_ready({"content": content, "memory_type": memory_type, "user_id": user_id, "agent_id": agent_id,
                            "session_id": session_id, "event_time": event_time, "expires_at": expires_at,
                            "importance": importance, "source": source, "metadata": metadata,
                            "tags": builtins.list(tags) if tags is not None else None})
        return _request("POST", f"/v1/cubes/{cube_id}/memories", _as(Memory), options, json=body,
                        idempotency_key=idempotency_key)

    @endpoint
    def add_batch(self, cube_id: Id, items: Sequence[Mapping[str, Any]], *, idempotency_key: str | None = None,
                  **options: Unpack[RequestOptions]) -> RequestSpec[builtins.list[Memory]]:
        """Adds all items in one transaction; each item takes the fields of `add`."""
        body = {"items": [_json_ready(item) for item in items]}
        return _request("POST", f"/v1/cubes/{cube_id}/memories/batch", _list_of(Memory), options, json=body,
                        idempotency_key=idempotency_key)

    @endpoint
    def get(self, cube_id: Id, memory_id: Id, **options: Unpack[RequestOptions]) -> RequestSpec[Memory]:
        return _request("GET", f"/v1/cubes/{cube_id}/memories/{memory_id}", _as(Memory), options)

    @pages_endpoint
    def list(self, cube_id: Id, *, user_id: str | None = None, agent_id: str | None = None,
             session_id: str | None = None, memory_type: str | None = None, status: Sequence[MemoryStatus] | None = None,
             tags: Sequence[str] | None = None, event_after: datetime | None = None,
             event_before: datetime | None = None, order: Order = "oldest", limit: int | None = None,
             after: str | None = None, **options: Unpack[RequestOptions]) -> RequestSpec[Page[Memory]]:
        """The cube's memories (active ones unless `status` says otherwise), in the order they were stored or
        newest first; iterating reads every page."""
        params = _json_ready({"user_id": user_id, "agent_id": agent_id, "session_id": session_id,
                              "memory_type": memory_type, "status": status, "tags": tags, "event_after": event_after,
                              "event_before": event_before, "order": order, "limit": limit, "after": after})
        return _request("GET", f"/v1/cubes/{cube_id}/memories", _page_of(Memory), options, params=params)

    @endpoint
    def update(self, cube_id: Id, memory_id: Id, *, content: str | None = None, memory_type: str | None = None,
               event_time: datetime | None = None, expires_at: datetime | None = None,
               importance: float | None = None, metadata: Mapping[str, Any] | None = None,
               tags: Sequence[str] | None = None, reason: str | None = None,
               **options: Unpack[RequestOptions]) -> RequestSpec[Memory]:
        """Writes a new version; the previous one stays in the history."""
        body = _json_ready({"content": content, "memory_type": memory_type, "event_time": event_time,
                            "expires_at": expires_at, "importance": importance, "metadata": metadata,
                            "tags": builtins.list(tags) if tags is not None else None, "reason": reason})
        return _request("PATCH", f"/v1/cubes/{cube_id}/memories/{memory_id}", _as(Memory), options, json=body)

    @endpoint
    def delete(self, cube_id: Id, memory_id: Id, *, reason: str | None = None,
               **options: Unpack[RequestOptions]) -> RequestSpec[Memory]:
        return _request("DELETE", f"/v1/cubes/{cube_id}/memories/{memory_id}", _as(Memory), options,
                        params={"reason": reason})

    @endpoint
    def restore(self, cube_id: Id, memory_id: Id, **options: Unpack[RequestOptions]) -> RequestSpec[Memory]:
        """Brings an archived memory back into search."""
        return _request("POST", f"/v1/cubes/{cube_id}/memories/{memory_id}/restore", _as(Memory), options)

    @endpoint
    def history(self, cube_id: Id, memory_id: Id, **options: Unpack[RequestOptions]) -> RequestSpec[MemoryHistory]:
        return _request("GET", f"/v1/cubes/{cube_id}/memories/{memory_id}/history", _as(MemoryHistory), options)

    @endpoint
    def ingest(self, cube_id: Id, messages: Sequence[Message], *, user_id: str | None = None,
               agent_id: str | None = None, session_id: str | None = None, conversation_id: str | None = None,
               wait: bool = False, idempotency_key: str | None = None,
               **options: Unpack[RequestOptions]) -> RequestSpec[Job]:
        """Chat messages become memories: a job that extracts facts and decides ADD / UPDATE / DELETE / NOOP
        for each. With `wait`, the answer comes when the job is done or the server's
        MEMOS_INGEST_WAIT_SECONDS run out (check `job.finished`)."""
        body = _json_ready({"messages": [_json_ready(message) for message in messages], "user_id": user_id,
                            "agent_id": agent_id, "session_id": session_id, "conversation_id": conversation_id})
        return _request("POST", f"/v1/cubes/{cube_id}/ingest", _as(Job), options, json=body, wait=wait,
                        idempotency_key=idempotency_key)

    @endpoint
    def context(self, cube_id: Id, question: str, *, token_budget: int = 1000, top_k: int | None = None,
                user_id: str | None = None, session_id: str | None = None,
                **options: Unpack[RequestOptions]) -> RequestSpec[AnswerContext]:
        """What an answering agent should read for `question`, packed to `token_budget`, with a text block."""
        filters = _json_ready({"user_id": user_id, "session_id": session_id})
        body = _json_ready({"question": question, "token_budget": token_budget, "top_k": top_k, "filters": filters})
        return _request("POST", f"/v1/cubes/{cube_id}/context", _as(AnswerContext), options, json=body)

    @pages_endpoint
    def operations(self, cube_id: Id, *, job_id: Id | None = None, user_id: str | None = None, op: Op | None = None,
                   limit: int | None = None, after: str | None = None,
                   **options: Unpack[RequestOptions]) -> RequestSpec[Page[Operation]]:
        """The memory manager's decisions in this cube, oldest first."""
        params = _json_ready({"job_id": str(job_id) if job_id else None, "user_id": user_id, "op": op, "limit": limit,
                              "after": after})
        return _request("GET", f"/v1/cubes/{cube_id}/operations", _page_of(Operation), options, params=params)

    @endpoint
    def search(self, cube_id: Id, query: str, *, top_k: int = 10, mode: SearchMode = "hybrid",
               user_id: str | None = None, agent_id: str | None = None, session_id: str | None = None,
               memory_type: str | None = None, tags: Sequence[str] | None = None,
               time_range: tuple[datetime | None, datetime | None] | None = None, min_score: float | None = None,
               include_archived: bool = False,
               **options: Unpack[RequestOptions]) -> RequestSpec[builtins.list[SearchResult]]:
        filters = _json_ready({"user_id": user_id, "agent_id": agent_id, "session_id": session_id,
                               "memory_type": memory_type, "tags": builtins.list(tags) if tags else None})
        if time_range is not None:
            filters["time_range"] = _json_ready({"start": time_range[0], "end": time_range[1]})
        body = _json_ready({"query": query, "top_k": top_k, "mode": mode, "filters": filters, "min_score": min_score,
                            "include_archived": include_archived})
        return _request("POST", f"/v1/cubes/{cube_id}/search", _list_of(SearchResult), options, json=body)


class JobsAPI:
    @endpoint
    def get(self, job_id: Id, **options: Unpack[RequestOptions]) -> RequestSpec[Job]:
        return _request("GET", f"/v1/jobs/{job_id}", _as(Job), options)

    @pages_endpoint
    def list(self, *, status: Sequence[JobStatus] | None = None, kind: JobKind | None = None,
             cube_id: Id | None = None, limit: int | None = None, after: str | None = None,
             **options: Unpack[RequestOptions]) -> RequestSpec[Page[Job]]:
        """This tenant's jobs, newest first; `status=["failed"]` lists the dead letters."""
        params = _json_ready({"status": builtins.list(status) if status else None, "kind": kind,
                              "cube_id": str(cube_id) if cube_id else None, "limit": limit, "after": after})
        return _request("GET", "/v1/jobs", _page_of(Job), options, params=params)

    @endpoint
    def cancel(self, job_id: Id, **options: Unpack[RequestOptions]) -> RequestSpec[Job]:
        return _request("POST", f"/v1/jobs/{job_id}/cancel", _as(Job), options)


class UsersAPI:
    @endpoint
    def forget(self, user_id: str, *, purge: bool = False, **options: Unpack[RequestOptions]) -> RequestSpec[UserForgotten]:
        """Forgets a user in every cube: tombstones, or with `purge` hard-deletes everything held about them."""
        return _request("DELETE", f"/v1/users/{quote(user_id, safe='')}", _as(UserForgotten), options,
                        params={"purge": _flag(purge)})


def _content(response: httpx.Response) -> bytes:
    return response.content


def _checked(response: httpx.Response) -> bytes:
    """The body, refused unless it hashes to the checksum the server announced."""
    expected = response.headers.get("X-Checksum-SHA256")
    if expected is None or hashlib.sha256(response.content).hexdigest() != expected:
        raise MemosError(f"downloaded bytes do not match their checksum {expected!r}")
    return response.content


def _nothing(response: httpx.Response) -> None:
    return None


def _selection(memory_ids: Sequence[Id] | None, query: str | None, top_k: int | None, hottest: int | None,
               template: str | None) -> dict[str, Any]:
    return {"memory_ids": [str(value) for value in memory_ids] if memory_ids else None, "query": query, "top_k": top_k,
            "hottest": hottest, "template": template}


class BlobsAPI(Generic[B]):
    """What caches and adapters share: list, get, download (checksum-verified), delete."""

    _plural: str
    _model: type[B]

    def _path(self, cube_id: Id, *rest: Id) -> str:
        return "/".join([f"/v1/cubes/{cube_id}/{self._plural}", *(str(part) for part in rest)])

    @pages_endpoint
    def list(self, cube_id: Id, *, limit: int | None = None, after: str | None = None,
             **options: Unpack[RequestOptions]) -> RequestSpec[Page[B]]:
        return _request("GET", self._path(cube_id), _page_of(self._model), options, params={"limit": limit, "after": after})

    @endpoint
    def get(self, cube_id: Id, blob_id: Id, **options: Unpack[RequestOptions]) -> RequestSpec[B]:
        return _request("GET", self._path(cube_id, blob_id), _as(self._model), options)

    @endpoint
    def download(self, cube_id: Id, blob_id: Id, **options: Unpack[RequestOptions]) -> RequestSpec[bytes]:
        """The safetensors bytes, checked against the server's sha256."""
        return _request("GET", self._path(cube_id, blob_id, "content"), _checked, {"timeout": WAITING_TIMEOUT, **options})

    @endpoint
    def delete(self, cube_id: Id, blob_id: Id, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        return _request("DELETE", self._path(cube_id, blob_id), _nothing, options)


class ActivationsAPI(BlobsAPI[Activation]):
    """KV caches of the service's language model over a prefix built from memories;
    `memos_sdk.kv.to_past_key_values` turns a download into a transformers cache."""

    _plural, _model = "activations", Activation

    @endpoint
    def create(self, cube_id: Id, *, memory_ids: Sequence[Id] | None = None, query: str | None = None,
               top_k: int | None = None, hottest: int | None = None, template: str | None = None,
               wait: bool = False, idempotency_key: str | None = None,
               **options: Unpack[RequestOptions]) -> RequestSpec[Job]:
        """A job; once succeeded, `job.result["activation_id"]` names the cache. Give one selection."""
        body = _json_ready(_selection(memory_ids, query, top_k, hottest, template))
        return _request("POST", self._path(cube_id), _as(Job), options, json=body, wait=wait,
                        idempotency_key=idempotency_key)

    @endpoint
    def rebuild(self, cube_id: Id, activation_id: Id, *, wait: bool = False,
                **options: Unpack[RequestOptions]) -> RequestSpec[Job]:
        return _request("POST", self._path(cube_id, activation_id, "rebuild"), _as(Job), options, wait=wait)


class AdaptersAPI(BlobsAPI[Adapter]):
    """LoRA adapters trained on memories; `memos_sdk.lora.load_adapter` puts a download on a base model."""

    _plural, _model = "adapters", Adapter

    @endpoint
    def create(self, cube_id: Id, *, memory_ids: Sequence[Id] | None = None, query: str | None = None,
               top_k: int | None = None, hottest: int | None = None, template: str | None = None,
               rank: int | None = None, steps: int | None = None, learning_rate: float | None = None,
               max_tokens: int | None = None, wait: bool = False, idempotency_key: str | None = None,
               **options: Unpack[RequestOptions]) -> RequestSpec[Job]:
        """A training job (its `progress` shows step and loss); once succeeded, `job.result["adapter_id"]`."""
        body = _json_ready({**_selection(memory_ids, query, top_k, hottest, template), "rank": rank, "steps": steps,
                            "learning_rate": learning_rate, "max_tokens": max_tokens})
        return _request("POST", self._path(cube_id), _as(Job), options, json=body, wait=wait,
                        idempotency_key=idempotency_key)

    @endpoint
    def activate(self, cube_id: Id, adapter_id: Id, **options: Unpack[RequestOptions]) -> RequestSpec[Adapter]:
        return _request("POST", self._path(cube_id, adapter_id, "activate"), _as(Adapter), options)


# The blocking client's resources, then the asyncio client's: the same methods.
class Admin(AdminAPI, SyncResource):
    pass


class Cubes(CubesAPI, SyncResource):
    pass


class Memories(MemoriesAPI, SyncResource):
    pass


class Jobs(JobsAPI, SyncResource):
    pass


class Users(UsersAPI, SyncResource):
    pass


class Activations(ActivationsAPI, SyncResource):
    pass


class Adapters(AdaptersAPI, SyncResource):
    pass



class AsyncAdmin(AdminAPI, AsyncResource):
    pass


class AsyncCubes(CubesAPI, AsyncResource):
    pass


class AsyncMemories(MemoriesAPI, AsyncResource):
    pass


class AsyncJobs(JobsAPI, AsyncResource):
    pass


class AsyncUsers(UsersAPI, AsyncResource):
    pass


class AsyncActivations(ActivationsAPI, AsyncResource):
    pass


class AsyncAdapters(AdaptersAPI, AsyncResource):
    pass
