"""When a message should go out: campaign events, quiet hours, working days.

Pure functions over aware datetimes. Wall-clock rules ("10:00 two days
before") are computed in the meeting's time zone, so they hold across the
daylight-saving changes; results are returned in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

import holidays


class Anchor(StrEnum):
    START = "start"
    END = "end"


@dataclass(frozen=True)
class CampaignEvent:
    """A message defined as data, like RapidPro's campaign events.

    `offset` is added to the anchor; with `delivery_hour` the day of that moment
    is kept and the time set to that hour (local). `working_day` moves the day
    forward past weekends and public holidays.
    """

    key: str
    anchor: Anchor
    offset: timedelta
    delivery_hour: int | None = None
    working_day: bool = False

    def due(self, start: datetime, end: datetime, tz: ZoneInfo) -> datetime:
        # In UTC: aware arithmetic within one tzinfo is wall-clock arithmetic in Python,
        # which would make "2 hours before" 3 hours on the night clocks go back.
        moment = (start if self.anchor is Anchor.START else end).astimezone(UTC) + self.offset
        if self.delivery_hour is None:
            return moment
        day = moment.astimezone(tz).date()
        if self.working_day:
            day = next_working_day_on_or_after(day)
        return at_local(day, time(self.delivery_hour), tz)


def at_local(day: date, clock_time: time, tz: ZoneInfo) -> datetime:
    """That wall-clock time on that day, in UTC (a gap hour resolves forward)."""
    local = datetime.combine(day, clock_time, tzinfo=tz)
    # Round-trip through UTC normalises a non-existent (spring-forward) time.
    return local.astimezone(UTC)


@cache
def _swedish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("SE", years=year)


def is_working_day(day: date) -> bool:
    # Sweden's calendar lists Sundays as holidays too; weekends are checked first.
    return day.weekday() < 5 and day not in _swedish_holidays(day.year)


def next_working_day_on_or_after(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def next_working_day_after(day: date) -> date:
    return next_working_day_on_or_after(day + timedelta(days=1))


@dataclass(frozen=True)
class QuietHours:
    """SMS to participants only between `start` and `end`, local time."""

    start: time = time(8, 0)
    end: time = time(20, 0)

    def next_allowed(self, moment: datetime, tz: ZoneInfo) -> datetime:
        local = moment.astimezone(tz)
        if self.start <= local.time() < self.end:
            return moment.astimezone(UTC)
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        return at_local(day, self.start, tz)


# The one definition of the default quiet hours; a team may set its own (team_settings).
QUIET_HOURS = QuietHours()

# The default campaign: reminders before (a team may set its own), the survey after.
REMINDER_TWO_DAYS = CampaignEvent("reminder_2d", Anchor.START, timedelta(days=-2), delivery_hour=10)
REMINDER_TWO_HOURS = CampaignEvent("reminder_2h", Anchor.START, timedelta(hours=-2))
SURVEY = CampaignEvent("survey", Anchor.END, timedelta(days=1), delivery_hour=10, working_day=True)
DEFAULT_REMINDERS = (REMINDER_TWO_DAYS, REMINDER_TWO_HOURS)
