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
from flows.core.links import info_link
from flows.core.meeting_time import when
from flows.core.text_clean import clean
from flows.outcomes import followup
from flows.participants import survey
from flows.participants.info_page import issue_info_token
from flows.participants.sms_parts import gsm7_safe, sms_parts
from storage.models import (
    ActionItem,
    Agency,
    Attendee,
    AttendeeResponse,
    AttendeeRole,
    Channel,
    Meeting,
    Note,
    NoteKind,
    OutboxMessage,
    Person,
)

Renderer = Callable[[OutboxMessage, Meeting | None], Awaitable[str]]


async def _first_name(message: OutboxMessage) -> str:
    if message.person_id is not None:
        return (await message.person).first_name
    if message.staff_user_id is not None:
        return (await message.staff_user).display_name.split(" ")[0]
    return ""


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
        "name": await _first_name(message),
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
    """The information in the message itself. Purpose, day, time, place and how to reply
    always; who comes and "you may bring someone, take breaks" whenever they fit the
    SMS budget (3 GSM-7 or 4 UCS-2 parts); each one's "why" too when that fits. The
    page (the link) has it all. Telegram has no parts: there everything goes."""
    assert meeting is not None
    day, clock = when(meeting, message.locale)
    name = await _first_name(message)
    facts = {"day": day, "time": clock, "place": meeting.place}
    greetings = [
        _(
            "Hi {name}! You are invited to a meeting on {day} at {time}. Place: {place}.",
            name=name,
            **facts,
        ),
        # Only where the name alone makes the SMS UCS-2: the facts matter more.
        _("Hi! You are invited to a meeting on {day} at {time}. Place: {place}.", **facts),
    ]
    purpose = _purpose_line(meeting, message.locale)
    others = [
        a
        for a in await Attendee.filter(meeting=meeting)
        .order_by("id")
        .prefetch_related("person", "staff_user")
        if a.person_id is None or a.person_id != message.person_id
    ]
    # The "why"s are the convenor's words: only in the reader's language do they go in the
    # SMS (the page has them, marked). No heading without people under it.
    whys = not own_words.differs(meeting, message.locale) and any(
        a.why for a in others if a.role is not AttendeeRole.PERSON_IN_FOCUS
    )
    with_why = _("Who comes and why: {people}", people=_people(others, True)) if whys else ""
    names_only = _("Who comes: {people}", people=_people(others, False)) if others else ""
    comfort = _("You may bring someone, and take breaks.")
    reply = _("Reply YES if you are coming. Reply NO if you cannot come.")
    link = await _page_link(message, meeting)
    full = [purpose, with_why or names_only, comfort, reply, link]
    if message.channel is not Channel.SMS:
        return " ".join(c for c in [greetings[0], *full] if c)
    # Fullest first. The must-haves (greeting, purpose, reply) are in every one.
    bodies = (
        full,
        [purpose, names_only, comfort, reply, link],
        [purpose, names_only, comfort, reply],
        [purpose, names_only, reply, link],
        [purpose, comfort, reply, link],
        [purpose, names_only, reply],
        [purpose, comfort, reply],
        [purpose, reply, link],
        [purpose, reply],
    )
    for body in bodies:
        for greeting in greetings:
            text = sms_text(" ".join(c for c in [greeting, *body] if c))
            if fits_sms_budget(text):
                return text
    # Over budget even bare (a very long purpose): the must-haves still go, and the link,
    # in as few parts as can be (the name only where it does not make it UCS-2).
    texts = [sms_text(" ".join(c for c in [g, purpose, reply, link] if c)) for g in greetings]
    return min(texts, key=lambda text: sms_parts(text).parts)


INFO_PARTS = {"GSM-7": 3, "UCS-2": 4}  # the issue's budget for the information SMS
PREVIEW_TOKEN = "preview" + "0" * 25  # as long as a real key (token_urlsafe(24))


def _purpose_line(meeting: Meeting, locale: str) -> str:
    """ "Why we meet: ...", in the reader's language or saying which language it is in."""
    words = own_words.for_reader(meeting, own_words.PURPOSE, meeting.purpose, locale)
    if not words.text.strip():
        return ""
    if words.foreign:
        return _(
            "Why we meet (in {language}): {purpose}",
            language=labels.language(words.foreign),
            purpose=_sentence(words.text),
        )
    return _("Why we meet: {purpose}", purpose=_sentence(words.text))


async def _page_link(message: OutboxMessage, meeting: Meeting) -> str:
    """'Read more: <link>' with a key of the recipient's own; "" when their seat is gone."""
    seats = Attendee.filter(meeting_id=meeting.id)
    attendee_id = (message.params or {}).get("attendee_id")
    if isinstance(attendee_id, int):
        attendee = await seats.filter(id=attendee_id).first()
    elif message.person_id is not None:
        attendee = await seats.filter(person_id=message.person_id).first()
    else:
        attendee = None
    if attendee is None:
        return ""
    # A preview (never sent) shows a link of the real length, but makes no key.
    preview = (message.params or {}).get("preview") is True
    token = PREVIEW_TOKEN if preview else await issue_info_token(attendee)
    return _("Read more: {link}", link=info_link(token, message.locale))


