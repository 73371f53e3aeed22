"""Resources, written once for both clients: each method describes its request, and the client
it belongs to sends it. On `MemOS` a method returns its result; on `AsyncMemOS`, an awaitable of it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote
from uuid import UUID

import httpx
from pydantic import BaseModel

from memos_sdk._base import RequestSpec
from memos_sdk._exceptions import MemosError
from memos_sdk._types import (
    Activation,
    Adapter,
    AnswerContext,
    ApiKey,
    Cube,
    CubeDeleted,
    ImportResult,
    Job,
    Memory,
    MemoryHistory,
    Operation,
    Page,
    SearchResult,
    Tenant,
    UserForgotten,
)

M = TypeVar("M", bound=BaseModel)
# A request the server holds until a job is done gets longer than the client's default timeout.
WAITING_TIMEOUT = 120.0
Id = str | UUID


def _as(model: type[M]) -> Callable[[httpx.Response], M]:
    return lambda response: model.model_validate(response.json())


def _list_of(model: type[M], key: str = "data") -> Callable[[httpx.Response], list[M]]:
    return lambda response: [model.model_validate(item) for item in response.json()[key]]


def _json_ready(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Drops unset arguments and writes datetimes as ISO 8601."""
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in fields.items() if value is not None}


class _Resource:
    def __init__(self, client: Any):
        self._client = client

    def _send(self, method: str, path: str, parse: Callable[[httpx.Response], Any], **options: Any) -> Any:
        idempotency_key = options.pop("idempotency_key", None)
        spec = RequestSpec(method, path, parse, **options)
        if idempotency_key:
            spec.headers["Idempotency-Key"] = idempotency_key
        return self._client._request(spec)


class Admin(_Resource):
    """Needs an admin key."""

    def create_tenant(self, name: str, *, idempotency_key: str | None = None) -> Tenant:
        return self._send("POST", "/v1/admin/tenants", _as(Tenant), json={"name": name}, idempotency_key=idempotency_key)

    def create_api_key(self, tenant_id: Id, *, name: str = "default", scopes: Sequence[str] = ("read", "write"),
                       idempotency_key: str | None = None) -> ApiKey:
        return self._send("POST", f"/v1/admin/tenants/{tenant_id}/api-keys", _as(ApiKey),
                          json={"name": name, "scopes": list(scopes)}, idempotency_key=idempotency_key)

    def revoke_api_key(self, key_id: Id) -> ApiKey:
        return self._send("POST", f"/v1/admin/api-keys/{key_id}/revoke", _as(ApiKey))


class Cubes(_Resource):
    def create(self, name: str, *, description: str | None = None, owner_user_id: str | None = None,
               config: Mapping[str, Any] | None = None, idempotency_key: str | None = None) -> Cube:
        body = _json_ready({"name": name, "description": description, "owner_user_id": owner_user_id, "config": config})
        return self._send("POST", "/v1/cubes", _as(Cube), json=body, idempotency_key=idempotency_key)

    def get(self, cube_id: Id) -> Cube:
        return self._send("GET", f"/v1/cubes/{cube_id}", _as(Cube))

    def list(self, *, limit: int | None = None, after: str | None = None) -> Page[Cube]:
        return self._send("GET", "/v1/cubes", _as(Page[Cube]), params={"limit": limit, "after": after})

    def update(self, cube_id: Id, *, name: str | None = None, description: str | None = None,
               config: Mapping[str, Any] | None = None) -> Cube:
        body = _json_ready({"name": name, "description": description, "config": config})
        return self._send("PATCH", f"/v1/cubes/{cube_id}", _as(Cube), json=body)

    def delete(self, cube_id: Id, *, purge: bool = False) -> CubeDeleted:
        return self._send("DELETE", f"/v1/cubes/{cube_id}", _as(CubeDeleted), params={"purge": str(purge).lower()})

    def export(self, cube_id: Id) -> bytes:
        """The cube as a portable archive: a tar of its memories with their history, and its activation
        caches and adapters."""
        return self._send("GET", f"/v1/cubes/{cube_id}/export", lambda response: response.content)

    def import_(self, archive: bytes, *, name: str | None = None, idempotency_key: str | None = None) -> ImportResult:
        """Creates a new cube from an archive."""
        return self._send("POST", "/v1/cubes/import", _as(ImportResult), content=archive, params={"name": name},
                          headers={"Content-Type": "application/x-tar"}, idempotency_key=idempotency_key)

    def consolidate(self, cube_id: Id, *, dry_run: bool = False, wait: bool = False,
                    idempotency_key: str | None = None) -> Job:
        """Merges near-duplicates and summarizes finished sessions (a job); `dry_run` returns the plan only."""
        return self._send("POST", f"/v1/cubes/{cube_id}/consolidate", _as(Job), json={"dry_run": dry_run},
                          params={"wait": str(wait).lower()}, idempotency_key=idempotency_key,
                          timeout=WAITING_TIMEOUT if wait else None)

    def forget(self, cube_id: Id, *, dry_run: bool = False, as_of: datetime | None = None, wait: bool = False,
               idempotency_key: str | None = None) -> Job:
        """Archives faded, expired and over-cap memories and purges long-archived ones (a job);
        `dry_run` (optionally `as_of` a future time) returns the plan only."""
        body = _json_ready({"dry_run": dry_run, "as_of": as_of})
        return self._send("POST", f"/v1/cubes/{cube_id}/forget", _as(Job), json=body, params={"wait": str(wait).lower()},
                          idempotency_key=idempotency_key, timeout=WAITING_TIMEOUT if wait else None)

    def import_into(self, cube_id: Id, archive: bytes, *, idempotency_key: str | None = None) -> ImportResult:
        """Adds an archive's memories to an existing cube."""
        return self._send("POST", f"/v1/cubes/{cube_id}/import", _as(ImportResult), content=archive,
                          headers={"Content-Type": "application/x-tar"}, idempotency_key=idempotency_key)


