"""Full-text search (lexical mode, and hybrid's lexical list): memories holding every word first,
rare words weighed above common ones, and a bounded number of memories ranked per word."""

from contextlib import contextmanager


def add(client, tenant, cube, contents: list[str]) -> None:
    items = [{"content": content} for content in contents]
    client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": items}, headers=tenant.headers)


def lexical(client, tenant, cube, query: str, top_k: int) -> list[str]:
    found = client.post(f"/v1/cubes/{cube['id']}/search", json={"query": query, "mode": "lexical", "top_k": top_k},
                        headers=tenant.headers).json()["data"]
    return [hit["memory"]["content"] for hit in found]


@contextmanager
def settings(client, **changes):
    configured = client.app.state.settings
    # Starlette's State is not something pytest's monkeypatch can restore: put it back by hand.
    client.app.state.settings = configured.model_copy(update=changes)
    try:
        yield
    finally:
        client.app.state.settings = configured


def test_full_text_prefers_memories_holding_every_word(client, tenant, cube):
    # Many memories hold one of the words; three hold both. Those come first; with fewer than
    # top_k of them, memories holding any one word fill the list.
    items = [{"content": f"The garden fence needs paint, note {n}"} for n in range(12)]
    items += [{"content": f"The kayak is red, note {n}"} for n in range(12)]
    items += [{"content": f"The red fence by the kayak shed, note {n}"} for n in range(3)]
    client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": items}, headers=tenant.headers)

    both = lexical(client, tenant, cube, "red fence", 3)
    assert len(both) == 3 and all("red fence" in text for text in both), both
    wider = lexical(client, tenant, cube, "red fence", 10)
    assert len(wider) == 10 and all("red fence" in text for text in wider[:3]), wider
    assert len(lexical(client, tenant, cube, "fence", 20)) == 15  # one word: every memory holding it


def test_a_rare_word_counts_for_more_than_a_common_one(client, tenant, cube):
    # A speaker's name starts most turns; the one turn about pottery is longer, so ts_rank alone
    # (one matching word each, shorter first) put it last.
    add(client, tenant, cube, [f"Caroline: I went for a run this morning, day {n}" for n in range(20)])
    add(client, tenant, cube, ["Melanie: I finally signed up for that evening course on pottery at the community centre"])
    found = lexical(client, tenant, cube, "Caroline pottery", 5)
    assert found[0].startswith("Melanie: I finally signed up"), found
    assert len(found) == 5


def test_common_words_are_sampled_and_rare_ones_still_found(client, tenant, cube):
    # With at most 4 memories ranked per word, "fence" (30 holders) is sampled; "shed" (one holder,
    # added last, in a longer memory that ts_rank alone put below them) is found all the same, and
    # memories holding both words are never sampled away.
    add(client, tenant, cube, [f"The fence needs paint, note {n}" for n in range(30)])
    add(client, tenant, cube, ["The shed by the old oak tree needs paint too"])
    add(client, tenant, cube, ["The bench by the lake needs paint", "The bench by the fence needs paint"])
    with settings(client, lexical_term_cap=4):
        assert lexical(client, tenant, cube, "shed fence", 1) == ["The shed by the old oak tree needs paint too"]
        found = lexical(client, tenant, cube, "fence bench", 6)
        assert found[0] == "The bench by the fence needs paint" and len(found) == 6, found
        assert "The bench by the lake needs paint" in found[:2], found
        assert len(lexical(client, tenant, cube, "fence", 10)) == 10
