"""The LangGraph store over a live server: its operations as LangGraph defines them, memories that
version instead of duplicating, and the store inside a compiled graph."""

import asyncio
import uuid
from typing import TypedDict

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.store.base import GetOp, PutOp, SearchOp
from memos_sdk import MemOS
from memos_sdk.langgraph import MemosStore


@pytest.fixture
def store(live_server, tenant_key):
    with MemOS(live_server.base_url, tenant_key) as client:
        cube = client.cubes.create(f"graph-{uuid.uuid4().hex[:6]}")
        yield MemosStore(client, cube.id, user_index=1)


def test_put_get_and_a_second_put_is_a_new_version(store):
    store.put(("memories", "alice"), "drink", {"text": "Alice drinks sencha", "kind": "preference"})
    item = store.get(("memories", "alice"), "drink")
    assert item.value == {"text": "Alice drinks sencha", "kind": "preference"} and item.key == "drink"
    assert item.namespace == ("memories", "alice")
    assert store.get(("memories", "bob"), "drink") is None  # another namespace, another item

    store.put(("memories", "alice"), "drink", {"text": "Alice drinks matcha now", "kind": "preference"})
    store.put(("memories", "alice"), "drink", {"text": "Alice drinks matcha now", "kind": "preference"})  # no change
    assert store.get(("memories", "alice"), "drink").value["text"] == "Alice drinks matcha now"
    (memory,) = store.client.memories.list(store.cube_id, memory_type="langgraph")
    assert memory.user_id == "alice" and memory.version == 2  # one memory; the old value is in its history
    history = store.client.memories.history(store.cube_id, memory.id).versions
    assert [version.metadata["langgraph"]["value"]["text"] for version in history] == \
        ["Alice drinks sencha", "Alice drinks matcha now"]

    store.delete(("memories", "alice"), "drink")
    assert store.get(("memories", "alice"), "drink") is None
    assert store.client.memories.get(store.cube_id, memory.id).status == "deleted"


def test_search_by_meaning_filter_and_namespace_prefix(store):
    store.put(("memories", "alice"), "drink", {"text": "Alice drinks green tea every morning", "rating": 5})
    store.put(("memories", "alice"), "sport", {"text": "Alice climbs on weekends", "rating": 3})
    store.put(("memories", "bob"), "drink", {"text": "Bob drinks espresso", "rating": 4})
    store.put(("docs", "v1"), "readme", {"text": "How to install the tea kettle", "rating": 1})

    found = store.search(("memories", "alice"), query="what does she drink?")
    assert [item.key for item in found][:1] == ["drink"] and {item.namespace for item in found} == {("memories", "alice")}
    assert found[0].score is not None
    everyone = store.search(("memories",), query="drinks", limit=10)
    assert {(item.namespace[1], item.key) for item in everyone} >= {("alice", "drink"), ("bob", "drink")}
    assert all(item.namespace[0] == "memories" for item in everyone)

    rated = store.search(("memories",), filter={"rating": {"$gte": 4}})
    assert sorted(item.value["rating"] for item in rated) == [4, 5]
    assert [item.key for item in store.search((), filter={"rating": 1})] == ["readme"]
    assert len(store.search(("memories",), limit=2)) == 2 and len(store.search(("memories",), limit=2, offset=2)) == 1

    assert store.list_namespaces() == [("docs", "v1"), ("memories", "alice"), ("memories", "bob")]
    assert store.list_namespaces(prefix=("memories",)) == [("memories", "alice"), ("memories", "bob")]
    assert store.list_namespaces(suffix=("v1",)) == [("docs", "v1")]
    assert store.list_namespaces(max_depth=1) == [("docs",), ("memories",)]
    assert store.list_namespaces(prefix=("*", "bob")) == [("memories", "bob")]

    results = store.batch([GetOp(("memories", "bob"), "drink"), SearchOp(("docs",)),
                           PutOp(("memories", "bob"), "food", {"text": "Bob eats ramen"})])
    assert results[0].value["text"] == "Bob drinks espresso" and [item.key for item in results[1]] == ["readme"]
    assert results[2] is None
    assert asyncio.run(store.aget(("memories", "bob"), "food")).value == {"text": "Bob eats ramen"}
    assert [item.key for item in asyncio.run(store.asearch(("memories", "bob"), query="ramen"))][0] == "food"


def test_the_store_in_a_compiled_graph(store):
    class State(TypedDict):
        user: str
        said: str
        recalled: list[str]

    def remember(state: State, *, store) -> dict:
        store.put(("memories", state["user"]), str(uuid.uuid4()), {"text": state["said"]})
        return {}

    def recall(state: State, *, store) -> dict:
        return {"recalled": [item.value["text"] for item in store.search(("memories", state["user"]), query=state["said"])]}

    graph = StateGraph(State)
    graph.add_node("remember", remember)
    graph.add_node("recall", recall)
    graph.add_edge(START, "remember")
    graph.add_edge("remember", "recall")
    graph.add_edge("recall", END)
    app = graph.compile(store=store)
    answer = app.invoke({"user": "carol", "said": "Carol plays the cello", "recalled": []})
    assert answer["recalled"] == ["Carol plays the cello"]
    assert [memory.user_id for memory in store.client.memories.list(store.cube_id)] == ["carol"]