class Memories(_Resource):
    def add(self, cube_id: Id, content: str, *, memory_type: str | None = None, user_id: str | None = None,
            agent_id: str | None = None, session_id: str | None = None, event_time: datetime | None = None,
            expires_at: datetime | None = None, importance: float | None = None,
            source: Mapping[str, Any] | None = None, metadata: Mapping[str, Any] | None = None,
            tags: Sequence[str] | None = None, idempotency_key: str | None = None) -> Memory:
        body = _json_ready({"content": content, "memory_type": memory_type, "user_id": user_id, "agent_id": agent_id,
                            "session_id": session_id, "event_time": event_time, "expires_at": expires_at,
                            "importance": importance, "source": source, "metadata": metadata,
                            "tags": list(tags) if tags is not None else None})
        return self._send("POST", f"/v1/cubes/{cube_id}/memories", _as(Memory), json=body,
                          idempotency_key=idempotency_key)

    def add_batch(self, cube_id: Id, items: Sequence[Mapping[str, Any]], *,
                  idempotency_key: str | None = None) -> list[Memory]:
        """Adds all items in one transaction; each item takes the fields of `add`."""
        body = {"items": [_json_ready(item) for item in items]}
        return self._send("POST", f"/v1/cubes/{cube_id}/memories/batch", _list_of(Memory), json=body,
                          idempotency_key=idempotency_key)

    def get(self, cube_id: Id, memory_id: Id) -> Memory:
        return self._send("GET", f"/v1/cubes/{cube_id}/memories/{memory_id}", _as(Memory))

    def list(self, cube_id: Id, *, user_id: str | None = None, agent_id: str | None = None,
             session_id: str | None = None, memory_type: str | None = None, status: Sequence[str] | None = None,
             tags: Sequence[str] | None = None, event_after: datetime | None = None,
             event_before: datetime | None = None, limit: int | None = None, after: str | None = None) -> Page[Memory]:
        params = _json_ready({"user_id": user_id, "agent_id": agent_id, "session_id": session_id,
                              "memory_type": memory_type, "status": status, "tags": tags, "event_after": event_after,
                              "event_before": event_before, "limit": limit, "after": after})
        return self._send("GET", f"/v1/cubes/{cube_id}/memories", _as(Page[Memory]), params=params)

    def update(self, cube_id: Id, memory_id: Id, *, content: str | None = None, memory_type: str | None = None,
               event_time: datetime | None = None, expires_at: datetime | None = None,
               importance: float | None = None, metadata: Mapping[str, Any] | None = None,
               tags: Sequence[str] | None = None, reason: str | None = None) -> Memory:
        """Writes a new version; the previous one stays in the history."""
        body = _json_ready({"content": content, "memory_type": memory_type, "event_time": event_time,
                            "expires_at": expires_at, "importance": importance, "metadata": metadata,
                            "tags": list(tags) if tags is not None else None, "reason": reason})
        return self._send("PATCH", f"/v1/cubes/{cube_id}/memories/{memory_id}", _as(Memory), json=body)

    def delete(self, cube_id: Id, memory_id: Id, *, reason: str | None = None) -> Memory:
        return self._send("DELETE", f"/v1/cubes/{cube_id}/memories/{memory_id}", _as(Memory), params={"reason": reason})

    def restore(self, cube_id: Id, memory_id: Id) -> Memory:
        """Brings an archived memory back into search."""
        return self._send("POST", f"/v1/cubes/{cube_id}/memories/{memory_id}/restore", _as(Memory))

    def history(self, cube_id: Id, memory_id: Id) -> MemoryHistory:
        return self._send("GET", f"/v1/cubes/{cube_id}/memories/{memory_id}/history", _as(MemoryHistory))

    def ingest(self, cube_id: Id, messages: Sequence[Mapping[str, Any]], *, user_id: str | None = None,
               agent_id: str | None = None, session_id: str | None = None, conversation_id: str | None = None,
               wait: bool = False, idempotency_key: str | None = None) -> Job:
        """Chat messages ({role, content, name?, timestamp?, id?}) become memories: a job that extracts
        facts and decides ADD / UPDATE / DELETE / NOOP for each. With `wait`, the answer comes when the
        job is done or the server's MEMOS_INGEST_WAIT_SECONDS run out (check `job.finished`)."""
        body = _json_ready({"messages": [_json_ready(message) for message in messages], "user_id": user_id,
                            "agent_id": agent_id, "session_id": session_id, "conversation_id": conversation_id})
        return self._send("POST", f"/v1/cubes/{cube_id}/ingest", _as(Job), json=body,
                          params={"wait": str(wait).lower()}, idempotency_key=idempotency_key,
                          timeout=WAITING_TIMEOUT if wait else None)

    def context(self, cube_id: Id, question: str, *, token_budget: int = 1000, top_k: int | None = None,
                user_id: str | None = None, session_id: str | None = None) -> AnswerContext:
        """What an answering agent should read for `question`, packed to `token_budget`, with a text block."""
        filters = _json_ready({"user_id": user_id, "session_id": session_id})
        body = _json_ready({"question": question, "token_budget": token_budget, "top_k": top_k, "filters": filters})
        return self._send("POST", f"/v1/cubes/{cube_id}/context", _as(AnswerContext), json=body)

    def operations(self, cube_id: Id, *, job_id: Id | None = None, user_id: str | None = None, op: str | None = None,
                   limit: int | None = None, after: str | None = None) -> Page[Operation]:
        """The memory manager's decisions in this cube, oldest first."""
        params = _json_ready({"job_id": str(job_id) if job_id else None, "user_id": user_id, "op": op, "limit": limit,
                              "after": after})
        return self._send("GET", f"/v1/cubes/{cube_id}/operations", _as(Page[Operation]), params=params)

    def search(self, cube_id: Id, query: str, *, top_k: int = 10, mode: str = "hybrid", user_id: str | None = None,
               agent_id: str | None = None, session_id: str | None = None, memory_type: str | None = None,
               tags: Sequence[str] | None = None, time_range: tuple[datetime | None, datetime | None] | None = None,
               min_score: float | None = None, include_archived: bool = False) -> list[SearchResult]:
        filters = _json_ready({"user_id": user_id, "agent_id": agent_id, "session_id": session_id,
                               "memory_type": memory_type, "tags": list(tags) if tags else None})
        if time_range is not None:
            filters["time_range"] = _json_ready({"start": time_range[0], "end": time_range[1]})
        body = _json_ready({"query": query, "top_k": top_k, "mode": mode, "filters": filters, "min_score": min_score,
                            "include_archived": include_archived})
        return self._send("POST", f"/v1/cubes/{cube_id}/search", _list_of(SearchResult), json=body)


