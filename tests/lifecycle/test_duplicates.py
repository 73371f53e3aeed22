"""What may merge: pure rules, no database."""

import pytest

from memos_service.lifecycle.duplicates import Candidate, clusters, contained, signature

USER = ("alice", None, "plaintext", "fact")


def candidate(memory_id: int, text: str, group=USER, **fields) -> Candidate:
    return Candidate(memory_id, group, text, **fields)


@pytest.mark.parametrize(("first", "second"), [
    ("Alice loves hiking in the Alps", "Alice enjoys hiking in the Alps"),
    ("Bob works at Google as an engineer", "Bob is an engineer at Google"),
    ("Dave plays chess on Sundays", "Dave plays chess every Sunday"),
    ("Alice has a dog", "Alice has a dog named Rex"),  # the fuller one holds the shorter
])
def test_paraphrases_and_fuller_versions_may_merge(first, second):
    assert contained(candidate(1, first), candidate(2, second)) or contained(candidate(2, second), candidate(1, first))


@pytest.mark.parametrize(("first", "second"), [
    ("Alice is 30 years old", "Alice is 31 years old"),
    ("Dave has two kids", "Dave has three kids"),
    ("The meeting is on Monday", "The meeting is on Tuesday"),
    ("Alice likes cats", "Alice does not like cats"),
    ("Alice adopted a dog named Rex", "Alice adopted a dog named Max"),
    ("Erin works at Siemens", "Erin worked at Siemens until 2019"),
    ("Ivan drinks coffee", "Ivan stopped drinking coffee"),
])
def test_contradictions_never_merge_whatever_their_similarity(first, second):
    assert not contained(candidate(1, first), candidate(2, second))
    assert not contained(candidate(2, second), candidate(1, first))


def test_same_property_with_different_values_never_merges():
    red = candidate(1, "Alice's favourite colour is red", attribute="favorite color", value="red")
    blue = candidate(2, "Alice's favourite colour is blue", attribute="favorite color", value="blue")
    assert not contained(red, blue) and not contained(blue, red)


def test_other_users_agents_and_kinds_never_merge():
    text = "Alice loves hiking in the Alps"
    for group in (("bob", None, "plaintext", "fact"), ("alice", "agent-2", "plaintext", "fact"),
                  ("alice", None, "plaintext", "episode")):
        assert not contained(candidate(1, text), candidate(2, text, group=group))


def test_clusters_are_stars_around_the_most_complete_member_not_chains():
    short = candidate(1, "Alice has a dog")
    named = candidate(2, "Alice has a dog named Rex")
    other = candidate(3, "Alice has a dog named Max")
    # 1~2 and 1~3 are similar, 2 and 3 contradict each other: a chain would merge all three.
    found = clusters([short, named, other], [(1, 2, 0.93), (1, 3, 0.93)])
    assert len(found) == 1
    assert found[0].members == (1,) and found[0].survivor in (2, 3)
    merged = {found[0].survivor, *found[0].members}
    assert merged != {1, 2, 3}


def test_each_memory_is_in_at_most_one_cluster():
    members = [candidate(number, "Carol drinks green tea every morning" + " really" * number) for number in range(1, 6)]
    pairs = [(a.id, b.id, 0.97) for a in members for b in members if a.id < b.id]
    found = clusters(members, pairs)
    assert len(found) == 1
    assert found[0].survivor == 5 and found[0].members == (1, 2, 3, 4)


def test_signature_reads_names_numbers_and_negation():
    sig = signature("Alice didn't move to Berlin in 2021 with two friends")
    assert {"alice", "berlin", "2021", "two"} <= sig.specifics
    assert sig.negated
