"""Scripted conversations through the heuristic extractor and manager: the memory state after."""

import pytest

from tests.ingestion.conftest import message


def contents(memories):
    return [memory["content"] for memory in memories]


def test_residence_that_changes_twice_keeps_one_fact_with_history(client, tenant, cube, ingest, active):
    ingest([message("Hi! I live in Lisbon these days.", day=1)])
    ingest([message("Big news: I just moved to Berlin for a new job.", day=20)], session_id="s2")
    result = ingest([message("I've relocated to Toronto since last month.", month=7, day=2)], session_id="s3")
    facts = [memory for memory in active("fact") if memory["metadata"].get("attribute") == "residence"]
    assert len(facts) == 1, contents(active())
    assert "Toronto" in facts[0]["content"]
    assert result["counts"] == {"UPDATE": 1}
    history = client.get(f"/v1/cubes/{cube['id']}/memories/{facts[0]['id']}/history", headers=tenant.headers).json()
    assert [version["op"] for version in history["versions"]] == ["ADD", "UPDATE", "UPDATE"]
    assert ["Lisbon" in history["versions"][0]["content"], "Berlin" in history["versions"][1]["content"]] == [True, True]
    # The turns that stated the old cities left default search; they stay restorable (archived).
    turns = contents(active("episode"))
    assert not any("Lisbon" in turn or "Berlin" in turn for turn in turns), turns
    found = client.post(f"/v1/cubes/{cube['id']}/search", json={"query": "Where does Ana live now?", "top_k": 5},
                        headers=tenant.headers).json()["data"]
    assert "Toronto" in found[0]["memory"]["content"]
    assert not any("Lisbon" in hit["memory"]["content"] or "Berlin" in hit["memory"]["content"] for hit in found)


def test_retraction_leaves_no_active_memory_with_the_value(client, tenant, cube, ingest, active):
    ingest([message("My phone number is 555-0142, text me anytime."), message("I also drive a red Vespa.")])
    assert any("555-0142" in text for text in contents(active()))
    result = ingest([message("Please forget my phone number.", day=3)], session_id="s2")
    assert result["counts"] == {"DELETE": 1}
    assert not any("555-0142" in text for text in contents(active()))
    found = client.post(f"/v1/cubes/{cube['id']}/search", json={"query": "phone number 555-0142", "top_k": 10},
                        headers=tenant.headers).json()["data"]
    assert not any("555-0142" in hit["memory"]["content"] for hit in found)
    assert any("Vespa" in text for text in contents(active("fact")))

    ingest([message("I no longer have the Vespa, sold it last week.", day=9)], session_id="s3")
    assert not any("Vespa" in text for text in contents(active("fact")))


def test_a_retraction_also_removes_what_only_said_the_value(client, tenant, cube, ingest, active):
    ingest([message("I work at Northwind.")])
    # About no one, so no fact: only the turn says it. Then a fact that sets no property, and one
    # that sets someone else's.
    ingest([message("Northwind's office has a great view of the harbour.", day=3),
            message("Today I gave my first talk at Northwind.", day=3), message("My sister works at Northwind too.", day=3)],
           session_id="s2")
    assert sum("Northwind" in text for text in contents(active("episode"))) == 4
    assert "Today Ana gave Ana's first talk at Northwind." in contents(active()), contents(active())
    result = ingest([message("I no longer work at Northwind.", day=8)], session_id="s3")
    assert result["counts"] == {"DELETE": 1}
    # Neither the turns, nor a fact read as no property, nor the retraction's own words keep the
    # value alive; the sister's employer is hers.
    assert [text for text in contents(active()) if "Northwind" in text] == ["Ana's sister works at Northwind too."]


def test_a_turn_that_stated_a_superseded_value_leaves_default_search(client, tenant, cube, ingest, active):
    ingest([message("I live in Lisbon and my sister lives in Rome.")])
    ingest([message("I moved to Porto.", day=9)], session_id="s2")
    assert not any("Lisbon" in text for text in contents(active())), contents(active())
    # What else the turn said is still known, as the fact read from it.
    assert "Ana's sister lives in Rome." in contents(active("fact"))


def test_a_relatives_property_does_not_answer_for_the_speaker(client, tenant, cube, ingest, active):
    ingest([message("I live in Lisbon."), message("My sister lives in Rome."), message("My brother's favorite food is pizza."),
            message("My favorite food is ramen.")])

    def top(question: str) -> str:
        found = client.post(f"/v1/cubes/{cube['id']}/search", json={"query": question, "top_k": 3},
                            headers=tenant.headers).json()["data"]
        return found[0]["memory"]["content"]

    assert "Lisbon" in top("Where does Ana live now?")
    assert "Rome" in top("Where does Ana's sister live?")
    assert "ramen" in top("What is Ana's favorite food?")
    assert "pizza" in top("What is the favorite food of Ana's brother?")