def fits_sms_budget(text: str) -> bool:
    parts = sms_parts(text)
    return parts.parts <= INFO_PARTS[parts.encoding]


def sms_text(text: str) -> str:
    """As it goes out by SMS: no invisible characters, typographic ones made plain."""
    return gsm7_safe(clean(text))


def _people(attendees: list[Attendee], with_why: bool) -> str:
    """'Erik: Stöd till dig. Lena (Arbetsförmedlingen): ...' (one short line each)."""
    lines = []
    for attendee in attendees:
        who = _attendee_name(attendee)
        if attendee.agency is not Agency.NONE and attendee.agency is not Agency.OTHER:
            who = f"{who} ({labels.agency(attendee.agency)})"
        if attendee.role is AttendeeRole.INTERPRETER:
            who = _("{name} (interpreter)", name=who)
        if attendee.role is AttendeeRole.PERSON_IN_FOCUS:
            # The role says it; "It is your meeting." is for the person alone.
            who = _("{name} (the meeting is about them)", name=who)
        elif with_why and attendee.why:
            lines.append(f"{who}: {_sentence(attendee.why)}")
            continue
        lines.append(_sentence(who) if with_why else who)
    return " ".join(lines) if with_why else ", ".join(lines) + "."


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
        why=_sentence(attendee.why),
    )


def _sentence(text: str) -> str:
    """Free text placed inside a message ends like a sentence."""
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


async def survey_start(message: OutboxMessage, meeting: Meeting | None) -> str:
    greeting = _(
        "Hi {name}! Thank you for the meeting. We want to get better.",
        name=await _first_name(message),
    )
    return greeting + " " + survey.question_text(survey.QUESTIONS[0])


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
        day=_meeting_day(meeting, message.locale),
        text=message.params["text"],
    )


async def alert_wish(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    return _(
        "{name} answered the question about the meeting on {day} (someone with them, or "
        "someone there): {text}",
        name=await _named_person(message),
        day=_meeting_day(meeting, message.locale),
        text=message.params["text"],
    )


async def alert_next_unknown(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    return _(
        "{name} does not know what happens after the meeting on {day}, or who will contact "
        "them. Please contact {name} soon.",
        name=await _named_person(message),
        day=_meeting_day(meeting, message.locale),
    )


async def meeting_changed(message: OutboxMessage, meeting: Meeting | None) -> str:
    assert meeting is not None
    day, clock = when(meeting, message.locale)
    return _(
        "Hi {name}! Your meeting has changed. Now: {day} at {time}. Place: {place}. "
        "Reply YES if you are coming. Reply NO if you cannot come.",
        name=await _first_name(message),
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
        name=await _first_name(message),
        day=day,
        time=clock,
    )


def _attendee_name(attendee: Attendee | None) -> str:
    if attendee is None:
        return "?"
    if attendee.person is not None:
        return attendee.person.first_name
    return attendee.staff_user.display_name.split(" ")[0] if attendee.staff_user else "?"


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
    lines = [_("Hi {name}! Thank you for the meeting.", name=await _first_name(message))]
    if decisions:
        original = " ".join(_sentence(d.text) for d in decisions)
        words = own_words.for_reader(meeting, own_words.DECISIONS, original, message.locale)
        heading = (
            _("We decided (in {language}):", language=labels.language(words.foreign))
            if words.foreign
            else _("We decided:")
        )
        lines.append(heading + " " + _sentence(words.text))
    foreign = own_words.differs(meeting, message.locale)
    for item in items:
        who = _attendee_name(attendees.get(item.owner_id))
        day = _short_date(item.due, message.locale) if item.due else "?"
        if foreign:  # the convenor's words, one line each: say which language they are in
            line = _(
                "{who} will do this by {day} (in {language}): {what}",
                who=who,
                day=day,
                language=labels.language(meeting.language),
                what=_sentence(item.what),
            )
        else:
            line = _(
                "{who} will do this by {day}: {what}", who=who, day=day, what=_sentence(item.what)
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
        return _attendee_name(giver)
    convenor = await meeting.convenor if meeting.convenor_id else None
    return convenor.display_name.split(" ")[0] if convenor is not None else "?"


async def outcome_question(message: OutboxMessage, meeting: Meeting | None) -> str:
    greeting = _(
        "Hi {name}! It is a while since your last meeting with us.",
        name=await _first_name(message),
    )
    return greeting + " " + followup.question_text()


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
    "meeting_changed": meeting_changed,
    "meeting_cancelled": meeting_cancelled,
    "after_summary": after_summary,
    "reminder_participant": reminder_participant,
    "reminder_staff": reminder_staff,
    "alert_failed": alert_failed,
    "alert_wish": alert_wish,
    "alert_next_unknown": alert_next_unknown,
    "outcome_question": outcome_question,
}


async def render(message: OutboxMessage, meeting: Meeting | None) -> str:
    with use_locale(message.locale):
        text = await RENDERERS[message.template](message, meeting)
    return sms_text(text) if message.channel is Channel.SMS else clean(text)
