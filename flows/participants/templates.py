"""Message texts, composed at dispatch time in the recipient's language.

All wording lives in the Babel catalogs; this module only picks the message
and fills in the meeting's facts. Dates are formatted by Babel in the
meeting's time zone; SMS bodies are kept to the GSM-7 alphabet where the
language allows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from babel.dates import format_date

from flows.core import labels, own_words
from flows.core.guard_rails import Caution, cautions, meeting_seats
from flows.core.i18n import _, use_locale
from flows.core.meeting_time import when
from flows.core.text_clean import clean
from flows.outcomes import followup
from flows.participants import survey
from flows.participants.info_text import info_participant, sms_text
from flows.participants.text_bits import (
    attendee_name,
    first_name,
    meeting_day,
    person_in_focus,
    sentence,
)
from storage.message_models import OutboxMessage
from storage.models import (
    ActionItem,
    Attendee,
    AttendeeResponse,
    AttendeeRole,
    Channel,
    Meeting,
    Note,
    NoteKind,
    Person,
)

Renderer = Callable[[OutboxMessage, Meeting | None], Awaitable[str]]


async def _has_confirmed(message: OutboxMessage, meeting: Meeting) -> bool:
    """Read when the reminder is composed: a yes that came after the row was planned counts."""
    if message.person_id is None:
        return False
    return await Attendee.exists(
        meeting_id=meeting.id, person_id=message.person_id, response=AttendeeResponse.CONFIRMED
    )


async def reminder_participant(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    day, clock = when(meeting, message.locale)
    facts = {
        "name": await first_name(message),
        "day": day,
        "time": clock,
        "place": meeting.place,
    }
    if await _has_confirmed(message, meeting):
        return _(
            "Hi {name}! A reminder: your meeting is on {day} at {time}. Place: {place}. "
            "Thank you for saying you will come. If you cannot come after all, reply NO.",
            **facts,
        )
    return _(
        "Hi {name}! A reminder: your meeting is on {day} at {time}. Place: {place}. "
        "Reply YES if you are coming. Reply NO if you cannot come.",
        **facts,
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
    name = await first_name(failed)
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


async def invitation_staff(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    day, clock = when(meeting, message.locale)
    attendee = await Attendee.get(id=message.params["attendee_id"])
    if not attendee.why.strip():
        return _(
            "You are invited to a multi-party meeting on {day} at {time}. Place: {place}.",
            day=day,
            time=clock,
            place=meeting.place,
        )
    return _(
        "You are invited to a multi-party meeting on {day} at {time}. Place: {place}. "
        "Why you are there: {why}",
        day=day,
        time=clock,
        place=meeting.place,
        why=sentence(attendee.why),
    )


async def survey_start(message: OutboxMessage, meeting: Meeting | None) -> str:
    greeting = _(
        "Hi {name}! Thank you for the meeting. We want to get better.",
        name=await first_name(message),
    )
    return greeting + " " + survey.question_text(survey.QUESTIONS[0])


async def followup_feedback_due(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    return _(
        "Today {name} should hear from us after the meeting on {day}. "
        "Who gives the feedback was agreed at the meeting.",
        name=await person_in_focus(meeting),
        day=meeting_day(meeting, message.locale),
    )


async def followup_action_due(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    item = await ActionItem.get(id=message.params["action_item_id"])
    return _(
        "Due today, from the meeting on {day}: {what}",
        day=meeting_day(meeting, message.locale),
        what=item.what,
    )


async def alert_declined(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    attendee = await Attendee.get(id=message.params["attendee_id"]).prefetch_related("person")
    day, clock = when(meeting, message.locale)
    text = _(
        "{name} cannot come to the meeting on {day} at {time}. Find a new time and tell them.",
        name=attendee.person.first_name if attendee.person else "?",
        day=day,
        time=clock,
    )
    # Without the person, Försäkringskassan may not take part: say so while FK still comes.
    found = cautions(await meeting_seats(meeting), meeting.interpreter_needed)
    if attendee.role is AttendeeRole.PERSON_IN_FOCUS and Caution.FK_WITHOUT_PERSON in found:
        text += "\n⚠️ " + labels.caution(Caution.FK_WITHOUT_PERSON)
    return text


async def _named_person(message: OutboxMessage) -> str:
    """The first name of the person a convenor's alert is about ("?" once erased)."""
    person = await Person.get_or_none(id=message.params["person_id"])
    return person.first_name if person else "?"


