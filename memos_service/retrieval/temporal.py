"""Time expressions in a query, as the event-time range they point at: "in May 2023",
"on 8 May 2023", "2023", "yesterday", "last week", "3 days ago". Relative ones are resolved
against a reference time (the request's, unless given)."""

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(\d{{4}})\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+(?:of\s+)?(\d{{4}})\b", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"\b(?:in|during|of|since)\s+((?:19|20)\d{2})\b", re.I)
_AGO = re.compile(r"\b(\d+|a|one|two|three|four|five|six)\s+(day|week|month|year)s?\s+ago\b", re.I)
_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_RELATIVE = {
    "today": (0, 1), "yesterday": (1, 1), "this week": (7, 7), "last week": (14, 7), "past week": (7, 7),
    "past month": (31, 31), "past year": (365, 365), "recently": (30, 30), "lately": (30, 30),
}
# Calendar units: "last year" said in November 2026 is 2025, not the 12 months before last.
_CALENDAR = re.compile(r"\b(this|last)\s+(month|year)\b", re.I)


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime  # exclusive

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


def _day(year: int, month: int, day: int) -> TimeRange | None:
    try:
        start = datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None
    return TimeRange(start, start + timedelta(days=1))


def _month(year: int, month: int) -> TimeRange:
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return TimeRange(start, end)


def parse_time_range(text: str, now: datetime | None = None) -> TimeRange | None:
    """The first time expression found, most specific first; None when the query names no time."""
    now = now or datetime.now(UTC)
    if match := _ISO_DATE.search(text):
        return _day(int(match[1]), int(match[2]), int(match[3]))
    if match := _DAY_MONTH_YEAR.search(text):
        return _day(int(match[3]), MONTHS[match[2].lower()], int(match[1]))
    if match := _MONTH_DAY_YEAR.search(text):
        return _day(int(match[3]), MONTHS[match[1].lower()], int(match[2]))
    if match := _MONTH_YEAR.search(text):
        return _month(int(match[2]), MONTHS[match[1].lower()])
    if match := _YEAR.search(text):
        year = int(match[1])
        return TimeRange(datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))
    if match := _AGO.search(text):
        amount = int(match[1]) if match[1].isdigit() else _WORDS[match[1].lower()]
        days = {"day": 1, "week": 7, "month": 30, "year": 365}[match[2].lower()] * amount
        width = {"day": 1, "week": 7, "month": 30, "year": 365}[match[2].lower()]
        start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
        return TimeRange(start - timedelta(days=width // 2), start + timedelta(days=width - width // 2 + 1))
    if match := _CALENDAR.search(text):
        back = 1 if match[1].lower() == "last" else 0
        if match[2].lower() == "year":
            year = now.year - back
            return TimeRange(datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))
        months = now.year * 12 + now.month - 1 - back
        return _month(months // 12, months % 12 + 1)
    lowered = text.lower()
    for phrase, (back, width) in _RELATIVE.items():
        if re.search(rf"\b{phrase}\b", lowered):
            start = (now - timedelta(days=back)).replace(hour=0, minute=0, second=0, microsecond=0)
            return TimeRange(start, start + timedelta(days=width if back else 1))
    return None