class Jobs(_Resource):
    def get(self, job_id: Id) -> Job:
        return self._send("GET", f"/v1/jobs/{job_id}", _as(Job))

    def list(self, *, status: Sequence[str] | None = None, kind: str | None = None, cube_id: Id | None = None,
             limit: int | None = None, after: str | None = None) -> Page[Job]:
        """This tenant's jobs, newest first; `status=["failed"]` lists the dead letters."""
        params = _json_ready({"status": list(status) if status else None, "kind": kind,
                              "cube_id": str(cube_id) if cube_id else None, "limit": limit, "after": after})
        return self._send("GET", "/v1/jobs", _as(Page[Job]), params=params)

    def cancel(self, job_id: Id) -> Job:
        return self._send("POST", f"/v1/jobs/{job_id}/cancel", _as(Job))


class Users(_Resource):
    def forget(self, user_id: str, *, purge: bool = False) -> UserForgotten:
        """Forgets a user in every cube: tombstones, or with `purge` hard-deletes everything held about them."""
        return self._send("DELETE", f"/v1/users/{quote(user_id, safe='')}", _as(UserForgotten),
                          params={"purge": str(purge).lower()})


def _checked(response: httpx.Response) -> bytes:
    """The body, refused unless it hashes to the checksum the server announced."""
    expected = response.headers.get("X-Checksum-SHA256")
    if expected is None or hashlib.sha256(response.content).hexdigest() != expected:
        raise MemosError(f"downloaded bytes do not match their checksum {expected!r}")
    return response.content


