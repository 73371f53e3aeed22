"""The benchmark's scoring is what its numbers mean: it is tested like the product."""

from datetime import UTC, datetime

from memos_service.bench.locomo import evidence_ids, score, session_time, turns


def test_session_dates_and_turns_become_memories_with_provenance():
    assert session_time("1:56 pm on 8 May, 2023") == datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
    conversation = {
        "speaker_a": "A", "speaker_b": "B",
        "session_2_date_time": "10:00 am on 9 May, 2023",
        "session_2": [{"speaker": "B", "dia_id": "D2:1", "text": "Look!", "blip_caption": "a photo of a dog"}],
        "session_1_date_time": "1:56 pm on 8 May, 2023",
        "session_1": [{"speaker": "A", "dia_id": "D1:1", "text": "Hi"}],
    }
    items = turns(conversation)
    assert [item["source"]["message_ids"] for item in items] == [["D1:1"], ["D2:1"]]
    assert items[1]["content"] == "B: Look! [shares a photo: a photo of a dog]"
    assert items[0]["event_time"] == "2023-05-08T13:56:00+00:00" and items[1]["session_id"] == "session_2"


def test_recall_metrics():
    assert evidence_ids(["D1:3", "D8:6; D9:17"]) == {"D1:3", "D8:6", "D9:17"}
    scores = score([["D1:1"], ["D1:2"], ["D5:5"]], {"D1:2", "D9:9"})
    assert scores["any@1"] == 0.0 and scores["any@5"] == 1.0
    assert scores["all@20"] == 0.0 and scores["fraction@5"] == 0.5


def test_direct_load_writes_rows_the_service_searches(client, tenant, cube, database_url):
    """`memos bench latency --direct` writes rows by COPY, around the API: they must be rows the
    service reads as its own, listed, filtered and searched like any other."""
    import uuid

    from memos_service.bench.latency import load_directly, settle_statistics

    assert load_directly(database_url, uuid.UUID(tenant.id), uuid.UUID(cube["id"]), 300, chunk=128) > 0
    settle_statistics(database_url)
    url = f"/v1/cubes/{cube['id']}"
    small = client.get(f"{url}/memories", params={"user_id": "small-user", "limit": 100}, headers=tenant.headers)
    assert small.status_code == 200 and len(small.json()["data"]) == 3  # every hundredth row
    events = client.get(f"{url}/memories", params={"event_after": "2024-01-01T00:00:00Z", "limit": 100},
                        headers=tenant.headers).json()["data"]
    assert len(events) == 100 and {memory["memory_type"] for memory in events} == {"event"}  # every third row, dated
    for mode in ("dense", "lexical", "hybrid"):
        hits = client.post(f"{url}/search", json={"query": "who fixed the roof?", "mode": mode, "top_k": 5},
                           headers=tenant.headers).json()["data"]
        assert len(hits) == 5, mode
    lexical = client.post(f"{url}/search", json={"query": "vintage radio", "mode": "lexical", "top_k": 3},
                          headers=tenant.headers).json()["data"]
    assert lexical and all("vintage radio" in hit["memory"]["content"] for hit in lexical)