def test_a_new_value_named_by_a_pronoun_drops_the_old_value(client, tenant, cube, ingest, active):
    ingest([message("My favorite food is sushi.")])
    result = ingest([message("Nothing beats ramen, it's my favorite food.", day=6)], session_id="s2")
    assert result["counts"] == {"UPDATE": 1}
    [fact] = [memory for memory in active() if memory["metadata"].get("attribute") == "favorite food"]
    assert "ramen" in fact["content"] and "value" not in fact["metadata"]
    assert fact["metadata"]["previous_values"] == ["sushi"]
    # Said again in any form that names it, it is known.
    assert ingest([message("Ramen is my favorite food.", day=9)], session_id="s3")["counts"] == {"NOOP": 1}


def test_repeating_a_known_fact_creates_no_duplicate(client, tenant, cube, ingest, active):
    ingest([message("I'm allergic to peanuts.")])
    before = active("fact")
    result = ingest([message("Just so you know, I am allergic to peanuts.", day=5)], session_id="s2")
    after = active("fact")
    assert result["counts"] == {"NOOP": 1}
    assert len(after) == len(before) == 1
    assert after[0]["access_count"] == 1 and after[0]["strength"] > before[0]["strength"]


def test_unrelated_facts_are_all_added_with_event_times(client, tenant, cube, ingest, active):
    result = ingest([
        message("I work as a nurse at the children's hospital.", day=10),
        message("That sounds great, tell me more!", role="assistant", day=10),
        message("My sister Maria lives in Madrid.", day=10),
        message("I went to a jazz concert yesterday.", day=10),
        message("ok thanks", day=10),
        message("I love hiking in the mountains.", day=10),
    ])
    assert result["counts"] == {"ADD": 4}, result["operations"]
    facts = {memory["content"]: memory for memory in active() if memory["memory_type"] != "episode"}
    assert set(facts) == {"Ana works as a nurse at the children's hospital.", "Ana's sister Maria lives in Madrid.",
                          "Ana went to a jazz concert yesterday.", "Ana loves hiking in the mountains."}
    assert facts["Ana went to a jazz concert yesterday."]["event_time"].startswith("2024-05-09")
    assert facts["Ana loves hiking in the mountains."]["memory_type"] == "preference"
    # Each turn is kept too (small talk is not), and points at the facts read from it.
    turns = active("episode")
    assert len(turns) == 5
    nurse_turn = next(turn for turn in turns if "nurse" in turn["content"])
    assert nurse_turn["metadata"]["facts"] == [facts["Ana works as a nurse at the children's hospital."]["id"]]


def test_the_same_messages_are_applied_once(client, tenant, cube, ingest, active):
    first = [message("I adopted a beagle named Biscuit.", id="m1")]
    ingest(first)
    count = len(active())
    again = ingest([*first, message("I'm training Biscuit to fetch.", id="m2")])
    assert again["messages"] == {"received": 2, "already_ingested": 1}
    assert len(active()) == count + 2  # one new fact, one new turn