async def forwarded_reply(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    return _(
        "Message from {name} about the meeting on {day}: {text}",
        name=await _named_person(message),
        day=meeting_day(meeting, message.locale),
        text=message.params["text"],
    )


async def alert_wish(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    return _(
        "{name} answered the question about the meeting on {day} (someone with them, or "
        "someone there): {text}",
        name=await _named_person(message),
        day=meeting_day(meeting, message.locale),
        text=message.params["text"],
    )


async def alert_next_unknown(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    return _(
        "{name} does not know what happens after the meeting on {day}, or who will contact "
        "them. Please contact {name} soon.",
        name=await _named_person(message),
        day=meeting_day(meeting, message.locale),
    )


async def meeting_changed(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    day, clock = when(meeting, message.locale)
    return _(
        "Hi {name}! Your meeting has changed. Now: {day} at {time}. Place: {place}. "
        "Reply YES if you are coming. Reply NO if you cannot come.",
        name=await first_name(message),
        day=day,
        time=clock,
        place=meeting.place,
    )


async def meeting_cancelled(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    day, clock = when(meeting, message.locale)
    return _(
        "Hi {name}! The meeting on {day} at {time} will not take place. "
        "We will contact you about what happens next.",
        name=await first_name(message),
        day=day,
        time=clock,
    )


def _short_date(day: date, locale: str) -> str:
    return format_date(day, "d MMMM", locale=locale)


async def after_summary(message: OutboxMessage, meeting: Meeting | None) -> str:
    """What was decided and who contacts the person when: plain words, no case details
    beyond what the convenor wrote for the person (they see this text first)."""
    assert meeting is not None
    attendees = {
        a.id: a
        for a in await Attendee.filter(meeting=meeting).prefetch_related("person", "staff_user")
    }
    decisions = await Note.filter(meeting=meeting, kind=NoteKind.DECISION).order_by("id")
    items = await ActionItem.filter(meeting=meeting).order_by("id")
    lines = [_("Hi {name}! Thank you for the meeting.", name=await first_name(message))]
    if decisions:
        original = " ".join(sentence(d.text) for d in decisions)
        words = own_words.for_reader(meeting, own_words.DECISIONS, original, message.locale)
        heading = (
            _("We decided (in {language}):", language=labels.language(words.foreign))
            if words.foreign
            else _("We decided:")
        )
        lines.append(heading + " " + sentence(words.text))
    foreign = own_words.differs(meeting, message.locale)
    for item in items:
        who = attendee_name(attendees.get(item.owner_id))
        day = _short_date(item.due, message.locale) if item.due else "?"
        if foreign:  # the convenor's words, one line each: say which language they are in
            line = _(
                "{who} will do this by {day} (in {language}): {what}",
                who=who,
                day=day,
                language=labels.language(meeting.language),
                what=sentence(item.what),
            )
        else:
            line = _(
                "{who} will do this by {day}: {what}", who=who, day=day, what=sentence(item.what)
            )
        lines.append(line)
    if meeting.feedback_due is not None:
        lines.append(
            _(
                "{who} will contact you by {day}.",
                who=await _feedback_giver(meeting, list(attendees.values())),
                day=_short_date(meeting.feedback_due, message.locale),
            )
        )
    return " ".join(lines)


async def _feedback_giver(meeting: Meeting, attendees: list[Attendee]) -> str:
    """Who gets back to the person: the attendee chosen at /after, else the convenor.
    Never the person in focus themself (older meetings could have chosen them)."""
    giver = next(
        (a for a in attendees if a.gives_feedback and a.role is not AttendeeRole.PERSON_IN_FOCUS),
        None,
    )
    if giver is not None:
        return attendee_name(giver)
    convenor = await meeting.convenor if meeting.convenor_id else None
    return convenor.display_name.split(" ")[0] if convenor is not None else "?"


async def outcome_question(message: OutboxMessage, meeting: Meeting | None) -> str:
    greeting = _(
        "Hi {name}! It is a while since your last meeting with us.",
        name=await first_name(message),
    )
    return greeting + " " + followup.question_text()


async def plain_text(message: OutboxMessage, meeting: Meeting | None) -> str:
    """Text written by a person (a convenor's note, a forwarded reply), sent as it is."""
    return str(message.params["text"])


async def notes_request(message: OutboxMessage, meeting: Meeting | None) -> str:
    return _(
        "The meeting {id} has ended. How did it go? Take two minutes for the notes "
        "while you remember.",
        id=message.meeting_id,
    )


RENDERERS: dict[str, Renderer] = {
    "alert_declined": alert_declined,
    "forwarded_reply": forwarded_reply,
    "info_participant": info_participant,
    "invitation_staff": invitation_staff,
    "survey_start": survey_start,
    "followup_feedback_due": followup_feedback_due,
    "followup_action_due": followup_action_due,
    "plain_text": plain_text,
    "meeting_changed": meeting_changed,
    "meeting_cancelled": meeting_cancelled,
    "after_summary": after_summary,
    "reminder_participant": reminder_participant,
    "reminder_staff": reminder_staff,
    "alert_failed": alert_failed,
    "alert_wish": alert_wish,
    "alert_next_unknown": alert_next_unknown,
    "outcome_question": outcome_question,
    "notes_request": notes_request,
}


async def render(message: OutboxMessage, meeting: Meeting | None) -> str:
    with use_locale(message.locale):
        text = await RENDERERS[message.template](message, meeting)
    return sms_text(text) if message.channel is Channel.SMS else clean(text)
