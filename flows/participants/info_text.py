"""The information SMS: purpose, when and where, who comes and why, how to answer, and
the page link, kept within its SMS budget (3 parts GSM-7, 4 UCS-2) by moving detail to
the page. Composed at dispatch time in the person's language (flows.participants.templates
picks it by the row's template name)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from flows.core import labels, own_words
from flows.core.i18n import _
from flows.core.links import info_link
from flows.core.meeting_time import when
from flows.core.text_clean import clean
from flows.participants.info_page import issue_info_token
from flows.participants.sms_parts import gsm7_safe, sms_parts
from flows.participants.text_bits import (
    attendee_name,
    first_name,
    sentence,
)
from storage.message_models import OutboxMessage
from storage.models import Agency, Attendee, AttendeeRole, Channel, Meeting

Renderer = Callable[[OutboxMessage, Meeting | None], Awaitable[str]]


async def info_participant(message: OutboxMessage, meeting: Meeting | None) -> str:
    """The information in the message itself. Purpose, day, time, place and how to reply
    always; who comes and "you may bring someone, take breaks" whenever they fit the
    SMS budget (3 GSM-7 or 4 UCS-2 parts); each one's "why" too when that fits. The
    page (the link) has it all. Telegram has no parts: there everything goes."""
    assert meeting is not None
    day, clock = when(meeting, message.locale)
    name = await first_name(message)
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
            purpose=sentence(words.text),
        )
    return _("Why we meet: {purpose}", purpose=sentence(words.text))


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
        who = attendee_name(attendee)
        if attendee.agency is not Agency.NONE and attendee.agency is not Agency.OTHER:
            who = f"{who} ({labels.agency(attendee.agency)})"
        if attendee.role is AttendeeRole.INTERPRETER:
            who = _("{name} (interpreter)", name=who)
        if attendee.role is AttendeeRole.PERSON_IN_FOCUS:
            # The role says it; "It is your meeting." is for the person alone.
            who = _("{name} (the meeting is about them)", name=who)
        elif with_why and attendee.why:
            lines.append(f"{who}: {sentence(attendee.why)}")
            continue
        lines.append(sentence(who) if with_why else who)
    return " ".join(lines) if with_why else ", ".join(lines) + "."
