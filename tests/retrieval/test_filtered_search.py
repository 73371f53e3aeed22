"""Filters never starve the result: exactly k come back whenever k memories match."""

import pytest

TOPICS = ["weather", "football", "cooking", "travel", "movies", "music", "books", "gardening", "chess", "cars"]


@pytest.fixture(scope="module")
def crowded_cube(client, make_tenant_module):
    """3,000 memories of one busy user and 7 of a tiny one, in one cube."""
    tenant = make_tenant_module()
    cube = client.post("/v1/cubes", json={"name": "crowded"}, headers=tenant.headers).json()
    url = f"/v1/cubes/{cube['id']}/memories/batch"
    for start in range(0, 3000, 250):
        items = [{"content": f"busy user note {i} about {TOPICS[i % 10]}", "user_id": "busy",
                  "memory_type": "note" if i % 3 else "fact"} for i in range(start, start + 250)]
        assert client.post(url, json={"items": items}, headers=tenant.headers).status_code == 201
    tiny = [{"content": f"tiny user remembers {topic}", "user_id": "tiny"} for topic in TOPICS[:7]]
    client.post(url, json={"items": tiny}, headers=tenant.headers)
    return tenant, cube


def search(client, tenant, cube, **body):
    answer = client.post(f"/v1/cubes/{cube['id']}/search", json=body, headers=tenant.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_a_tiny_user_gets_all_of_their_memories(client, crowded_cube, mode):
    tenant, cube = crowded_cube
    # Nothing the tiny user said is near "football match" semantically first: FAISS alone would
    # return 10 busy notes and, post-filtered, nothing.
    hits = search(client, tenant, cube, query="football match results", top_k=10, mode=mode,
                  filters={"user_id": "tiny"})
    assert len(hits) == 7 and {hit["memory"]["user_id"] for hit in hits} == {"tiny"}
    assert len(search(client, tenant, cube, query="football", top_k=5, mode=mode, filters={"user_id": "tiny"})) == 5


def test_broad_filters_go_through_faiss_and_still_fill_k(client, crowded_cube, app):
    tenant, cube = crowded_cube
    settings = app.state.settings
    saved, settings.exact_search_limit = settings.exact_search_limit, 10  # force the FAISS over-fetch path
    try:
        facts = search(client, tenant, cube, query="chess openings", top_k=50, mode="dense",
                       filters={"memory_type": "fact"})
        tiny = search(client, tenant, cube, query="football match results", top_k=10, mode="dense",
                      filters={"user_id": "tiny"})
    finally:
        settings.exact_search_limit = saved
    assert len(facts) == 50 and {hit["memory"]["memory_type"] for hit in facts} == {"fact"}
    assert len(tiny) == 7  # over-fetching until the index is exhausted finds every match
    exact = search(client, tenant, cube, query="chess openings", top_k=50, mode="dense", filters={"memory_type": "fact"})
    assert [hit["memory"]["id"] for hit in facts] == [hit["memory"]["id"] for hit in exact]


def test_a_narrow_filter_past_exact_search_is_searched_among_its_memories(client, crowded_cube, app, monkeypatch):
    from gpu_index import CubeIndex

    tenant, cube = crowded_cube
    exact = search(client, tenant, cube, query="football match results", top_k=5, mode="dense", filters={"user_id": "tiny"})
    selected, asked = [], []
    search_among, nearest = CubeIndex.search_among, CubeIndex.search
    monkeypatch.setattr(CubeIndex, "search_among",
                        lambda index, *args: selected.append(args[1]) or search_among(index, *args))
    monkeypatch.setattr(CubeIndex, "search", lambda index, *args: asked.append(args[1]) or nearest(index, *args))
    settings = app.state.settings
    monkeypatch.setattr(settings, "exact_search_limit", 3)  # 7 tiny memories: too many for exact search
    # Few of the 21 nearest are the tiny user's: their memories are searched among by an ID selector.
    among = search(client, tenant, cube, query="football match results", top_k=5, mode="dense", filters={"user_id": "tiny"})
    assert selected == [5] and asked == [21]
    assert [hit["memory"]["id"] for hit in among] == [hit["memory"]["id"] for hit in exact]
    # Hybrid search reads the ids of the 7 (of 3,007) anyway, for full-text search: straight to the
    # selector, without asking the index for its nearest first.
    hybrid = search(client, tenant, cube, query="football match results", top_k=5, mode="hybrid", filters={"user_id": "tiny"})
    assert selected == [5, 50] and asked == [21] and len(hybrid) == 5  # fusion's deeper pool
    # More matching memories than the selector takes: the index is asked for more until enough pass.
    monkeypatch.setattr(settings, "filtered_search_id_limit", 6)
    fetched = search(client, tenant, cube, query="football match results", top_k=5, mode="dense", filters={"user_id": "tiny"})
    assert selected == [5, 50] and asked[1] == 21 and len(asked) > 2
    assert [hit["memory"]["id"] for hit in fetched] == [hit["memory"]["id"] for hit in exact]


def test_a_filter_passing_a_large_share_asks_the_index_first(client, crowded_cube, app, monkeypatch):
    from gpu_index import CubeIndex

    tenant, cube = crowded_cube
    monkeypatch.setattr(app.state.settings, "exact_search_limit", 10)
    selected = []
    search_among = CubeIndex.search_among
    monkeypatch.setattr(CubeIndex, "search_among",
                        lambda index, *args: selected.append(args[1]) or search_among(index, *args))
    # A third of the cube are facts: most of the index's nearest pass, so no selector is built.
    facts = search(client, tenant, cube, query="chess openings", top_k=10, mode="hybrid", filters={"memory_type": "fact"})
    assert len(facts) == 10 and selected == []


def test_full_text_weighs_every_memory_a_filter_under_its_scope_limit_passes(client, crowded_cube, app, monkeypatch):
    # No memory holds both words, so each word's holders are asked for: "remembers" is in all 7 of the
    # tiny user's memories, more than the 2 a word may rank across the cube.
    tenant, cube = crowded_cube
    settings = app.state.settings
    monkeypatch.setattr(settings, "exact_search_limit", 3)  # past exact dense search: its limit is not the one used
    monkeypatch.setattr(settings, "lexical_term_cap", 2)

    def lexical() -> list[dict]:
        return search(client, tenant, cube, query="remembers chess", top_k=10, mode="lexical", filters={"user_id": "tiny"})

    assert len(lexical()) == 7  # 7 memories pass: all are weighed
    monkeypatch.setattr(settings, "lexical_scope_limit", 6)
    assert len(lexical()) == 3  # too many to weigh all: "remembers" is sampled, 2 + 1 of its holders
    hybrid = search(client, tenant, cube, query="remembers chess", top_k=10, mode="hybrid", filters={"user_id": "tiny"})
    assert len(hybrid) == 7  # dense search fills the rest


def analyze_memories() -> None:
    """Fresh planner statistics, as autovacuum keeps them, for the estimates search asks of them."""
    from sqlalchemy import text

    from memos_service.db.engine import session_scope

    with session_scope() as session:
        session.execute(text("ANALYZE memories"))


def test_a_filter_expected_to_pass_far_more_than_the_limit_reads_no_ids(client, crowded_cube, app, monkeypatch):
    from gpu_index import CubeIndex
    from memos_service.db.memories import MemoryRepository

    tenant, cube = crowded_cube
    analyze_memories()
    settings = app.state.settings
    monkeypatch.setattr(settings, "exact_search_limit", 10)
    monkeypatch.setattr(settings, "lexical_scope_limit", 100)
    read, asked, through_indexes = [], [], []
    matching_ids, nearest, lexical = MemoryRepository.matching_ids, CubeIndex.search, MemoryRepository.search_lexical
    monkeypatch.setattr(MemoryRepository, "matching_ids",
                        lambda repo, *args, **kwargs: read.append(1) or matching_ids(repo, *args, **kwargs))
    monkeypatch.setattr(MemoryRepository, "search_lexical", lambda repo, *args, **kwargs: through_indexes.append(
        kwargs["filter_indexes"]) or lexical(repo, *args, **kwargs))
    monkeypatch.setattr(CubeIndex, "search", lambda index, *args: asked.append(args[1]) or nearest(index, *args))
    # A third of the 3,007 memories are facts, past twice the 100 that full-text search weighs all of:
    # no ids are read to learn it. The index's first answer is sized for a third to pass: 50 of
    # fusion's pool pass it at once, where 66 nearest would have held about 22 and asked again.
    facts = search(client, tenant, cube, query="chess openings", top_k=10, mode="hybrid", filters={"memory_type": "fact"})
    assert len(facts) == 10 and {hit["memory"]["memory_type"] for hit in facts} == {"fact"}
    assert read == [] and len(asked) == 1 and 150 < asked[0] < 300
    # Full-text search checks the filter on each word's holders rather than reading a third of the cube
    # through the filter's own index.
    assert through_indexes == [False]
    # Dense search under it gives what exact search gives.
    dense = search(client, tenant, cube, query="chess openings", top_k=50, mode="dense", filters={"memory_type": "fact"})
    monkeypatch.setattr(settings, "exact_search_limit", 5000)
    exact = search(client, tenant, cube, query="chess openings", top_k=50, mode="dense", filters={"memory_type": "fact"})
    assert [hit["memory"]["id"] for hit in dense] == [hit["memory"]["id"] for hit in exact]
    # The tiny user's 7 memories are expected to be few: their ids are read, for full-text search.
    read.clear()
    search(client, tenant, cube, query="chess openings", top_k=10, mode="hybrid", filters={"user_id": "tiny"})
    assert read == [1] and through_indexes[-1] is True


def test_a_filter_checked_without_its_indexes_passes_the_same_memories(client, crowded_cube):
    """`MemoryFilter.apply(through_indexes=False)` words the conditions differently, not what they pass."""
    import uuid
    from datetime import UTC, datetime

    from memos_service.db.engine import session_scope
    from memos_service.db.memories import MemoryFilter, MemoryRepository
    from memos_service.db.models import Cube, Memory

    tenant, cube = crowded_cube
    filters = [MemoryFilter(memory_type="fact"), MemoryFilter(user_id="tiny"), MemoryFilter(agent_id="nobody"),
               MemoryFilter(event_after=datetime(2000, 1, 1, tzinfo=UTC)), MemoryFilter(event_before=datetime.now(UTC)),
               MemoryFilter(user_id="busy", memory_type="note")]
    with session_scope() as session:
        repository = MemoryRepository(session, uuid.UUID(tenant.id))
        scoped = repository._scoped(session.get(Cube, uuid.UUID(cube["id"]))).with_only_columns(Memory.id)
        for memory_filter in filters:
            indexed = set(session.scalars(memory_filter.apply(scoped)))
            checked = memory_filter.apply(scoped, through_indexes=False)
            assert str(checked) != str(memory_filter.apply(scoped))
            assert set(session.scalars(checked)) == indexed, memory_filter
    assert len(indexed) == 2000  # busy notes: a filter that passes something is compared too
