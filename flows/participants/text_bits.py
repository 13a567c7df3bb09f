"""Small pieces every message text is made of: names as the reader sees them, the
meeting's day, a sentence ended properly."""

from __future__ import annotations

from flows.core.meeting_time import when
from storage.message_models import OutboxMessage
from storage.models import Attendee, AttendeeRole, Meeting


async def first_name(message: OutboxMessage) -> str:
    if message.person_id is not None:
        return (await message.person).first_name
    if message.staff_user_id is not None:
        return (await message.staff_user).display_name.split(" ")[0]
    return ""


def sentence(text: str) -> str:
    """Free text placed inside a message ends like a sentence."""
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def attendee_name(attendee: Attendee | None) -> str:
    if attendee is None:
        return "?"
    if attendee.person is not None:
        return attendee.person.first_name
    return attendee.staff_user.display_name.split(" ")[0] if attendee.staff_user else "?"


def meeting_day(meeting: Meeting, locale: str) -> str:
    return when(meeting, locale)[0] if meeting.starts_at else ""


async def person_in_focus(meeting: Meeting) -> str:
    attendee = (
        await Attendee.filter(meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS)
        .prefetch_related("person")
        .first()
    )
    return attendee.person.first_name if attendee and attendee.person else "?"
