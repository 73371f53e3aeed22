from datetime import UTC, datetime

import pytest

from memos_service.retrieval.search import query_entities
from memos_service.retrieval.temporal import parse_time_range

NOW = datetime(2023, 6, 15, 12, 30, tzinfo=UTC)


def day(year: int, month: int, date: int) -> datetime:
    return datetime(year, month, date, tzinfo=UTC)


@pytest.mark.parametrize(("query", "start", "end"), [
    ("what did I do in May 2023?", day(2023, 5, 1), day(2023, 6, 1)),
    ("in December of 2022", day(2022, 12, 1), day(2023, 1, 1)),
    ("the party on 8 May, 2023", day(2023, 5, 8), day(2023, 5, 9)),
    ("May 8th 2023", day(2023, 5, 8), day(2023, 5, 9)),
    ("meeting 2023-05-08", day(2023, 5, 8), day(2023, 5, 9)),
    ("trips in 2022", day(2022, 1, 1), day(2023, 1, 1)),
    ("what happened yesterday", day(2023, 6, 14), day(2023, 6, 15)),
    ("today", day(2023, 6, 15), day(2023, 6, 16)),
    # Calendar units, not rolling windows: "last year" in June 2023 is 2022.
    ("we moved there last year", day(2022, 1, 1), day(2023, 1, 1)),
    ("this year", day(2023, 1, 1), day(2024, 1, 1)),
    ("last month", day(2023, 5, 1), day(2023, 6, 1)),
    ("this month", day(2023, 6, 1), day(2023, 7, 1)),
])
def test_time_expressions_become_ranges(query, start, end):
    found = parse_time_range(query, NOW)
    assert found is not None and (found.start, found.end) == (start, end)


def test_last_month_in_january_is_last_years_december():
    found = parse_time_range("last month", datetime(2024, 1, 10, tzinfo=UTC))
    assert found is not None and (found.start, found.end) == (day(2023, 12, 1), day(2024, 1, 1))


def test_relative_ranges_lie_before_now_and_unmarked_queries_have_none():
    for query in ("last week", "3 days ago", "a month ago", "last month", "recently"):
        found = parse_time_range(query, NOW)
        assert found is not None and found.start < found.end
        assert found.start < NOW
    assert parse_time_range("when did she adopt the cat?", NOW) is None
    assert parse_time_range("30 February 2023", NOW) is None  # not a day: no range rather than an error


def test_entities_are_names_not_question_words():
    assert query_entities("What did Caroline tell Melanie's brother?") == {"caroline", "melanie"}
    assert query_entities("When is the meeting?") == set()
    # Names ending in s keep it; only a possessive is dropped.
    assert query_entities("Did James meet Gus at Agnes’ house?") == {"james", "gus", "agnes"}
