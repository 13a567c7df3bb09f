"""Message texts, composed at dispatch time in the recipient's language.

All wording lives in the Babel catalogs; this module only picks the message
and fills in the meeting's facts. Dates are formatted by Babel in the
meeting's time zone; SMS bodies are kept to the GSM-7 alphabet where the
language allows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from flows.i18n import _, use_locale
from flows.sms_parts import gsm7_safe
from storage.models import (
    ActionItem,
    Attendee,
    AttendeeRole,
    Channel,
    Meeting,
    OutboxMessage,
    Person,
)

Renderer = Callable[[OutboxMessage, Meeting | None], Awaitable[str]]


def when(meeting: Meeting, locale: str) -> tuple[str, str]:
    """('tisdag 3 december', '10:00') in the meeting's own time zone."""
    assert meeting.starts_at is not None
    tz = ZoneInfo(meeting.timezone)
    day = format_datetime(meeting.starts_at, "EEEE d MMMM", tzinfo=tz, locale=locale)
    clock = format_datetime(meeting.starts_at, "HH:mm", tzinfo=tz, locale=locale)
    return day, clock


async def _first_name(message: OutboxMessage) -> str:
    if message.person_id is not None:
        return (await message.person).first_name
    if message.staff_user_id is not None:
        return (await message.staff_user).display_name.split(" ")[0]
    return ""


async def reminder_participant(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    day, clock = when(meeting, message.locale)
    return _(
        "Hi {name}! A reminder: your meeting is on {day} at {time}. Place: {place}. "
        "Reply YES if you are coming. Reply NO if you cannot come.",
        name=await _first_name(message),
        day=day,
        time=clock,
        place=meeting.place,
    )


async def reminder_staff(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    day, clock = when(meeting, message.locale)
    return _(
        "Reminder: the multi-party meeting is on {day} at {time}. Place: {place}.",
        day=day,
        time=clock,
        place=meeting.place,
    )


def _failure_reason(code: str | None) -> str:
    if code == "21211":
        return _("the phone number is not valid")
    if code == "21610":
        return _("the person has said no to SMS from us")
    if code == "blocked":
        return _("the person has blocked the bot")
    return _("it could not be sent, even after several tries")


async def alert_failed(message: OutboxMessage, meeting: Meeting | None) -> str:
    failed = await OutboxMessage.get(id=message.params["failed_id"])
    name = await _first_name(failed)
    reason = _failure_reason(failed.error_code)
    if meeting is not None and meeting.starts_at is not None:
        day, clock = when(meeting, message.locale)
        return _(
            "A message to {name} about the meeting on {day} at {time} did not arrive: {reason}.",
            name=name,
            day=day,
            time=clock,
            reason=reason,
        )
    return _("A message to {name} did not arrive: {reason}.", name=name, reason=reason)


async def _person_in_focus(meeting: Meeting) -> str:
    attendee = (
        await Attendee.filter(meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS)
        .prefetch_related("person")
        .first()
    )
    return attendee.person.first_name if attendee and attendee.person else "?"


def _meeting_day(meeting: Meeting, locale: str) -> str:
    return when(meeting, locale)[0] if meeting.starts_at else ""


async def info_participant(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    day, clock = when(meeting, message.locale)
    return _(
        "Hi {name}! You are invited to a meeting on {day} at {time}. Place: {place}. "
        "Why we meet: {purpose} You may bring someone, and take breaks. "
        "Reply YES if you are coming. Reply NO if you cannot come.",
        name=await _first_name(message),
        day=day,
        time=clock,
        place=meeting.place,
        purpose=_sentence(meeting.purpose),
    )


async def invitation_staff(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    day, clock = when(meeting, message.locale)
    attendee = await Attendee.get(id=message.params["attendee_id"])
    return _(
        "You are invited to a multi-party meeting on {day} at {time}. Place: {place}. "
        "Why you are there: {why}",
        day=day,
        time=clock,
        place=meeting.place,
        why=_sentence(attendee.why),
    )


def _sentence(text: str) -> str:
    """Free text placed inside a message ends like a sentence."""
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


async def survey_start(message: OutboxMessage, meeting: Meeting | None) -> str:
    return _(
        "Hi {name}! Thank you for the meeting. We want to get better. "
        "Question 1 of 3: Did you know before the meeting why it was held and who would come? "
        "Reply YES or NO.",
        name=await _first_name(message),
    )


async def followup_feedback_due(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    return _(
        "Today {name} should hear from us after the meeting on {day}. "
        "Who gives the feedback was agreed at the meeting.",
        name=await _person_in_focus(meeting),
        day=_meeting_day(meeting, message.locale),
    )


async def followup_action_due(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    item = await ActionItem.get(id=message.params["action_item_id"])
    return _(
        "Due today, from the meeting on {day}: {what}",
        day=_meeting_day(meeting, message.locale),
        what=item.what,
    )


async def alert_declined(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    attendee = await Attendee.get(id=message.params["attendee_id"]).prefetch_related("person")
    day, clock = when(meeting, message.locale)
    return _(
        "{name} cannot come to the meeting on {day} at {time}. Find a new time and tell them.",
        name=attendee.person.first_name if attendee.person else "?",
        day=day,
        time=clock,
    )


async def forwarded_reply(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    person = await Person.get_or_none(id=message.params["person_id"])
    return _(
        "Message from {name} about the meeting on {day}: {text}",
        name=person.first_name if person else "?",
        day=_meeting_day(meeting, message.locale),
        text=message.params["text"],
    )


async def plain_text(message: OutboxMessage, meeting: Meeting | None) -> str:
    """Text written by a person (a convenor's note, a forwarded reply), sent as it is."""
    return str(message.params["text"])


RENDERERS: dict[str, Renderer] = {
    "alert_declined": alert_declined,
    "forwarded_reply": forwarded_reply,
    "info_participant": info_participant,
    "invitation_staff": invitation_staff,
    "survey_start": survey_start,
    "followup_feedback_due": followup_feedback_due,
    "followup_action_due": followup_action_due,
    "plain_text": plain_text,
    "reminder_participant": reminder_participant,
    "reminder_staff": reminder_staff,
    "alert_failed": alert_failed,
}


async def render(message: OutboxMessage, meeting: Meeting | None) -> str:
    with use_locale(message.locale):
        text = await RENDERERS[message.template](message, meeting)
    return gsm7_safe(text) if message.channel is Channel.SMS else text
