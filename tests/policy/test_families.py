"""The families the learned manager learns from are data, apart from the held-out ones that judge it,
and the grammar it is given is small and names no attribute or value."""

import re

from memos_service.bench.families import HELD_OUT
from memos_service.policy import holders, pair_features
from memos_service.policy.conversations import people
from memos_service.policy.families import families_of, load_families


def _frame(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("{value}", "_").lower()).strip()


def test_held_out_families_and_frames_are_in_no_training_or_dev_data():
    held_out = load_families(HELD_OUT)
    known = families_of("train") + families_of("dev")
    assert {family.family for family in held_out}.isdisjoint({family.family for family in known})
    assert {_frame(frame) for family in held_out for frame in family.frames()}.isdisjoint(
        {_frame(frame) for family in known for frame in family.frames()})


def test_train_and_dev_families_are_apart():
    train, dev = families_of("train"), families_of("dev")
    assert len(train) >= 20 and len(dev) >= 5
    assert {family.family for family in train}.isdisjoint({family.family for family in dev})


def test_the_grammar_is_small_and_names_no_attribute_or_value():
    lists = [pair_features.FUNCTION_WORDS, pair_features.ADDING, pair_features.ENDING, pair_features.CHANGING,
             holders._WHICH]
    assert sum(len(words) for words in lists) <= 300
    named = set()
    for family in families_of("train") + families_of("dev") + load_families(HELD_OUT):
        named |= set(family.family.lower().split()) | {word for value in family.values for word in value.lower().split()}
    named -= pair_features.FUNCTION_WORDS  # "by bike", "Code and Coffee": no function word names an attribute
    grammar = set().union(*lists)
    assert not grammar & named, grammar & named


def test_generated_people_keep_the_truth_of_what_they_said():
    for person in people(40, families_of("dev"), seed=3, facts=3, sessions=4):
        said = [sentence for session in person.sessions for sentence in session]
        for name, family in person.families.items():
            current, stale, retracted = person.current[name], person.stale[name], person.retracted[name]
            if family.kind == "one":
                assert len(current) <= 1
            assert not set(current) & set(retracted)
            assert not set(current) & set(stale)
            for value in current + retracted:  # every value held or taken back was said by the speaker
                assert any(sentence.value == value and sentence.act in ("state", "repeat") for sentence in said)
        assert all(sentence.act == "other" and sentence.value is None for sentence in person.others)


def test_generation_is_deterministic_for_a_seed():
    first = [[s.text for s in session] for p in people(10, families_of("dev"), seed=5) for session in p.sessions]
    again = [[s.text for s in session] for p in people(10, families_of("dev"), seed=5) for session in p.sessions]
    other = [[s.text for s in session] for p in people(10, families_of("dev"), seed=6) for session in p.sessions]
    assert first == again != other
