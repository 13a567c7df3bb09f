"""What a convenor types for a date and time, read into a moment, or refused.

A small strict grammar rather than a guessing library (dateparser and the
like accept almost anything and drop what they do not understand): the
convenor is shown what we understood and confirms it, so refusing anything
unclear is the feature. Accepted, case-insensitive, with an optional "kl":

    2026-12-03 10:00     3/12 10:00     3/12/2026 10     3 dec 10.30
    tisdag 10:00         on tuesday 9   idag 14          tomorrow 9
    i morgon kl 9        övermorgon 13:15

Day/month order is the Swedish one (3/12 is 3 December). A date without a year
is its next occurrence; a weekday is the nearest one still ahead (today if the
time has not passed). Only `parse_day` leaves out the time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

WEEKDAYS = {
    **dict.fromkeys(("måndag", "mandag", "mån", "monday", "mon"), 0),
    **dict.fromkeys(("tisdag", "tis", "tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("onsdag", "ons", "wednesday", "wed"), 2),
    **dict.fromkeys(("torsdag", "tors", "tor", "thursday", "thu", "thurs"), 3),
    **dict.fromkeys(("fredag", "fre", "friday", "fri"), 4),
    **dict.fromkeys(("lördag", "lordag", "lör", "saturday", "sat"), 5),
    **dict.fromkeys(("söndag", "sondag", "sön", "sunday", "sun"), 6),
}
RELATIVE_DAYS = {
    "idag": 0, "today": 0,
    "imorgon": 1, "imorn": 1, "tomorrow": 1,
    "övermorgon": 2, "overmorgon": 2,
}  # fmt: skip
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("januari", "january", "jan"),
            ("februari", "february", "feb"),
            ("mars", "march", "mar"),
            ("april", "apr"),
            ("maj", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("augusti", "august", "aug"),
            ("september", "sept", "sep"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
MAX_INPUT = 60  # longer text is not a date; do not run regexes over an essay

_TIME = r"(?:kl\.?\s*)?(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?"
_DAY = (
    r"(?P<iso>\d{4}-\d{1,2}-\d{1,2})"
    r"|(?P<dm>\d{1,2})/(?P<m>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?"
    r"|(?P<dn>\d{1,2})\.?\s+(?P<mname>[a-zåäö]+)\.?(?:\s+(?P<yn>\d{4}))?"
    r"|(?P<word>[a-zåäö]+)"
)
_WITH_TIME = re.compile(rf"^(?:on\s+|på\s+)?(?:{_DAY})(?:\s*,)?\s+{_TIME}$")
_DAY_ONLY = re.compile(rf"^(?:on\s+|på\s+)?(?:{_DAY})$")


class WhenProblem(StrEnum):
    UNCLEAR = "unclear"  # not a form we read
    NO_SUCH_DATE = "no_such_date"  # 31/2, 25:00
    PAST = "past"


@dataclass(frozen=True)
class Refused:
    problem: WhenProblem


def _normalise(text: str) -> str:
    text = " ".join(text.strip().lower().replace("i morgon", "imorgon").split())
    return text.replace("i dag", "idag")


def _year_for(month: int, day: int, today: date) -> int:
    """A date without a year: this year's if still ahead, else next year's."""
    try:
        return today.year if date(today.year, month, day) >= today else today.year + 1
    except ValueError:  # 29/2 in a year without it
        return today.year + 1


def _day(match: re.Match[str], today: date) -> date | WhenProblem:
    groups = match.groupdict()
    try:
        if groups["iso"]:
            year, month, day = (int(part) for part in groups["iso"].split("-"))
            return date(year, month, day)
        if groups["dm"]:
            day, month = int(groups["dm"]), int(groups["m"])
            year = groups["y"]
            if year is None:
                return date(_year_for(month, day, today), month, day)
            return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        if groups["dn"]:
            month = MONTHS.get(groups["mname"])
            if month is None:
                return WhenProblem.UNCLEAR
            day = int(groups["dn"])
            if groups["yn"]:
                return date(int(groups["yn"]), month, day)
            return date(_year_for(month, day, today), month, day)
    except ValueError:
        return WhenProblem.NO_SUCH_DATE
    word = groups["word"]
    if word in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[word])
    if word in WEEKDAYS:
        return today + timedelta(days=(WEEKDAYS[word] - today.weekday()) % 7)
    return WhenProblem.UNCLEAR


def _in_dst_gap(moment: datetime) -> bool:
    """A wall-clock time the clocks skip: it does not survive a round trip through UTC."""
    back = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None) != moment.replace(tzinfo=None)


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime | Refused:
    """A future moment from what the convenor typed, read on `tz`'s wall clock and
    returned in UTC: Tortoise stores an aware datetime with its own offset, and SQLite
    compares the text, so only UTC everywhere keeps `ends_at <= now` true to time."""
    match = _WITH_TIME.match(_normalise(text[: MAX_INPUT + 1]))
    if len(text) > MAX_INPUT or match is None:
        return Refused(WhenProblem.UNCLEAR)
    local_now = now.astimezone(tz)
    day = _day(match, local_now.date())
    if isinstance(day, WhenProblem):
        return Refused(day)
    try:
        clock = time(int(match["hour"]), int(match["minute"] or 0))
    except ValueError:
        return Refused(WhenProblem.NO_SUCH_DATE)
    moment = datetime.combine(day, clock, tzinfo=tz)
    if _in_dst_gap(moment):
        return Refused(WhenProblem.NO_SUCH_DATE)  # 02:30 on the spring-forward night
    is_weekday = match["word"] in WEEKDAYS
    if moment <= local_now and is_weekday:
        moment += timedelta(days=7)  # "tisdag 10" said on a Tuesday at 11: next week
    if moment <= local_now:
        return Refused(WhenProblem.PAST)
    return moment.astimezone(UTC)


def parse_day(text: str, today: date) -> date | Refused:
    """A day from today on (due dates): the same forms without the time."""
    match = _DAY_ONLY.match(_normalise(text[: MAX_INPUT + 1]))
    if len(text) > MAX_INPUT or match is None:
        return Refused(WhenProblem.UNCLEAR)
    day = _day(match, today)
    if isinstance(day, WhenProblem):
        return Refused(day)
    if day < today:
        return Refused(WhenProblem.PAST)
    return day
