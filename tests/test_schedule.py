"""Scheduling rules as pure functions: wall-clock times across DST, working days, quiet hours."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows.outbox.schedule import (
    REMINDER_TWO_DAYS,
    REMINDER_TWO_HOURS,
    SURVEY,
    QuietHours,
    is_working_day,
)

STHLM = ZoneInfo("Europe/Stockholm")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STHLM)


@pytest.mark.parametrize(
    ("meeting_start", "expected_utc"),
    [
        # Clocks go back on 2026-10-25: Friday 23rd is CEST (+2), so 10:00 is 08:00 UTC.
        (local(2026, 10, 25, 13, 0), datetime(2026, 10, 23, 8, 0, tzinfo=UTC)),
        # Meeting on Tuesday after the change: Sunday 25th 10:00 is CET (+1).
        (local(2026, 10, 27, 13, 0), datetime(2026, 10, 25, 9, 0, tzinfo=UTC)),
        # Clocks go forward on 2026-03-29: Friday 27th 10:00 is CET.
        (local(2026, 3, 29, 13, 0), datetime(2026, 3, 27, 9, 0, tzinfo=UTC)),
        (local(2026, 3, 31, 13, 0), datetime(2026, 3, 29, 8, 0, tzinfo=UTC)),
    ],
)
def test_two_days_before_is_ten_on_the_wall_clock_across_dst(meeting_start, expected_utc):
    due = REMINDER_TWO_DAYS.due(meeting_start, meeting_start + timedelta(hours=1), STHLM)
    assert due == expected_utc
    assert due.astimezone(STHLM).hour == 10


def test_two_hours_before_counts_real_hours_over_the_change():
    start = local(2026, 10, 25, 3, 30)  # 03:30 CET, an hour after the change
    due = REMINDER_TWO_HOURS.due(start, start, STHLM)
    assert start.astimezone(UTC) - due == timedelta(hours=2)


@pytest.mark.parametrize(
    ("meeting_end", "survey_day"),
    [
        (local(2026, 11, 23, 11), date(2026, 11, 24)),  # Monday -> Tuesday
        (local(2026, 11, 27, 11), date(2026, 11, 30)),  # Friday -> Monday
        (local(2026, 11, 28, 11), date(2026, 11, 30)),  # Saturday -> Monday
        (local(2026, 12, 23, 11), date(2026, 12, 24)),  # Christmas Eve is a working day by law
        (local(2026, 12, 24, 11), date(2026, 12, 28)),  # 25th, 26th, 27th are not
        (local(2026, 4, 2, 11), date(2026, 4, 7)),  # Good Friday, Easter Monday skipped
    ],
)
def test_survey_goes_the_next_working_day_at_ten(meeting_end, survey_day):
    due = SURVEY.due(meeting_end - timedelta(hours=1), meeting_end, STHLM)
    assert due.astimezone(STHLM) == local(survey_day.year, survey_day.month, survey_day.day, 10)


def test_weekends_and_holidays_are_not_working_days():
    assert is_working_day(date(2026, 11, 23))
    assert not is_working_day(date(2026, 11, 22))  # Sunday
    assert not is_working_day(date(2026, 6, 6))  # National Day


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(2026, 11, 23, 12, 0), local(2026, 11, 23, 12, 0)),
        (local(2026, 11, 23, 7, 59), local(2026, 11, 23, 8, 0)),
        (local(2026, 11, 23, 20, 0), local(2026, 11, 24, 8, 0)),
        (local(2026, 11, 23, 23, 30), local(2026, 11, 24, 8, 0)),
        (local(2026, 3, 29, 1, 0), local(2026, 3, 29, 8, 0)),  # the night clocks jump
    ],
)
def test_quiet_hours_move_a_message_to_the_next_allowed_moment(moment, expected):
    allowed = QuietHours().next_allowed(moment, STHLM)
    assert allowed == expected.astimezone(UTC)
    assert allowed.tzinfo is UTC