def test_operations_export_as_a_training_set(tenant, cube, ingest, tmp_path):
    import json
    import subprocess
    import sys

    ingest([message("I live in Lisbon.")])
    ingest([message("I moved to Porto.", day=4)], session_id="s2")
    out = tmp_path / "ops.jsonl"
    done = subprocess.run([sys.executable, "-m", "memos_service.cli", "export-operations", "--format", "jsonl",
                           "--tenant", tenant.id, "--output", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [record["completion"]["operation"] for record in records] == ["ADD", "UPDATE"]
    update = records[1]
    assert update["messages"][0]["role"] == "system" and "EXISTING" in update["messages"][1]["content"]
    assert "Lisbon" in update["messages"][1]["content"] and update["completion"]["id"] == 0
    assert update["outcome"]["status"] == "active" and update["outcome"]["version"] == 2
    assert update["said"] == ["I moved to Porto."] and update["policy"] == "heuristic"
    refused = subprocess.run([sys.executable, "-m", "memos_service.cli", "export-operations", "--format", "csv"],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "jsonl" in refused.stderr


def test_a_change_said_in_words_no_cue_knows_still_updates_the_fact(client, tenant, cube, ingest, active):
    ingest([message("I live in Lisbon.")])
    # No cue of `statements` reads this; its meaning does (`policy/properties.py`).
    result = ingest([message("I'm based out of Rotterdam.", day=9)], session_id="s2")
    assert result["counts"] == {"UPDATE": 1}
    facts = [memory for memory in active("fact") if memory["metadata"].get("attribute") == "residence"]
    assert [(fact["metadata"]["value"], "Rotterdam" in fact["content"]) for fact in facts] == [("Rotterdam", True)]
    operations = client.get(f"/v1/cubes/{cube['id']}/operations", headers=tenant.headers).json()["data"]
    assert operations[0]["inputs"]["candidate"]["attribute"] == "residence"


def test_a_change_said_with_both_values_updates_to_the_new_one(client, tenant, cube, ingest, active):
    ingest([message("I work at Canva and I live in Leeds.")])
    result = ingest([message("I left Canva and joined Atlassian."), message("Moved out of Leeds and into a flat in York.")],
                    session_id="s2")
    assert result["counts"] == {"UPDATE": 2}
    facts = {fact["metadata"]["attribute"]: fact for fact in active("fact") if fact["metadata"].get("attribute")}
    assert {attribute: fact["metadata"]["value"] for attribute, fact in facts.items()} == {
        "employer": "Atlassian", "residence": "York"}
    # The fact says what is so now; the old value is in its history, and the turn keeps the words as said.
    assert "Canva" not in facts["employer"]["content"] and "Leeds" not in facts["residence"]["content"]
    history = client.get(f"/v1/cubes/{cube['id']}/memories/{facts['employer']['id']}/history", headers=tenant.headers).json()
    assert "Canva" in history["versions"][0]["content"]
    assert "I left Canva and joined Atlassian." in contents(active("episode"))
    # Said in two clauses, the old value's end and the new value are one change too, not a deletion and a new fact.
    result = ingest([message("No more York for me, I'm in Bath now.", day=20)], session_id="s3")
    assert result["counts"] == {"UPDATE": 1}
    [home] = [fact for fact in active("fact") if fact["metadata"].get("attribute") == "residence"]
    history = client.get(f"/v1/cubes/{cube['id']}/memories/{home['id']}/history", headers=tenant.headers).json()
    assert [("Leeds" in version["content"], "York" in version["content"], "Bath" in version["content"])
            for version in history["versions"]] == [(True, False, False), (False, True, False), (False, False, True)]


def test_a_fact_of_another_property_does_not_answer_a_question_for_one(client, tenant, cube, ingest, active):
    # The food is said in a way no reading takes as a property: only its turn holds it.
    ingest([message("I work at Globex."), message("I moved to Oslo last year."),
            message("Honestly no food tops a steaming bowl of laksa.")])
    assert not any("laksa" in fact["content"] and fact["metadata"].get("attribute") for fact in active("fact"))
    found = client.post(f"/v1/cubes/{cube['id']}/search", json={"query": "What is Ana's favorite food?", "top_k": 3,
                                                                 "filters": {"user_id": "ana"}},
                        headers=tenant.headers).json()["data"]
    assert "laksa" in found[0]["memory"]["content"], [(hit["memory"]["content"], hit["score"], hit["scores"]) for hit in found]
    demoted = [hit for hit in found if hit["memory"]["metadata"].get("attribute") in ("employer", "residence")]
    assert demoted and all(hit["scores"]["property"] < 0 for hit in demoted)


def test_a_clause_is_read_with_the_sentence_it_is_part_of(client, tenant, cube, ingest, active):
    ingest([message("I work at Globex.")])
    result = ingest([message("I switched jobs, I'm with Hooli now.", day=9)], session_id="s2")
    assert result["counts"].get("UPDATE") == 1, result["operations"]
    employers = [fact for fact in active("fact") if fact["metadata"].get("attribute") == "employer"]
    assert [fact["metadata"]["value"] for fact in employers] == ["Hooli"]


def test_a_retraction_said_in_words_no_cue_knows_still_deletes_the_fact(client, tenant, cube, ingest, active):
    ingest([message("I work at Fujitsu."), message("My phone number is 555-0187.")])
    # No cue of `statements` reads these; their meaning and a word that says something ends do
    # (`policy/retractions.py`).
    result = ingest([message("I stepped away from Fujitsu in October."), message("Please throw my mobile number away.")],
                    session_id="s2")
    assert result["counts"] == {"DELETE": 2}, result["operations"]
    assert not any("Fujitsu" in text or "555-0187" in text for text in contents(active())), contents(active())
    found = client.post(f"/v1/cubes/{cube['id']}/search", json={"query": "Where does Ana work?", "top_k": 5},
                        headers=tenant.headers).json()["data"]
    assert not any("Fujitsu" in hit["memory"]["content"] for hit in found)


@pytest.mark.parametrize("said, kept, asked, gone", [
    # A property named by a question word, and one named as what it is ("what my job is").
    (["I work at Globex.", "I live in Lisbon."], "Lisbon", "Please forget where I work.", "Globex"),
    (["I work at Initech.", "My phone number is 555-0188."], "555-0188", "Can you forget what my job is?", "Initech"),
])
def test_forgetting_a_property_by_what_it_is_deletes_it(client, tenant, cube, ingest, active, said, kept, asked, gone):
    ingest([message(text) for text in said])
    result = ingest([message(asked, day=4)], session_id="s2")
    assert result["counts"] == {"DELETE": 1}, result["operations"]
    assert not any(gone in text for text in contents(active()))
    assert any(kept in text for text in contents(active("fact")))


def test_an_occupation_at_an_employer_outlives_the_job_and_answers_where_one_works(client, tenant, cube, ingest, active):
    ingest([message("I'm working as a nurse at Asklepios these days.")])
    found = client.post(f"/v1/cubes/{cube['id']}/search", json={"query": "Where does Ana work now?", "top_k": 3},
                        headers=tenant.headers).json()["data"]
    assert found[0]["memory"]["content"] == "Ana works at Asklepios."
    result = ingest([message("I joined Vivantes last week.", day=9)], session_id="s2")
    assert result["counts"] == {"UPDATE": 1}, result["operations"]
    facts = {memory["metadata"].get("attribute"): memory["content"] for memory in active("fact")}
    assert facts == {"occupation": "Ana is working as a nurse these days.", "employer": "Ana joined Vivantes last week."}
    # The turn that said the old employer left default search with it.
    assert not any("Asklepios" in text for text in contents(active()))


def test_two_things_asked_to_be_forgotten_at_once_are_both_deleted(client, tenant, cube, ingest, active):
    ingest([message("My number is 555-0163."), message("My email is ana@example.org."), message("I live in Lisbon.")])
    result = ingest([message("Please delete my number and my email.", day=4)], session_id="s2")
    assert result["counts"] == {"DELETE": 2}, result["operations"]
    assert not any("555-0163" in text or "ana@example.org" in text for text in contents(active()))
    assert any("Lisbon" in text for text in contents(active("fact")))


def test_a_thing_lost_in_a_town_keeps_the_home_in_that_town(client, tenant, cube, ingest, active):
    ingest([message("I live in Aarhus."), message("I have a red wallet from my grandmother.")])
    assert any("wallet" in text for text in contents(active())), contents(active())
    ingest([message("I lost my wallet in Aarhus.", day=3)], session_id="s2")
    assert "Ana lives in Aarhus." in contents(active("fact")) and "I live in Aarhus." in contents(active("episode"))
    assert not any("wallet" in text for text in contents(active())), contents(active())


def test_a_company_left_said_of_the_company_takes_back_what_is_held_under_its_name(client, tenant, cube, ingest, active):
    ingest([message("I work at Zalando."), message("I live in Berlin.")])
    result = ingest([message("Zalando is history for me.", day=5)], session_id="s2")
    assert result["counts"] == {"DELETE": 1}, result["operations"]
    assert not any("Zalando" in text for text in contents(active())), contents(active())
    assert "Ana lives in Berlin." in contents(active("fact"))


def test_facts_added_through_the_api_are_updated_by_what_the_user_says(client, tenant, cube, ingest, active):
    # Stored without a property, as a client writes them; said of Ana by name, or of someone else.
    stored = [{"content": text, "user_id": "ana"} for text in
              ["Ana lives in Berlin", "Ana's sister lives in Rome", "Bob lives in Madrid", "Ana works at Globex"]]
    added = client.post(f"/v1/cubes/{cube['id']}/memories/batch", json={"items": stored}, headers=tenant.headers).json()["data"]
    assert ingest([message("I live in Berlin.")])["counts"] == {"NOOP": 1}  # already known, not a second residence

    result = ingest([message("I moved to Lisbon last week.", day=9)], session_id="s2")
    assert result["counts"] == {"UPDATE": 1}
    assert result["operations"][0]["memory_id"] == added[0]["id"]  # the API's own fact, now a new version
    facts = contents(active("fact"))
    assert [text for text in facts if "Berlin" in text or "Lisbon" in text] == ["Ana moved to Lisbon last week."]
    assert {"Ana's sister lives in Rome", "Bob lives in Madrid", "Ana works at Globex"} <= set(facts)
    history = client.get(f"/v1/cubes/{cube['id']}/memories/{added[0]['id']}/history", headers=tenant.headers).json()
    assert [version["content"] for version in history["versions"]] == ["Ana lives in Berlin", "Ana moved to Lisbon last week."]
