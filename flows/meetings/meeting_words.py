"""What the convenor reads about a meeting: its moment and its warnings, in words.

Shared by the form that prepares a meeting, the meeting's card and the close, so that
none of them has to import another for these.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from flows.core import labels
from flows.core.guard_rails import cautions, crowded_agencies, meeting_seats
from flows.core.i18n import current_locale
from storage.models import Meeting


def moment_text(moment: datetime, tz: str) -> str:
    """'tisdag 24 november 2026, 10:00' in the reader's language."""
    return format_datetime(
        moment, "EEEE d MMMM y, HH:mm", tzinfo=ZoneInfo(tz), locale=current_locale()
    )


async def caution_lines(meeting: Meeting) -> list[str]:
    """Each warning in words, naming the agency where one is meant."""
    seats = await meeting_seats(meeting)
    crowded = crowded_agencies(seats)
    return [f"⚠️ {labels.caution(c, crowded)}" for c in cautions(seats, meeting.interpreter_needed)]
