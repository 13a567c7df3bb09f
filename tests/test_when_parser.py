"""Reading dates and times as convenors type them; refusing what is unclear or past."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.meetings.when_parser import Refused, WhenProblem, parse_day, parse_when

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Monday 23 November 2026, 09:30 in Stockholm.
NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03 10:00", datetime(2026, 12, 3, 10, 0)),
        ("3/12 10:00", datetime(2026, 12, 3, 10, 0)),
        ("3/12/2026 kl 10", datetime(2026, 12, 3, 10, 0)),
        ("3 dec 10.30", datetime(2026, 12, 3, 10, 30)),
        ("3 december 2027 8:05", datetime(2027, 12, 3, 8, 5)),
        ("tisdag 10:00", datetime(2026, 11, 24, 10, 0)),
        ("Tisdag kl. 10", datetime(2026, 11, 24, 10, 0)),
        ("on Tuesday 9", datetime(2026, 11, 24, 9, 0)),
        ("måndag 14", datetime(2026, 11, 30, 14, 0)),  # a weekday is never today
        ("måndag 9", datetime(2026, 11, 30, 9, 0)),  # today's has passed: next week
        ("tomorrow 9", datetime(2026, 11, 24, 9, 0)),
        ("i morgon kl 9", datetime(2026, 11, 24, 9, 0)),
        ("idag 14", datetime(2026, 11, 23, 14, 0)),
        ("övermorgon 13:15", datetime(2026, 11, 25, 13, 15)),
        ("  20/1   9 ", datetime(2027, 1, 20, 9, 0)),  # no year: the next 20 January
    ],
)
def test_accepted_forms_read_as_stockholm_wall_clock(text, expected):
    assert parse_when(text, NOW, STOCKHOLM) == expected.replace(tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", WhenProblem.UNCLEAR),
        ("next week sometime", WhenProblem.UNCLEAR),
        ("tisdag", WhenProblem.NO_TIME),  # a time is needed
        ("snart 10", WhenProblem.UNCLEAR),
        ("3 smurf 10", WhenProblem.UNCLEAR),
        ("31/2 10:00", WhenProblem.NO_SUCH_DATE),
        ("2026-13-01 10:00", WhenProblem.NO_SUCH_DATE),
        ("imorgon 25:00", WhenProblem.NO_SUCH_DATE),
        ("imorgon 9:75", WhenProblem.NO_SUCH_DATE),
        ("2026-11-20 10:00", WhenProblem.PAST),
        ("idag 9", WhenProblem.PAST),
        ("🗓️ 10:00", WhenProblem.UNCLEAR),
        ("1/1 10 " + "x" * 5000, WhenProblem.UNCLEAR),
    ],
)
def test_unclear_impossible_and_past_are_refused_with_the_reason(text, problem):
    assert parse_when(text, NOW, STOCKHOLM) == Refused(problem)


def test_wall_clock_is_kept_across_the_march_change():
    moment = parse_when("2027-03-29 10:00", NOW, STOCKHOLM)
    assert moment.tzinfo is UTC and moment.hour == 8  # summer time: UTC+2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-10", date(2026, 12, 10)),
        ("fredag", date(2026, 11, 27)),
        ("10/12", date(2026, 12, 10)),
    ],
)
def test_a_day_without_time_is_read_for_due_dates(text, expected):
    assert parse_day(text, date(2026, 11, 23)) == expected


def test_a_due_date_in_the_past_is_refused():
    assert parse_day("2026-11-01", date(2026, 11, 23)) == Refused(WhenProblem.PAST)
    assert parse_day("snart", date(2026, 11, 23)) == Refused(WhenProblem.UNCLEAR)
