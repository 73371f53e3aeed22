"""Consolidation merges exactly the planted near-duplicates, loses no fact, stays within each user
and kind, summarizes finished sessions with links to their turns, and runs once per cube at a time."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from memos_service.config import get_settings
from memos_service.db.engine import session_scope
from memos_service.db.models import Memory
from tests.fakes.openai_server import Call, FakeOpenAI, Reply

DUPLICATES = [
    ("Alice loves hiking in the Alps", "Alice enjoys hiking in the Alps"),
    ("Bob works at Google as an engineer", "Bob is an engineer at Google"),
    ("Carol drinks green tea every morning", "Every morning Carol drinks green tea"),
]
LOOKALIKES = [  # similar enough to be nominated, different facts: never merged
    ("Alice is 30 years old", "Alice is 31 years old"),
    ("Alice likes cats", "Alice does not like cats"),
    ("Dave has two kids", "Dave has three kids"),
]
DISTINCT = ["Erin collects vintage stamps", "Frank is learning Japanese", "Grace runs a bakery in Lyon"]


def plant(cube, add):
    texts = [text for pair in DUPLICATES + LOOKALIKES for text in pair] + DISTINCT
    added = add(cube, *texts, user_id="alice")
    # The same words for another user, and as a turn rather than a fact: neither may merge with alice's facts.
    add(cube, DUPLICATES[0][0], user_id="bob")
    add(cube, {"content": DUPLICATES[0][1], "memory_type": "episode"}, user_id="alice")
    return {memory["content"]: memory for memory in added}


def statuses(client, tenant, cube) -> dict[str, list[str]]:
    listed = client.get(f"/v1/cubes/{cube['id']}/memories", params={"limit": 200, "status": ["active", "merged"]},
                        headers=tenant.headers).json()["data"]
    found: dict[str, list[str]] = {}
    for memory in listed:
        found.setdefault(memory["status"], []).append(memory["content"])
    return found


def test_merges_exactly_the_planted_duplicates_and_keeps_every_fact(client, tenant, make_cube, add, consolidate, memory,
                                                                   search):
    cube = make_cube({"consolidation": {"summarize_sessions": False}})
    by_text = plant(cube, add)

    result = consolidate(cube)

    assert result["applied"]["clusters_merged"] == 3 and result["applied"]["memories_merged"] == 3
    merged = statuses(client, tenant, cube)["merged"]
    assert len(merged) == 3
    for first, second in DUPLICATES:
        survivor_text = first if second in merged else second
        member_text = second if survivor_text == first else first
        member = memory(cube, by_text[member_text]["id"])
        survivor = memory(cube, by_text[survivor_text]["id"])
        assert member["status"] == "merged" and member["merged_into"] == survivor["id"]
        assert survivor["status"] == "active" and survivor["version"] == 2
        # No fact lost: the survivor's record holds the member's words and where they came from.
        assert [entry["content"] for entry in survivor["metadata"]["merged"]] == [member_text]
        history = client.get(f"/v1/cubes/{cube['id']}/memories/{survivor['id']}/history", headers=tenant.headers).json()
        assert [version["op"] for version in history["versions"]] == ["ADD", "MERGE"]
        # Search returns the survivor, never the merged copy.
        found = [hit["memory"]["id"] for hit in search(cube, member_text, filters={"user_id": "alice"})]
        assert survivor["id"] in found and member["id"] not in found
    for first, second in LOOKALIKES:
        assert memory(cube, by_text[first]["id"])["status"] == memory(cube, by_text[second]["id"])["status"] == "active"
    for text in DISTINCT:
        assert memory(cube, by_text[text]["id"])["version"] == 1

    # Nothing changed since: a second run finds nothing to merge.
    again = consolidate(cube)
    assert again["applied"]["clusters_merged"] == 0


def test_dry_run_shows_the_plan_and_changes_nothing(client, tenant, make_cube, add, consolidate):
    cube = make_cube({"consolidation": {"summarize_sessions": False}})
    plant(cube, add)
    plan = consolidate(cube, dry_run=True)
    assert plan["dry_run"] is True and plan["clusters"] == 3 and "applied" not in plan
    planned = {frozenset([entry["survivor"], *entry["members"]]) for entry in plan["plan"]}
    assert planned == {frozenset(pair) for pair in DUPLICATES}
    assert "merged" not in statuses(client, tenant, cube)
    # A dry run does not move the cube's watermark: the real run still sees everything.
    assert consolidate(cube)["applied"]["clusters_merged"] == 3


def test_later_duplicates_are_found_incrementally(client, tenant, make_cube, add, consolidate, memory):
    cube = make_cube({"consolidation": {"summarize_sessions": False}})
    (original,) = add(cube, "Dave plays chess on Sundays", user_id="dave")
    assert consolidate(cube)["examined"] >= 1
    (repeat,) = add(cube, "Dave plays chess every Sunday", user_id="dave")
    result = consolidate(cube)
    assert result["examined"] == 1  # only what changed since the last run is searched for
    assert result["applied"]["memories_merged"] == 1
    assert {memory(cube, original["id"])["status"], memory(cube, repeat["id"])["status"]} == {"active", "merged"}


def test_two_consolidations_at_once_merge_each_cluster_once(client, tenant, make_cube, add, consolidate):
    cube = make_cube({"consolidation": {"summarize_sessions": False}})
    plant(cube, add)
    results = []
    threads = [threading.Thread(target=lambda: results.append(consolidate(cube))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result["applied"]["clusters_merged"] for result in results) == [0, 3]
    with session_scope() as session:
        merged = session.scalars(select(Memory).where(Memory.status == "merged", Memory.user_id == "alice",
                                                      Memory.cube_id == cube["id"])).all()
        assert len(merged) == 3 and all(memory.version == 2 for memory in merged)


def test_finished_sessions_are_summarized_with_links_to_their_turns(client, tenant, make_cube, add, consolidate, search):
    cube = make_cube({"consolidation": {"session_idle_minutes": 30, "summary_sentences": 3}})
    turns = add(cube,
                {"content": "I just moved to Lisbon for a new job at a robotics startup.", "session_id": "s1"},
                {"content": "My sister Maria is visiting me there next month.", "session_id": "s1"},
                {"content": "Hi!", "session_id": "s1"},
                {"content": "We are planning a trip to Porto together.", "session_id": "s1"},
                memory_type="episode", user_id="alice")
    add(cube, {"content": "Still talking in an open session", "session_id": "s2"}, memory_type="episode", user_id="alice")

    early = consolidate(cube, at=datetime.now(UTC) + timedelta(minutes=5))
    assert early["sessions_to_summarize"] == 0  # not idle long enough yet

    later = datetime.now(UTC) + timedelta(hours=1)
    result = consolidate(cube, at=later)
    assert result["applied"]["summaries_created"] == 2  # s1, and s2 (now idle too)
    summaries = client.get(f"/v1/cubes/{cube['id']}/memories", params={"memory_type": "summary", "session_id": "s1"},
                           headers=tenant.headers).json()["data"]
    assert len(summaries) == 1
    summary = summaries[0]
    assert summary["metadata"]["turns"] == [turn["id"] for turn in turns]  # drill down, in the order said
    assert summary["metadata"]["summarized_by"] == "extractive"
    assert summary["user_id"] == "alice" and summary["session_id"] == "s1"
    assert summary["content"].startswith("Alice just moved to Lisbon")
    assert "Hi" not in summary["content"] and summary["content"].count(".") == 3
    hits = search(cube, "Where did Alice move for her job?", filters={"memory_type": "summary"})
    assert hits and hits[0]["memory"]["id"] == summary["id"], [(h["memory"]["content"], h["scores"]) for h in hits]

    # Unchanged sessions are not summarized again; a session that changes is.
    assert consolidate(cube, at=later)["sessions_to_summarize"] == 0
    client.delete(f"/v1/cubes/{cube['id']}/memories/{turns[0]['id']}", headers=tenant.headers)
    redone = consolidate(cube, at=later)
    assert redone["applied"]["summaries_updated"] == 1
    updated = client.get(f"/v1/cubes/{cube['id']}/memories/{summary['id']}", headers=tenant.headers).json()
    assert "Lisbon" not in updated["content"] and turns[0]["id"] not in updated["metadata"]["turns"]


def test_an_llm_writes_merges_but_one_that_drops_a_detail_is_refused(client, tenant, make_cube, add, consolidate, memory):
    fake = FakeOpenAI().start()
    try:
        def script(call: Call) -> Reply:
            if "Bob" in call.prompt:
                return Reply({"text": "Bob is an engineer"})  # drops "Google": refused, every try
            return Reply({"text": "Alice loves and often enjoys hiking in the Alps"})

        fake.script = script
        settings = get_settings().model_copy(update={"llm_base_url": fake.base_url, "llm_max_attempts": 2,
                                                     "llm_timeout_seconds": 5, "llm_budget_seconds": 10})
        cube = make_cube({"manager": "llm", "consolidation": {"summarize_sessions": False}})
        by_text = plant(cube, add)
        result = consolidate(cube, settings=settings)
    finally:
        fake.stop()
    written = {entry["text"]: entry for entry in result["plan"]}
    assert written["Alice loves and often enjoys hiking in the Alps"]["written_by"] == "llm"
    bob = next(entry for entry in result["plan"] if "Bob" in entry["survivor"])
    assert bob["written_by"] == "most-complete" and "google" in bob["fallback_reason"]
    assert bob["text"] == bob["survivor"]
    survivors = [memory(cube, by_text[text]["id"]) for text in DUPLICATES[0]]
    assert "Alice loves and often enjoys hiking in the Alps" in [m["content"] for m in survivors if m["status"] == "active"]


def test_a_retraction_also_removes_the_session_summary_that_repeats_it(client, tenant, cube, ingest, consolidate, search):
    from tests.ingestion.conftest import message

    ingest([message("I work at Globex as a welder."), message("My brother lives in Tromso.")], session_id="s1")
    result = consolidate(cube, at=datetime.now(UTC) + timedelta(hours=2))
    assert result["applied"]["summaries_created"] == 1
    ingest([message("I no longer work at Globex.", day=3)], session_id="s2")
    hits = search(cube, "Globex welder", include_archived=True)
    assert not [hit for hit in hits if "Globex" in hit["memory"]["content"] and hit["memory"]["status"] == "active"]
    again = consolidate(cube, at=datetime.now(UTC) + timedelta(hours=4))
    summaries = client.get(f"/v1/cubes/{cube['id']}/memories", params={"memory_type": "summary"},
                           headers=tenant.headers).json()["data"]
    assert again["applied"]["summaries_created"] >= 1
    assert summaries and all("Globex" not in summary["content"] for summary in summaries)
    assert any("Tromso" in summary["content"] for summary in summaries)
