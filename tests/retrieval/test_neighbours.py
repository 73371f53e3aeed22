"""Hybrid search lifts the conversation turns around its best hits in their session: the answer is
often the reply to the turn that matches the question, and shares none of its words. Extracted
facts neither give nor take."""

from tests.retrieval.test_full_text import settings

# Ben's small talk names places as his reply does, so only its place in the chat tells the reply apart.
SMALL_TALK = ["Ana: Morning! Did you sleep well?", "Ben: Porto was lovely last spring.",
              "Ana: The bakery on the corner reopened.", "Ben: Madrid is far too hot in August.",
              "Ana: Traffic was awful on the bridge today.", "Ben: Vienna has the best coffee houses."]


def add_session(client, tenant, cube, session_id: str, turns: list[str]) -> list[dict]:
    items = [{"content": turn, "session_id": session_id, "memory_type": "episode"} for turn in turns]
    return client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": items}, headers=tenant.headers).json()["data"]


def hybrid(client, tenant, cube, query: str, top_k: int, **filters) -> list[dict]:
    body = {"query": query, "mode": "hybrid", "top_k": top_k, "filters": filters}
    response = client.post(f"/v1/cubes/{cube['id']}/search", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def contents(results: list[dict]) -> list[str]:
    return [result["memory"]["content"] for result in results]


def test_the_reply_to_a_matching_turn_is_found(client, tenant, cube):
    reply = "Ben: Lisbon, in the end! Close to the sea."
    # Embedded whole only: the reply's own first sentence would find it too (`test_passages.py`).
    with settings(client, passages_per_memory=0):
        for day in range(4):
            add_session(client, tenant, cube, f"chat-{day}", SMALL_TALK)
        add_session(client, tenant, cube, "news", ["Ana: So which city did you move to?", reply, "Ana: Lucky you!"])
    question = "Where did Ben move to?"

    def rank() -> int:
        return contents(hybrid(client, tenant, cube, question, 10)).index(reply)

    with settings(client, search_weight_neighbours=0.0):
        alone = rank()
    lifted = rank()
    found = hybrid(client, tenant, cube, question, 10)[lifted]
    assert lifted < alone and lifted <= 1, (lifted, alone)  # right after the question's own turn, or first
    assert found["scores"]["neighbours"] > 0


def test_neighbours_stay_in_their_session_and_pass_the_filters(client, tenant, cube):
    turns = [("ana", "Ana: What is your dog called?"), ("ben", "Ben: Biscuit, after the colour."),
             ("ben", "Ben: He is three now and still chews shoes.")]
    items = [{"content": text, "user_id": user, "session_id": "pets", "memory_type": "episode"} for user, text in turns]
    items.append({"content": "Ben: The roof repair is booked for Tuesday.", "user_id": "ben", "session_id": "house",
                  "memory_type": "episode"})
    added = client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": items}, headers=tenant.headers).json()
    client.delete(f"/v1/cubes/{cube['id']}/memories/{added['data'][1]['id']}", headers=tenant.headers)

    results = hybrid(client, tenant, cube, "What is the dog called?", 10)
    only_ana = hybrid(client, tenant, cube, "What is the dog called?", 10, user_id="ana")
    found = {result["memory"]["content"]: result["scores"] for result in results}
    assert "Ben: Biscuit, after the colour." not in found  # deleted: never comes back, not even as a neighbour
    assert found["Ben: He is three now and still chews shoes."]["neighbours"] > 0  # the next turn left in the session
    assert "neighbours" not in found["Ben: The roof repair is booked for Tuesday."]  # next added, another session
    assert contents(only_ana) == ["Ana: What is your dog called?"]  # her turn's neighbours are Ben's: filtered out


def test_extracted_facts_neither_give_nor_take(client, tenant, cube):
    items = [{"content": "Ana: So which city did you move to?", "session_id": "s", "memory_type": "fact"},
             {"content": "Ben: Lisbon, in the end! Close to the sea.", "session_id": "s", "memory_type": "episode"},
             {"content": "Ana: Lucky you!", "session_id": "s", "memory_type": "fact"}]
    client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": items}, headers=tenant.headers)
    assert not any("neighbours" in result["scores"] for result in hybrid(client, tenant, cube, "Where did Ben move to?", 10))
