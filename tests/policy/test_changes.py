"""A change said with both values: the new one is set, never the old one, and nothing is taken back
by the words that say the old one goes. None of these sentences is in a `memos bench updates` pool."""

from datetime import UTC, datetime

import pytest

from memos_service.config import get_settings
from memos_service.embedding import get_embedder
from memos_service.ingestion.pipeline import heuristic_extractor
from memos_service.policy.candidates import Candidate, ChatMessage
from memos_service.policy.changes import without_old_value
from memos_service.policy.heuristic_extractor import HeuristicExtractor


@pytest.fixture(scope="module")
def extractor() -> HeuristicExtractor:
    return heuristic_extractor(get_settings(), get_embedder())


def _candidates(extractor: HeuristicExtractor, text: str) -> list[Candidate]:
    return extractor.extract([ChatMessage("m1", "user", text, datetime(2025, 6, 1, tzinfo=UTC))], "kai")[0]


def _read(extractor: HeuristicExtractor, text: str) -> list[tuple[str | None, str | None, bool]]:
    return [(found.attribute, found.value, found.retraction) for found in _candidates(extractor, text)
            if found.attribute or found.retraction]


@pytest.mark.parametrize("sentence, said_now", [
    ("I switched from Asana to Notion", "I switched to Notion"),
    ("I moved out of Leeds and into a flat in York", "I moved into a flat in York"),
    ("I left Canva and joined Atlassian", "I joined Atlassian"),
    ("I left Natura in June and joined Ambev", "I joined Ambev"),
    ("Quit Uber, now I am at Lyft", "I work at Lyft"),
    ("I live in Kyoto now instead of Osaka", "I live in Kyoto now"),
    ("I work at Figma now, not Adobe", "I work at Figma now"),
    ("No more Brussels for me, I am in Lille now", "I am in Lille now"),
    ("Forget pizza, bibimbap is my favorite food now", "bibimbap is my favorite food now"),
    ("Home used to be Cardiff, now it is Bristol", "Home is now Bristol"),
    ("Tacos have replaced burgers as my favorite food", "Tacos are now my favorite food"),
    ("I got rid of 555-3030, use 555-4040 instead", "reach me at 555-4040 instead"),
    ("I traded my job at Ford for one at Rivian", "I got a job at Rivian"),
    ("York (not Leeds) is where I live now", "York is where I live now"),
    ("I no longer live in Munich, moved back to Vienna", "moved back to Vienna"),
    ("We left Munich for Graz", "We left for Graz"),
    ("I switched jobs, Flipkart to Swiggy", "I switched jobs to Swiggy"),
    ("After two years at Rappi I moved to Mercado Libre", "I joined Mercado Libre"),
    ("Leaving Monterrey behind, we are in Queretaro now", "we are in Queretaro now"),
    ("I live in Kyoto", "I live in Kyoto"),  # no change: as it is
    ("Forget it, I will call later", "Forget it, I will call later"),  # "it" is no old value
])
def test_a_change_is_said_without_its_old_value(sentence, said_now):
    assert without_old_value(sentence) == said_now


