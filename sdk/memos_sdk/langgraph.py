"""A LangGraph store whose items are memories of a cube (needs `memos-sdk[langgraph]`).

    store = MemosStore(MemOS(), cube_id, user_index=1)   # ("memories", "alice"): alice's memories
    store.put(("memories", "alice"), "food", {"text": "Alice likes sencha"})
    store.search(("memories", "alice"), query="what does Alice drink?")

Each item is one memory: its text (the `index` fields, or the whole value as JSON) is what search
reads, the namespace, key and value ride in `metadata["langgraph"]`, and tags name the item and each
prefix of its namespace. A `put` on an existing key writes a new version of that memory (its history
keeps the old value), never a second memory; `user_index` says which namespace label is the memory's
user, so the service's per-user search, forgetting and purge cover the graph's memories too."""

import asyncio
import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)
from langgraph.store.base.embed import get_text_at_path

from memos_sdk._client import MemOS
from memos_sdk._types import Id, Memory

MEMORY_TYPE = "langgraph"
MAX_SEARCH = 100  # the service's top_k bound: a search reads at most this many before filtering


def _tag(kind: str, *parts: Any) -> str:
    return f"lg:{kind}:" + hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:40]


def _item_tag(namespace: tuple[str, ...], key: str) -> str:
    return _tag("item", list(namespace), key)


def _prefix_tag(prefix: tuple[str, ...]) -> str:
    return _tag("ns", list(prefix))


def _matches(value: Any, wanted: Any) -> bool:
    """LangGraph's filter: equal values (nested objects field by field), or `$eq $ne $gt $gte $lt $lte`."""
    if isinstance(wanted, dict) and any(name.startswith("$") for name in wanted):
        return all(_compare(value, operator, operand) for operator, operand in wanted.items())
    if isinstance(wanted, dict):
        return isinstance(value, dict) and all(_matches(value.get(name), part) for name, part in wanted.items())
    return bool(value == wanted)


def _compare(value: Any, operator: str, operand: Any) -> bool:
    if operator in ("$eq", "$ne"):
        return bool(value == operand) == (operator == "$eq")
    if value is None:
        return False
    comparisons = {"$gt": value > operand, "$gte": value >= operand, "$lt": value < operand, "$lte": value <= operand}
    if operator not in comparisons:
        raise ValueError(f"unsupported filter operator {operator}")
    return bool(comparisons[operator])


def _namespace_matches(namespace: tuple[str, ...], condition: MatchCondition) -> bool:
    path = condition.path
    if len(namespace) < len(path):
        return False
    labels = namespace[:len(path)] if condition.match_type == "prefix" else namespace[len(namespace) - len(path):]
    return all(wanted in ("*", label) for label, wanted in zip(labels, path, strict=True))


class MemosStore(BaseStore):
    """LangGraph's `BaseStore` over one cube of memos-service."""

    supports_ttl = False

    def __init__(self, client: MemOS, cube_id: Id, *, user_index: int | None = None, index: list[str] | None = None):
        self.client, self.cube_id, self.user_index = client, cube_id, user_index
        self.index = index  # the value's fields search reads (LangGraph's paths); default: the whole value

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        return [self._run(op) for op in ops]

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        # The same calls on a worker thread: the event loop never waits on the network.
        return await asyncio.to_thread(self.batch, list(ops))

    def _run(self, op: Op) -> Result:
        if isinstance(op, GetOp):
            memory = self._find(op.namespace, op.key)
            return Item(**self._fields(memory)) if memory else None
        if isinstance(op, PutOp):
            self._put(op)
            return None
        if isinstance(op, SearchOp):
            return self._search(op)
        if isinstance(op, ListNamespacesOp):
            return self._namespaces(op)
        raise ValueError(f"unknown store operation {op!r}")

    def _find(self, namespace: tuple[str, ...], key: str) -> Memory | None:
        page = self.client.memories.list(self.cube_id, memory_type=MEMORY_TYPE, tags=[_item_tag(namespace, key)], limit=1)
        return page.data[0] if page.data else None

    def _text(self, value: dict[str, Any], fields: list[str] | None) -> str:
        if fields is None or fields == ["$"]:
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        texts = [text for field in fields for text in get_text_at_path(value, field)]
        return "\n".join(texts) or json.dumps(value, ensure_ascii=False, sort_keys=True)

    def _put(self, op: PutOp) -> None:
        existing = self._find(op.namespace, op.key)
        if op.value is None:
            if existing is not None:
                self.client.memories.delete(self.cube_id, existing.id, reason="deleted through the LangGraph store")
            return
        value = dict(op.value)
        content = self._text(value, op.index if isinstance(op.index, list) else self.index)
        metadata = {"langgraph": {"namespace": list(op.namespace), "key": op.key, "value": value}}
        if existing is not None:
            if existing.content == content and existing.metadata == metadata:
                return  # the same value again: nothing to version
            self.client.memories.update(self.cube_id, existing.id, content=content, metadata=metadata,
                                        reason="put through the LangGraph store")
            return
        prefixes = [_prefix_tag(op.namespace[:depth]) for depth in range(1, len(op.namespace) + 1)]
        user = op.namespace[self.user_index] if self.user_index is not None and self.user_index < len(op.namespace) else None
        self.client.memories.add(self.cube_id, content, memory_type=MEMORY_TYPE, user_id=user, metadata=metadata,
                                 tags=[_item_tag(op.namespace, op.key), *prefixes])

    def _search(self, op: SearchOp) -> list[SearchItem]:
        tags = [_prefix_tag(op.namespace_prefix)] if op.namespace_prefix else None
        found: Iterable[tuple[Memory, float | None]]
        if op.query:
            hits = self.client.memories.search(self.cube_id, op.query, memory_type=MEMORY_TYPE, tags=tags, top_k=MAX_SEARCH)
            found = ((hit.memory, hit.score) for hit in hits)
        else:
            found = ((memory, None) for memory in self._memories(tags))
        kept = (SearchItem(**self._fields(memory), score=score) for memory, score in found
                if not op.filter or _matches(memory.metadata["langgraph"]["value"], op.filter))
        items = [item for _, item in zip(range(op.offset + op.limit), kept, strict=False)]
        return items[op.offset:]

    def _memories(self, tags: list[str] | None) -> Iterator[Memory]:
        yield from self.client.memories.list(self.cube_id, memory_type=MEMORY_TYPE, tags=tags, limit=200)

    def _namespaces(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        namespaces = {tuple(memory.metadata["langgraph"]["namespace"]) for memory in self._memories(None)}
        kept = {namespace[:op.max_depth] if op.max_depth is not None else namespace for namespace in namespaces
                if all(_namespace_matches(namespace, condition) for condition in op.match_conditions or ())}
        return sorted(kept)[op.offset:op.offset + op.limit]

    @staticmethod
    def _fields(memory: Memory) -> dict[str, Any]:
        held = memory.metadata["langgraph"]
        return {"namespace": tuple(held["namespace"]), "key": held["key"], "value": held["value"],
                "created_at": memory.created_at, "updated_at": memory.updated_at}
