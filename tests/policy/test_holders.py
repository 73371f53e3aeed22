"""Whom a fact is about, read by grammar and the encoder (no list of attributes)."""

import pytest

from memos_service.embedding import get_embedder
from memos_service.policy.holders import Holders


@pytest.fixture(scope="module")
def holders() -> Holders:
    return Holders(get_embedder())


@pytest.mark.parametrize(("text", "whose"), [
    ("Ana rides a Brompton.", "ana"),
    ("Ana's bike is a Brompton.", "ana"),
    ("Ana's shoe size is size 42.", "ana"),
    ("Someone stole Ana's Brompton.", "ana"),
    ("These days Ana's favourite author is Jane Austen.", "ana"),
    ("Ana's husband is Daniel.", "ana"),  # who he is: Ana's
    ("Ana's uncle rides a Giant Escape.", "ana's uncle"),
    ("Ana's best friend is married to Daniel.", "ana's friend"),
    ("Ana's husband's shoe size is size 44.", "ana's husband"),
    ("Ana's teacher loves Toni Morrison.", "ana's teacher"),  # a person by the encoder, in no list
    ("The weather has been awful.", ""),
])
def test_holder(holders, text, whose):
    assert holders.of(text, "ana") == whose