class _BinaryMemories(_Resource):
    """What caches and adapters share: list, get, download (checksum-verified), delete."""

    _plural: str
    _model: type[Activation]

    def _path(self, cube_id: Id, *rest: Id) -> str:
        return "/".join([f"/v1/cubes/{cube_id}/{self._plural}", *(str(part) for part in rest)])

    def _create(self, cube_id: Id, body: dict[str, Any], wait: bool, idempotency_key: str | None) -> Job:
        return self._send("POST", self._path(cube_id), _as(Job), json=body, params={"wait": str(wait).lower()},
                          idempotency_key=idempotency_key, timeout=WAITING_TIMEOUT if wait else None)

    def list(self, cube_id: Id, *, limit: int | None = None, after: str | None = None) -> Page[Any]:
        return self._send("GET", self._path(cube_id), _as(Page[self._model]), params={"limit": limit, "after": after})

    def get(self, cube_id: Id, blob_id: Id) -> Any:
        return self._send("GET", self._path(cube_id, blob_id), _as(self._model))

    def download(self, cube_id: Id, blob_id: Id) -> bytes:
        """The safetensors bytes, checked against the server's sha256."""
        return self._send("GET", self._path(cube_id, blob_id, "content"), _checked, timeout=WAITING_TIMEOUT)

    def delete(self, cube_id: Id, blob_id: Id) -> None:
        return self._send("DELETE", self._path(cube_id, blob_id), lambda response: None)


def _selection(memory_ids: Sequence[Id] | None, query: str | None, top_k: int | None, hottest: int | None,
               template: str | None) -> dict[str, Any]:
    return {"memory_ids": [str(value) for value in memory_ids] if memory_ids else None, "query": query, "top_k": top_k,
            "hottest": hottest, "template": template}


class Activations(_BinaryMemories):
    """KV caches of the service's language model over a prefix built from memories;
    `memos_sdk.kv.to_past_key_values` turns a download into a transformers cache."""

    _plural, _model = "activations", Activation

    def create(self, cube_id: Id, *, memory_ids: Sequence[Id] | None = None, query: str | None = None,
               top_k: int | None = None, hottest: int | None = None, template: str | None = None,
               wait: bool = False, idempotency_key: str | None = None) -> Job:
        """A job; once succeeded, `job.result["activation_id"]` names the cache. Give one selection."""
        return self._create(cube_id, _json_ready(_selection(memory_ids, query, top_k, hottest, template)), wait,
                            idempotency_key)

    def rebuild(self, cube_id: Id, activation_id: Id, *, wait: bool = False) -> Job:
        return self._send("POST", self._path(cube_id, activation_id, "rebuild"), _as(Job),
                          params={"wait": str(wait).lower()}, timeout=WAITING_TIMEOUT if wait else None)


class Adapters(_BinaryMemories):
    """LoRA adapters trained on memories; `memos_sdk.lora.load_adapter` puts a download on a base model."""

    _plural, _model = "adapters", Adapter

    def create(self, cube_id: Id, *, memory_ids: Sequence[Id] | None = None, query: str | None = None,
               top_k: int | None = None, hottest: int | None = None, template: str | None = None,
               rank: int | None = None, steps: int | None = None, learning_rate: float | None = None,
               max_tokens: int | None = None, wait: bool = False, idempotency_key: str | None = None) -> Job:
        """A training job (its `progress` shows step and loss); once succeeded, `job.result["adapter_id"]`."""
        body = _json_ready({**_selection(memory_ids, query, top_k, hottest, template), "rank": rank, "steps": steps,
                            "learning_rate": learning_rate, "max_tokens": max_tokens})
        return self._create(cube_id, body, wait, idempotency_key)

    def activate(self, cube_id: Id, adapter_id: Id) -> Any:
        return self._send("POST", self._path(cube_id, adapter_id, "activate"), _as(Adapter))
