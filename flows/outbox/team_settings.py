"""A team's own time zone, quiet hours and reminders, over the defaults.

Each is a nullable column on `Team`: empty means the default, which is the
configuration's `TIMEZONE` (set at start with `use_default_timezone`), the quiet hours
and the reminders of `flows.outbox.schedule`. A new meeting takes its team's zone
and keeps it; what goes out for it follows the team's quiet hours and reminders.

The readers of admin input (`read_*`) raise `SettingError` with one line saying
what is wrong and what would do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.outbox.schedule import DEFAULT_REMINDERS, QUIET_HOURS, Anchor, CampaignEvent, QuietHours
from storage.models import Meeting, Team

FALLBACK_TIMEZONE = "Europe/Stockholm"  # TIMEZONE's own default (bot.config)
MAX_REMINDERS = 5
_default_timezone = FALLBACK_TIMEZONE


def use_default_timezone(name: str) -> None:
    """The configuration's TIMEZONE: the zone of every team without its own."""
    global _default_timezone
    _default_timezone = name


def default_timezone() -> str:
    return _default_timezone


@dataclass(frozen=True)
class TeamSettings:
    timezone: str
    quiet_hours: QuietHours
    reminders: tuple[CampaignEvent, ...]
    own: frozenset[str] = frozenset()  # which of the three the team set itself

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def of(team: Team | None) -> TeamSettings:
    """The team's settings, each empty one filled with its default."""
    if team is None:
        return TeamSettings(default_timezone(), QUIET_HOURS, DEFAULT_REMINDERS)
    own = set()
    if team.timezone:
        own.add("timezone")
    quiet = QUIET_HOURS
    if team.quiet_from is not None and team.quiet_until is not None:
        own.add("quiet_hours")
        quiet = QuietHours(start=time(team.quiet_until), end=time(team.quiet_from))
    reminders = DEFAULT_REMINDERS
    if team.reminders:
        own.add("reminders")
        reminders = tuple(_event(entry) for entry in team.reminders)
    return TeamSettings(team.timezone or default_timezone(), quiet, reminders, frozenset(own))


async def for_team(team_id: int | None) -> TeamSettings:
    return of(await Team.get_or_none(id=team_id) if team_id is not None else None)


async def for_meeting(meeting: Meeting) -> TeamSettings:
    return of(await meeting.team)


async def zone_for_new_meeting(team_id: int) -> str:
    """A new meeting's time zone: its team's."""
    return (await for_team(team_id)).timezone


def _event(entry: dict) -> CampaignEvent:
    return CampaignEvent(
        key=str(entry["key"]),
        anchor=Anchor(entry.get("anchor", "start")),
        offset=timedelta(minutes=int(entry["offset_minutes"])),
        delivery_hour=entry.get("delivery_hour"),
    )


# Reading what an admin typed -----------------------------------------------------


class SettingError(ValueError):
    """One line: what is wrong with the value, and what would do."""


def read_timezone(text: str) -> str:
    name = text.strip()
    try:
        if not name or len(name) > 64:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: not a file name
        raise SettingError(
            f"time zone {text!r} is not known: use a name like Europe/Helsinki"
        ) from None
    return name


_QUIET = re.compile(r"^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$")


def read_quiet_hours(text: str) -> tuple[int, int]:
    """'21-8': no SMS from 21:00 until 08:00 local time. (from, until)."""
    found = _QUIET.match(text)
    if not found:
        raise SettingError(f"quiet hours {text!r}: write them as FROM-UNTIL in hours, e.g. 21-8")
    start, end = int(found[1]), int(found[2])
    if not (0 <= start <= 23 and 0 <= end <= 23):
        raise SettingError(f"quiet hours {text!r}: hours are 0 to 23")
    if not end < start:
        raise SettingError(
            f"quiet hours {text!r}: they run over the night, from an evening hour "
            "to a morning hour, e.g. 21-8"
        )
    return start, end


_REMINDER = re.compile(r"^-?(\d{1,4})([dhm])(?:@(\d{1,2}))?$")
_UNIT_MINUTES = {"d": 24 * 60, "h": 60, "m": 1}


def read_reminders(text: str) -> list[dict]:
    """'2d@10,2h': two days before the start at 10:00 local time, and two hours before.
    A leading minus is allowed (-2h): every reminder is before the start."""
    entries = []
    for part in (p.strip() for p in text.split(",")):
        found = _REMINDER.match(part)
        if not found:
            raise SettingError(
                f"reminder {part!r}: write how long before the start, e.g. 2d@10 "
                "(two days before, at 10) or 2h (two hours before)"
            )
        minutes = int(found[1]) * _UNIT_MINUTES[found[2]]
        hour = int(found[3]) if found[3] is not None else None
        if not 15 <= minutes <= 30 * 24 * 60:
            raise SettingError(f"reminder {part!r}: from 15 minutes to 30 days before the start")
        if hour is not None and not 0 <= hour <= 23:
            raise SettingError(f"reminder {part!r}: the hour after @ is 0 to 23")
        event = CampaignEvent("", Anchor.START, timedelta(minutes=-minutes), hour)
        entries.append(
            {
                "key": f"r{_spec(event)}",  # the same reminder keeps its key however typed
                "anchor": "start",
                "offset_minutes": -minutes,
                "delivery_hour": hour,
            }
        )
    if len({e["key"] for e in entries}) != len(entries):
        raise SettingError(f"reminders {text!r}: each reminder once")
    if len(entries) > MAX_REMINDERS:
        raise SettingError(f"reminders {text!r}: at most {MAX_REMINDERS}")
    return entries


def describe(settings: TeamSettings) -> dict[str, str]:
    """Each setting as an admin would type it, marked when it is the default."""

    def mark(name: str, text: str) -> str:
        return text if name in settings.own else f"{text} (default)"

    quiet = settings.quiet_hours
    return {
        "timezone": mark("timezone", settings.timezone),
        "quiet hours": mark("quiet_hours", f"{quiet.end.hour}-{quiet.start.hour}"),
        "reminders": mark("reminders", ",".join(_spec(e) for e in settings.reminders)),
    }


def _spec(event: CampaignEvent) -> str:
    minutes = -int(event.offset.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        text = f"{minutes // (24 * 60)}d"
    elif minutes % 60 == 0:
        text = f"{minutes // 60}h"
    else:
        text = f"{minutes}m"
    return text + (f"@{event.delivery_hour}" if event.delivery_hour is not None else "")
