"""What a known person's reply does: yes, no, stop, start, help, or a message for the convenor.

Each function returns the receipt to send back (in the person's language).
Opting out is honoured everywhere at once: the flag, the consents and every
pending message, in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from flows.care.consent import record_opt_out, same_number
from flows.core.i18n import _, use_locale
from flows.outbox.campaign import cancel_reminders, restore_reminders
from flows.outcomes import followup
from flows.participants import survey
from flows.participants.keywords import BARE_YES, Keyword, keyword, normalise, says_not_coming
from flows.participants.templates import when
from storage.message_models import OutboxMessage, SurveyAnswer
from storage.models import (
    ActorKind,
    Attendee,
    AttendeeResponse,
    AttendeeRole,
    Channel,
    Consent,
    ConsentKind,
    Meeting,
    MeetingStatus,
    MessageKind,
    Person,
)
from storage.record_models import AuditEvent


async def _upcoming_seats(people: list[Person], now: datetime) -> list[Attendee]:
    """Their seats at meetings that have not started, nearest first."""
    return (
        await Attendee.filter(
            person_id__in=[p.id for p in people],
            # Planned: its information went (or is on its way). A draft was never
            # announced, so a yes cannot be meant for it.
            meeting__status=MeetingStatus.PLANNED,
            meeting__starts_at__gt=now,
        )
        .order_by("meeting__starts_at", "id")
        .prefetch_related("meeting", "meeting__convenor")
    )


def _nearest_unanswered(seats: list[Attendee]) -> Attendee | None:
    """A yes or a no is for the nearest meeting not answered yet; once all are
    answered, for the nearest (a change of mind)."""
    pending = (s for s in seats if s.response is AttendeeResponse.PENDING)
    return next(pending, seats[0] if seats else None)


async def next_attendance(person: Person, now: datetime) -> Attendee | None:
    """The seat a reply from the person is about: see `_nearest_unanswered`."""
    return _nearest_unanswered(await _upcoming_seats([person], now))


async def who_replied(people: list[Person], now: datetime, text: str = "") -> Person:
    """One phone number is one person, but the same number can be on several rows
    (a meeting each, even several teams). A reply from it belongs to the row with an
    open survey question; else a yes or no to the row of the nearest unanswered meeting
    (the outcome question months later wants a digit, not a yes); else to the row with
    an open outcome question, the nearest unanswered meeting, or the newest row."""
    if len(people) == 1:
        return people[0]
    for person in people:
        if await survey.open_question(person, now) is not None:
            return person
    seat = _nearest_unanswered(await _upcoming_seats(people, now))
    if seat is None or keyword(text) not in (Keyword.YES, Keyword.NO):
        for person in people:
            if await followup.open_question(person, now) is not None:
                return person
    if seat is not None:
        return next(p for p in people if p.id == seat.person_id)
    return max(people, key=lambda p: p.id)


async def handle_reply(person: Person, text: str, via: str, now: datetime) -> tuple[str, str]:
    """(how it was handled, receipt text)."""
    word = keyword(text)
    if word is Keyword.YES and person.opted_out:
        # Twilio re-subscribes on a bare YES after a STOP, nothing wider ("ok", 👍):
        # we follow it, so the two never disagree about whether the person is reachable.
        word = Keyword.START if normalise(text) in BARE_YES else None
    with use_locale(person.language):
        if word is Keyword.STOP:
            return "opt_out", await opt_out(person, via, now)
        if word is Keyword.START:
            return "opt_in", await opt_in(person, via, now)
        attendance = await next_attendance(person, now)
        if word is Keyword.HELP:
            return "help", _help_text(attendance)
        # The outcome question wants one digit: a yes or no to a meeting still ahead is
        # that meeting's answer, and a number that said STOP is asked nothing.
        to_meeting = word in (Keyword.YES, Keyword.NO) and attendance is not None
        asked = None if person.opted_out else await followup.open_question(person, now)
        if asked is not None and not says_not_coming(text) and not to_meeting:
            receipt, forward = await followup.answer(asked, text, now)
            if not forward:
                return "outcome", receipt
        question = await survey.open_question(person, now)
        # A plain "nej tack" answers an open question; "kan inte komma" stays a decline.
        if question is not None and not says_not_coming(text):
            outcome = await survey.answer(person, question, text, now)
            if outcome.alert is not None:
                await _alert_convenor(
                    question.meeting,
                    outcome.alert,
                    {"person_id": person.id, "text": text[:1000]},
                    now,
                    f"{outcome.alert}:{question.meeting.id}:{person.id}",
                )
            if not outcome.forward:
                return "survey", outcome.receipt
        if word in (Keyword.YES, Keyword.NO) and attendance is not None:
            return "response", await respond(attendance, person, word is Keyword.YES, now)
        await forward_to_convenor(person, attendance, text, now)
        return "forwarded", _("Thank you. We have passed on your message.")


async def opt_out(person: Person, via: str, now: datetime) -> str:
    await record_opt_out(person, via, now)
    return _("You will get no more messages from us. Reply START if you change your mind.")


async def opt_in(person: Person, via: str, now: datetime) -> str:
    # Coming back is a new consent to be contacted, recorded as such.
    kind = ConsentKind.CONTACT_TELEGRAM if via == "telegram" else ConsentKind.CONTACT_SMS
    rows = await same_number(person) if kind is ConsentKind.CONTACT_SMS else [person]
    async with in_transaction():
        for row in rows:
            await Person.filter(id=row.id).update(opted_out_at=None)
            await Consent.create(person=row, kind=kind, given_to=via, given_at=now)
            await AuditEvent.create(
                actor_kind=ActorKind.PERSON,
                action="opt_in",
                object_type="person",
                object_id=str(row.id),
                detail={"via": via},
            )
    person.opted_out_at = None
    return _("Welcome back. We can send you messages again.")


def _help_text(attendance: Attendee | None) -> str:
    if attendance is not None and attendance.meeting.convenor is not None:
        return _(
            "These messages are about your meeting. Questions? Reply here and {name} "
            "will read it. Reply STOP if you want no more messages.",
            name=attendance.meeting.convenor.display_name.split(" ")[0],
        )
    return _("These messages are about your meeting. Reply STOP if you want no more messages.")


async def respond(attendance: Attendee, person: Person, coming: bool, now: datetime) -> str:
    declined_before = attendance.response is AttendeeResponse.DECLINED
    attendance.response = AttendeeResponse.CONFIRMED if coming else AttendeeResponse.DECLINED
    attendance.responded_at = now
    meeting = attendance.meeting
    day, clock = when(meeting, person.language)
    if not coming:
        # The no, its cancelled reminders and the convenor's alert: all or nothing.
        async with in_transaction():
            await attendance.save(update_fields=["response", "responded_at"])
            await cancel_reminders(attendance)
            await _alert_convenor(
                meeting,
                "alert_declined",
                {"attendee_id": attendance.id},
                now,
                f"declined:{attendance.id}:{int(now.timestamp())}",
            )
        return _(
            "Thank you for telling us you cannot come on {day}. "
            "We will contact you about a new time.",
            day=day,
        )
    await attendance.save(update_fields=["response", "responded_at"])
    if declined_before and attendance.person_id is not None:
        await restore_reminders(attendance, now)
    thanks = _("Thank you! See you on {day} at {time}.", day=day, time=clock)
    if attendance.role is AttendeeRole.PERSON_IN_FOCUS and not await _wish_asked(attendance):
        return thanks + " " + await survey.ask_wish(attendance, person, now)
    return thanks


async def _wish_asked(attendance: Attendee) -> bool:
    return await SurveyAnswer.exists(
        meeting_id=attendance.meeting_id, person_id=attendance.person_id, question=survey.WISH.key
    )


async def forward_to_convenor(
    person: Person, attendance: Attendee | None, text: str, now: datetime
) -> None:
    meeting = attendance.meeting if attendance is not None else await _latest_meeting(person)
    if meeting is None:
        return
    await _alert_convenor(
        meeting, "forwarded_reply", {"person_id": person.id, "text": text[:1000]}, now, None
    )


async def _latest_meeting(person: Person) -> Meeting | None:
    attendance = (
        await Attendee.filter(person=person)
        .order_by("-meeting__starts_at")
        .prefetch_related("meeting")
        .first()
    )
    return attendance.meeting if attendance else None


async def _alert_convenor(
    meeting: Meeting, template: str, params: dict, now: datetime, dedupe_key: str | None
) -> None:
    convenor = await meeting.convenor if meeting.convenor_id else None
    if convenor is None:
        return
    await OutboxMessage.create(
        meeting=meeting,
        staff_user=convenor,
        channel=Channel.TELEGRAM,
        kind=MessageKind.ALERT,
        template=template,
        params=params,
        locale=convenor.language,
        due_at=now,
        next_attempt_at=now,
        dedupe_key=dedupe_key,
    )