@pytest.mark.parametrize("sentence, attribute, value", [
    ("Same team, but I switched from Asana to Notion.", "employer", "Notion"),  # going over to a company, in work talk
    ("I switched jobs, Flipkart to Swiggy.", "employer", "Swiggy"),
    ("Changed jobs: Ford -> Rivian.", "employer", "Rivian"),
    ("Left Natura in June and joined Ambev.", "employer", "Ambev"),  # once took Natura back and set nothing
    ("After Kigali we ended up in Kampala.", "residence", "Kampala"),
    ("We were in Sevilla for years but we live in Malaga now.", "residence", "Malaga"),  # once set Sevilla too
    ("Croquetas have overtaken paella as my favourite food.", "favorite food", "Croquetas"),
    ("Ok so Glovo didn't work out, I'm back at Cabify.", "employer", "Cabify"),
    ("I don't use lucia@posteo.es anymore, it's lucia.g@proton.me now.", "email", "lucia.g@proton.me"),
    ("After two years at Rappi I moved to Mercado Libre.", "employer", "Mercado Libre"),
    ("Leaving Monterrey behind, we're in Queretaro now.", "residence", "Queretaro"),
    ("I have moved on from Danone, now at L'Oreal.", "employer", "L'Oreal"),
    ("We sold the house in Aarhus and bought one in Odense.", "residence", "Odense"),
    ("I left Canva and joined Atlassian.", "employer", "Atlassian"),
    ("Quit Uber, now I'm at Lyft.", "employer", "Lyft"),
    ("I work at Figma now, not Adobe.", "employer", "Figma"),
    ("I traded my job at Ford for one at Rivian.", "employer", "Rivian"),
    ("I jumped ship from Intel to Nvidia.", "employer", "Nvidia"),
    ("Moved from Perth to Hobart in August.", "residence", "Hobart"),
    ("I live in Kyoto now instead of Osaka.", "residence", "Kyoto"),
    ("I moved out of Leeds and into a flat in York.", "residence", "York"),
    ("Home used to be Cardiff, now it's Bristol.", "residence", "Bristol"),
    ("Forget pizza, bibimbap is my favorite food now.", "favorite food", "bibimbap"),
    ("My favorite food changed from sushi to ramen.", "favorite food", "ramen"),
    ("My number went from 555-0101 to 555-0199.", "phone number", "555-0199"),
    ("I got rid of 555-3030, use 555-4040 instead.", "phone number", "555-4040"),
    ("Don't use my old email kai@old.com, it's kai@new.com now.", "email", "kai@new.com"),
    ("I no longer live in Munich, moved back to Vienna.", "residence", "Vienna"),
    ("York (not Leeds) is where I live now.", "residence", "York"),
    ("We left Munich for Graz in the summer.", "residence", "Graz"),  # by meaning, of the new name
    # The new value said in the next sentence.
    ("My phone number changed. It's 555-6161 now.", "phone number", "555-6161"),
    ("I moved again! Tallinn this time.", "residence", "Tallinn"),
    ("So I changed jobs. Spotify!", "employer", "Spotify"),
    ("New number. 555-8080. Save it!", "phone number", "555-8080"),
    ("My email has changed. Use kai@fastmail.com from now on.", "email", "kai@fastmail.com"),
    ("Pierogi. That's my favourite food now.", "favorite food", "Pierogi"),
    ("We were in Cork for years. Now it's Limerick.", "residence", "Limerick"),
    ("Remember my email? It changed to niamh@eircom.net.", "email", "niamh@eircom.net"),
    # At a company, among words about work, is working there.
    ("Changed companies, I'm with Wise these days.", "employer", "Wise"),
    ("My old job was a nightmare. I'm at Adyen now.", "employer", "Adyen"),
    ("Work is fine. Still at Stripe, still busy.", "employer", "Stripe"),
    ("Regarding my previous message: I no longer live in Wroclaw but in Opole.", "residence", "Opole"),  # once took Opole back
    ("Pho used to be my favourite food but now it's ramen.", "favorite food", "ramen"),
    ("I used to live in Sapporo, now I'm in Tokyo.", "residence", "Tokyo"),  # once took Sapporo back and set nothing
    ("I'm with Rappi now, in the growth team.", "employer", "Rappi"),  # at a company, in a team: working there
    ("I stopped working for Wise in May and joined Pipedrive.", "employer", "Pipedrive"),  # once took back "Wise in May..."
    ("So we finally moved out of the city, we're in Sintra now.", "residence", "Sintra"),  # once took Sintra back
])
def test_a_change_sets_the_new_value_only(extractor, sentence, attribute, value):
    assert _read(extractor, sentence) == [(attribute, value, False)]


