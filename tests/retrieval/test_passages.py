"""Passages: a memory that says several things is found by any one of them, by the index and by
exact search alike, and its passages follow its content through updates and deletes."""

import pytest
from typer.testing import CliRunner

from memos_service.passages import split_passages
from tests.retrieval.test_full_text import settings

# The adoption is said among other news: the whole turn's vector is nearer two other memories
# about adopting and shelters (cosine 0.62-0.65) than to the question (0.57); its own sentence
# is nearer (0.70).
NEWS = ("Ana: The train was late again and the office heating broke. We finally adopted a puppy from the "
        "shelter, a beagle we named Biscuit. My sister keeps calling about her wedding cake.")
OTHERS = ["Ana: The pet shop downtown had kittens in the window today.",
          "Ana: My neighbour walks her two greyhounds every morning.",
          "Ana: We spent the weekend painting the kitchen yellow.",
          "Ana: The vet said cats need their vaccines every year.",
          "Ana: I watched a documentary about wolves last night.",
          "Ana: Our friends adopted a cat from a rescue last year.",
          "Ana: Dogs at the shelter all need names, the staff told me."]
QUESTION = "What breed is the puppy Ana adopted from the shelter?"


def test_passages_are_the_sentences_that_say_something_under_the_texts_label():
    assert split_passages(NEWS, 8) == [
        "Ana: The train was late again and the office heating broke.",
        "Ana: We finally adopted a puppy from the shelter, a beagle we named Biscuit.",
        "Ana: My sister keeps calling about her wedding cake."]
    assert split_passages("Wow! I moved to Porto in May.", 8) == ["I moved to Porto in May."]  # "Wow!" says nothing
    assert split_passages("I moved to Porto in May.", 8) == []  # one sentence: the whole text is the passage
    assert split_passages("Great. Thanks a lot!", 8) == []
    assert split_passages("Pi is 3.14 or so.\nThe moon is far away.", 8) == ["Pi is 3.14 or so.", "The moon is far away."]
    many = " ".join(f"Sentence number {n} is here." for n in range(10))
    grouped = split_passages(many, 3)
    assert len(grouped) == 3 and " ".join(grouped) == many
    assert split_passages(NEWS, 0) == []


def add(client, tenant, cube, contents: list[str], user_id: str = "ana") -> list[dict]:
    items = [{"content": content, "user_id": user_id} for content in contents]
    answer = client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": items}, headers=tenant.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]


def dense(client, tenant, cube, **filters) -> list[tuple[str, float]]:
    body = {"query": QUESTION, "mode": "dense", "top_k": 5, "filters": filters}
    answer = client.post(f"/v1/cubes/{cube['id']}/search", json=body, headers=tenant.headers)
    assert answer.status_code == 200, answer.text
    return [(hit["memory"]["content"], hit["score"]) for hit in answer.json()["data"]]


def test_a_sentence_among_others_is_found_by_index_and_exact_search_alike(client, tenant, cube, make_tenant):
    add(client, tenant, cube, [NEWS, *OTHERS])
    found = dense(client, tenant, cube)
    assert found[0][0] == NEWS and found[0][1] > 0.68
    exact = dense(client, tenant, cube, user_id="ana")  # a narrow filter: searched exactly in Postgres
    assert [content for content, _ in exact] == [content for content, _ in found]
    assert [score for _, score in exact] == pytest.approx([score for _, score in found], abs=1e-4)

    whole_only = make_tenant()
    other = client.post("/v1/cubes", json={"name": "whole"}, headers=whole_only.headers).json()
    with settings(client, passages_per_memory=0):
        add(client, whole_only, other, [NEWS, *OTHERS])
    assert [content for content, _ in dense(client, whole_only, other)].index(NEWS) >= 2


def test_passages_follow_the_content_through_updates_and_deletes(client, tenant, cube):
    news, *_ = add(client, tenant, cube, [NEWS, *OTHERS])
    url = f"/v1/cubes/{cube['id']}/memories/{news['id']}"
    patched = client.patch(url, json={"content": "Ana: The train was late again."}, headers=tenant.headers)
    assert patched.status_code == 200, patched.text
    for _ in range(2):  # through the index, then exactly
        scores = dict(dense(client, tenant, cube, **({} if _ == 0 else {"user_id": "ana"})))
        assert scores.get("Ana: The train was late again.", 0.0) < 0.4  # the old passages went with the old text

    client.patch(url, json={"content": NEWS}, headers=tenant.headers)
    assert dense(client, tenant, cube)[0][0] == NEWS
    client.delete(url, headers=tenant.headers)
    assert NEWS not in dict(dense(client, tenant, cube)) and NEWS not in dict(dense(client, tenant, cube, user_id="ana"))


def test_reindex_embeds_the_passages_of_memories_stored_without_them(client, tenant, cube, monkeypatch, tmp_path):
    from memos_service.cli import app as cli
    from memos_service.config import get_settings

    with settings(client, passages_per_memory=0):  # as stored before passages existed
        add(client, tenant, cube, [NEWS, *OTHERS])
    assert dense(client, tenant, cube)[0][0] != NEWS

    monkeypatch.setenv("MEMOS_INDEX_DIR", str(tmp_path))  # not the checkout's .memos
    get_settings.cache_clear()
    try:
        first = CliRunner().invoke(cli, ["reindex", "--passages", "--cube", cube["id"]])
        assert first.exit_code == 0, first.output
        assert "passages embedded for 1 memories" in first.output  # only the memory of several sentences
        # The running API takes them from the change log, without a restart.
        assert dense(client, tenant, cube)[0][0] == NEWS
        again = CliRunner().invoke(cli, ["reindex", "--passages", "--cube", cube["id"]])
        assert "passages embedded for 0 memories" in again.output
    finally:
        monkeypatch.delenv("MEMOS_INDEX_DIR")
        get_settings.cache_clear()
