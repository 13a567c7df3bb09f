"""Realistic meetings for tests (fictional numbers: PTS reserves 070-174 06 05..99)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flows.outbox import team_settings
from flows.participants.info_page import issue_info_token
from storage.models import (
    Agency,
    Attendee,
    AttendeeRole,
    Channel,
    Consent,
    ConsentKind,
    Meeting,
    MeetingStatus,
    Person,
    StaffRole,
    StaffUser,
    Team,
)


async def convenor(telegram_user_id: int = 501, team_name: str = "Team Test") -> StaffUser:
    team, _ = await Team.get_or_create(name=team_name)
    return await StaffUser.create(
        telegram_user_id=telegram_user_id,
        display_name="Karin Berg",
        role=StaffRole.CONVENOR,
        team=team,
        language="sv",
    )


async def meeting_with_attendees(
    starts_at: datetime,
    staff: StaffUser,
    *,
    phones: tuple[str, ...] = ("+46701740605",),
    staff_attendee: StaffUser | None = None,
    telegram_chat_id: int | None = None,
    consented: bool = True,
) -> Meeting:
    team = await staff.team
    meeting = await Meeting.create(
        team=team,
        convenor=staff,
        timezone=(await team_settings.for_team(team.id)).timezone,  # as a new meeting does
        purpose="Vi gör en plan för hösten.",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        place="Kommunhuset, rum Ekan",
        status=MeetingStatus.PLANNED,
    )
    names = ["Amina", "Erik", "Lena", "Johan", "Fatima"]
    for index, phone in enumerate(phones):
        person = await Person.create(
            team=team,
            first_name=names[index % len(names)],
            phone=phone,
            language="sv",
            telegram_chat_id=telegram_chat_id if index == 0 else None,
            preferred_channel=Channel.TELEGRAM if telegram_chat_id and index == 0 else Channel.SMS,
        )
        # Contact needs a recorded consent; the convenor records it in the real flow.
        kinds = [ConsentKind.CONTACT_SMS]
        if telegram_chat_id and index == 0:
            kinds.append(ConsentKind.CONTACT_TELEGRAM)
        for kind in kinds if consented else []:
            await Consent.create(
                person=person,
                kind=kind,
                given_to=team.name,
                given_at=starts_at - timedelta(days=30),
            )
        await Attendee.create(
            meeting=meeting,
            person=person,
            role=AttendeeRole.PERSON_IN_FOCUS if index == 0 else AttendeeRole.RELATIVE,
            why="" if index == 0 else "Stöd till Amina.",  # the person's line is worded
        )
    if staff_attendee is not None:
        await Attendee.create(
            meeting=meeting,
            staff_user=staff_attendee,
            role=AttendeeRole.AGENCY_STAFF,
            agency=Agency.ARBETSFORMEDLINGEN,
            why="Hjälper med jobb.",
        )
    return meeting


async def page_token(meeting: Meeting, attendee: Attendee | None = None) -> str:
    """A fresh key to the meeting's page /i/<token>, as an information message carries
    it: the given attendee's, by default the first seat's (the person in focus)."""
    seat = attendee or await Attendee.filter(meeting_id=meeting.id).order_by("id").first()
    assert seat is not None, "a page key belongs to an attendee"
    return await issue_info_token(seat)