@pytest.mark.parametrize("sentence, new", [
    ("I'm no longer at Oracle, I work for SAP now.", ("employer", "SAP", False)),
    ("No more Brussels for me, I'm in Lille now.", ("residence", "Lille", False)),
    ("Wise let me go, so I'm at Adyen now.", ("employer", "Adyen", False)),
])
def test_a_change_said_in_two_clauses_is_one_change(extractor, sentence, new):
    # The end of the old value is not a deletion of its own: the update keeps it in the history.
    assert _read(extractor, sentence) == [new]


def test_an_old_favourite_is_not_kept_in_the_new_ones_words(extractor):
    [found] = _candidates(extractor, "Pho used to be my favourite, now it's ramen.")
    assert (found.attribute, found.content) == ("favorite food", "Kai's favourite is now ramen.")


def test_a_request_to_forget_stays_a_deletion_beside_a_new_value(extractor):
    assert _read(extractor, "Please forget my phone number. My new one is 555-0199.") == [
        ("phone number", None, True), ("phone number", "555-0199", False)]


@pytest.mark.parametrize("message, attribute, value", [
    ("I work at Ambev now. Forget where I used to work.", "employer", "Ambev"),
    ("My new number is 555-2222. The old number is dead.", "phone number", "555-2222"),
])
def test_the_old_value_ended_after_the_new_one_is_set_takes_back_nothing(extractor, message, attribute, value):
    # Taken back after the new value, the property would lose the new value too.
    assert _read(extractor, message) == [(attribute, value, False)]


@pytest.mark.parametrize("sentence, attribute, value", [
    ("We left our last apartment in Riga and moved to Tartu.", "residence", "Tartu"),  # once set nothing
    ("We moved out of the house in Riga and into a flat in Tartu.", "residence", "Tartu"),
    ("We left Riga, now we live in Tartu.", "residence", "Tartu"),
])
def test_a_home_left_for_another_sets_the_new_one(extractor, sentence, attribute, value):
    assert _read(extractor, sentence) == [(attribute, value, False)]
    assert "Riga" not in _candidates(extractor, sentence)[0].content


@pytest.mark.parametrize("sentence", [
    "My old flat in Ghent had mould everywhere.",  # where one lived: once set the residence
    "Our previous house in Lille had a garden.",
    "My brother went from Deloitte to KPMG.",  # someone else's change
    "We drove from Denver to Boise for the weekend.",  # a trip
    "I switched from coffee to tea.",
    "I moved the meeting from Monday to Friday.",
    "I switched my bank from Chase to Ally.",  # a provider, not an employer
    "I switched from Asana to Notion.",  # tools as often as employers: no talk of work
    "I switched to Hulu because Netflix got pricey.",
    "Our team moved from Slack to Teams last week.",  # the work moved, not the home
    "So long Leeds, hello Ghent!",  # which is home the embedder does not hear
    "Bye Vancouver, hello Calgary!",
    "Our neighbours left Graz for Linz.",
    "Not Leeds again - I hate that train.",
    "I'm at Costco now.",  # a moment
    "Work was long today, I'm at Adyen for a meeting.",  # more than a time after the name
    "Work was long today, I'm at Adyen, for a meeting.",  # why one is there, not what one does there
])
def test_a_change_of_something_else_sets_nothing(extractor, sentence):
    assert _read(extractor, sentence) == []


def test_a_memory_of_childhood_takes_nothing_back(extractor):
    assert _read(extractor, "I used to love Paris when I was a kid.") == []
    assert _read(extractor, "I used to work at Globex.") == [("employer", "Globex", True)]


def test_a_place_said_as_there_is_the_name_just_before(extractor):
    assert ("residence", "Aarhus", False) in _read(extractor, "I got transferred to the Aarhus branch, so I live there now.")
    assert _read(extractor, "So I live there now.") == []  # no name before: no residence without a value
