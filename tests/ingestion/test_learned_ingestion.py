"""Conversations about attributes no rule knows, through the pipeline a worker runs with the shipped
learned manager, on the real database and encoder: the store after, checked in the store (dev
families' sentences; the held-out families are for `memos bench updates --families` alone)."""

import time

from tests.ingestion.conftest import message


def _holding(memories, value):
    return [memory for memory in memories if value.lower() in memory["content"].lower()]


def test_a_new_value_replaces_the_old_and_a_repeat_changes_nothing(ingest, active):
    ingest([message("I ride a Brompton.", day=1)])
    changed = ingest([message("I ride a Trek Domane now.", day=9)], session_id="s2")
    assert changed["counts"] == {"UPDATE": 1}, changed["operations"]
    facts = active("fact")
    assert len(_holding(facts, "Trek Domane")) == 1 and not _holding(facts, "Brompton"), facts
    assert not _holding(active(), "Brompton")  # the turn that said it left default search too
    again = ingest([message("I ride a Trek Domane.", day=12)], session_id="s3")
    assert again["counts"] == {"NOOP": 1}, again["operations"]
    assert len(_holding(active("fact"), "Trek Domane")) == 1


def test_other_peoples_facts_never_change_the_speakers(ingest, active):
    ingest([message("I ride a Brompton.", day=1), message("My favourite author is Jane Austen.", day=1)])
    result = ingest([message("My uncle rides a Giant Escape.", day=4), message("My dad's favourite author is Toni Morrison.",
                                                                              day=4)], session_id="s2")
    assert result["counts"] == {"ADD": 2}, result["operations"]
    contents = [memory["content"] for memory in active("fact")] + [memory["content"] for memory in active("preference")]
    assert any("Brompton" in text for text in contents) and any("Jane Austen" in text for text in contents), contents
    assert "Ana's uncle rides a Giant Escape." in contents


def test_a_retraction_takes_the_value_out_of_facts_and_turns(ingest, active):
    ingest([message("I'm playing Celeste these evenings.", day=1), message("I ride a Brompton.", day=1)])
    assert _holding(active("episode"), "Celeste")
    result = ingest([message("I quit playing Celeste.", day=5)], session_id="s2")
    assert result["counts"] == {"DELETE": 1}, result["operations"]
    assert not _holding(active(), "Celeste"), active()
    assert _holding(active("fact"), "Brompton")


def test_a_second_value_of_an_attribute_that_holds_several_is_added(ingest, active):
    ingest([message("I'm learning Spanish.", day=1)])
    result = ingest([message("I also started learning Italian.", day=6)], session_id="s2")
    assert result["counts"] == {"ADD": 1}, result["operations"]
    facts = active("fact")
    assert _holding(facts, "Spanish") and _holding(facts, "Italian")


def test_decisions_are_logged_with_the_policy_version(client, tenant, cube, ingest):
    ingest([message("I ride a Brompton.", day=1)])
    ingest([message("I ride a Trek Domane now.", day=9)], session_id="s2")
    operations = client.get(f"/v1/cubes/{cube['id']}/operations", headers=tenant.headers).json()["data"]
    learned = [operation for operation in operations if operation["policy"] == "learned"]
    assert learned and all(operation["model"].startswith("learned-") for operation in learned)
    assert {operation["op"] for operation in learned} >= {"ADD", "UPDATE"}


def test_a_message_full_of_clauses_finishes_in_time_linear_in_its_length(ingest, active):
    clause = "I tried a new recipe with {n} eggs"

    def timed(count: int, session: str) -> float:
        text = ", and ".join(clause.format(n=number + count) for number in range(count)) + "."
        started = time.perf_counter()
        ingest([message(text, day=2)], session_id=session, user_id=f"user-{session}")
        return time.perf_counter() - started

    small, large = timed(25, "small"), timed(100, "large")
    # Four times the clauses: at most about four times the work (with room for a noisy machine), never its square.
    assert large < 8 * small + 2.0, (small, large)
    # At the content limit (16 KB: about 400 such clauses, 40 s of reading unbounded), facts are read from
    # the first 64 clauses, and the turn keeps every word.
    longest = timed(400, "longest")
    assert longest < 3 * large + 2.0, (large, longest)
    turns = [memory["content"] for memory in active("episode") if memory["user_id"] == "user-longest"]
    assert len(turns) == 1 and "with 799 eggs" in turns[0]
