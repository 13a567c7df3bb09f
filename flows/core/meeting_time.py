"""A meeting's day and time as people read them: Babel, in the meeting's own time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from storage.models import Meeting


def when(meeting: Meeting, locale: str) -> tuple[str, str]:
    """('tisdag 3 december', '10:00') in the meeting's own time zone."""
    assert meeting.starts_at is not None
    tz = ZoneInfo(meeting.timezone)
    day = format_datetime(meeting.starts_at, "EEEE d MMMM", tzinfo=tz, locale=locale)
    clock = format_datetime(meeting.starts_at, "HH:mm", tzinfo=tz, locale=locale)
    return day, clock
