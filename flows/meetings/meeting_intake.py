"""A meeting created from outside (the JSON API): a draft with its attendees.

Nothing is sent and no consent is recorded: the convenor opens the draft in
Telegram (/meetings), checks it, records consent and sends the information.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from flows.core import limits
from flows.core.phone import InvalidPhone, to_e164
from flows.core.text_clean import clean
from flows.outbox import team_settings
from storage.models import (
    ActorKind,
    Agency,
    Attendee,
    AttendeeRole,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Person,
    StaffRole,
    StaffUser,
)
from storage.record_models import AuditEvent

MAX_ATTENDEES = 12


class IntakeError(ValueError):
    """What is wrong with the request, in words for the calling system's developer."""


@dataclass(frozen=True)
class NewAttendee:
    first_name: str
    role: AttendeeRole
    agency: Agency = Agency.NONE
    why: str = ""
    phone: str | None = None
    language: str = "sv"


@dataclass(frozen=True)
class NewMeeting:
    purpose: str
    starts_at: datetime
    minutes: int = 60
    kind: MeetingKind = MeetingKind.FIRST
    place: str = ""
    timezone: str | None = None  # None: the team's
    convenor_id: int | None = None
    attendees: tuple[NewAttendee, ...] = ()


def check_length(name: str, value: str, limit: int) -> None:
    """The bot's limit for the field (flows.core.limits), on the text as sent."""
    if len(value) > limit:
        raise IntakeError(f"{name} must be at most {limit} characters")


def _check(new: NewMeeting, now: datetime) -> None:
    check_length("purpose", new.purpose, limits.PURPOSE)
    check_length("place", new.place, limits.PLACE)
    check_length("timezone", new.timezone or "", limits.TIMEZONE)
    for attendee in new.attendees:
        check_length("first_name", attendee.first_name, limits.FIRST_NAME)
        check_length("why", attendee.why, limits.WHY)
        check_length("phone", attendee.phone or "", limits.PHONE)
    if not new.purpose.strip():
        raise IntakeError("purpose must not be empty")
    if new.starts_at <= now:
        raise IntakeError("starts_at must be in the future")
    if not 15 <= new.minutes <= 480:
        raise IntakeError("minutes must be from 15 to 480")
    if len(new.attendees) > MAX_ATTENDEES:
        raise IntakeError(f"at most {MAX_ATTENDEES} attendees")
    focus = [a for a in new.attendees if a.role is AttendeeRole.PERSON_IN_FOCUS]
    if len(focus) != 1:
        raise IntakeError("exactly one attendee must have the role person_in_focus")
    for attendee in new.attendees:
        if not attendee.first_name.strip():
            raise IntakeError("every attendee needs a first_name")


def _cleaned(new: NewMeeting) -> NewMeeting:
    """Every free text as any other input gets it: invisible characters out, NFC,
    and names, places and whys on one line."""

    def line(text: str) -> str:
        return " ".join(clean(text).split())

    return replace(
        new,
        purpose=clean(new.purpose).strip(),
        place=line(new.place),
        attendees=tuple(
            replace(a, first_name=line(a.first_name), why=line(a.why)) for a in new.attendees
        ),
    )


async def create(team_id: int, new: NewMeeting, now: datetime, token_id: int) -> Meeting:
    new = _cleaned(new)
    _check(new, now)
    convenor = None
    if new.convenor_id is not None:
        convenor = await StaffUser.get_or_none(
            id=new.convenor_id,
            team_id=team_id,
            active=True,
            role__in=(StaffRole.CONVENOR, StaffRole.ADMIN),
        )
        if convenor is None:
            raise IntakeError("convenor_id is not a convenor of this team")
    phones: list[str | None] = []
    holders: dict[str, str] = {}
    for attendee in new.attendees:
        try:
            phone = to_e164(attendee.phone) if attendee.phone else None
        except InvalidPhone:
            raise IntakeError(f"not a phone number for {attendee.first_name!r}") from None
        if phone is not None and phone in holders:
            # One phone number is one person: a reply from it must mean one seat.
            raise IntakeError(
                f"{attendee.first_name!r} has the same phone number as "
                f"{holders[phone]!r}: each attendee needs their own number"
            )
        if phone is not None:
            holders[phone] = attendee.first_name
        phones.append(phone)
    async with in_transaction():
        meeting = await Meeting.create(
            team_id=team_id,
            convenor=convenor,
            # The language the convenor writes in (the purpose is theirs); "sv" without one.
            language=convenor.language if convenor is not None else "sv",
            purpose=new.purpose,
            kind=new.kind,
            starts_at=new.starts_at,
            ends_at=new.starts_at + timedelta(minutes=new.minutes),
            timezone=new.timezone or await team_settings.zone_for_new_meeting(team_id),
            place=new.place.strip(),
            status=MeetingStatus.DRAFT,
        )
        for attendee, phone in zip(new.attendees, phones, strict=True):
            person = await Person.create(
                team_id=team_id,
                first_name=attendee.first_name.strip(),
                phone=phone,
                language=attendee.language,
            )
            await Attendee.create(
                meeting=meeting,
                person=person,
                role=attendee.role,
                agency=attendee.agency,
                why=attendee.why.strip(),
            )
        await AuditEvent.create(
            actor_kind=ActorKind.API,
            action="create",
            object_type="meeting",
            object_id=str(meeting.id),
            detail={"api_token": token_id, "attendees": len(new.attendees)},
        )
    return meeting
