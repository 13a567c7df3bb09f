"""Demo data for local mode: a team, an invited convenor and one meeting in preparation.

Everything is marked `is_demo`; the phone numbers are from the range reserved
for fiction, so nothing can reach a real person.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from flows.core.clock import clock
from flows.outbox.schedule import next_working_day_on_or_after
from flows.staff.onboarding import create_invitation
from storage.models import (
    Agency,
    Attendee,
    AttendeeRole,
    Consent,
    ConsentKind,
    Meeting,
    MeetingKind,
    Person,
    StaffRole,
    Team,
)

DEMO_FILE = Path(__file__).with_name("demo_meeting.json")


@dataclass(frozen=True)
class Demo:
    team: Team
    meeting: Meeting
    convenor_code: str
    expires_at: datetime


async def create_demo(tz: ZoneInfo) -> Demo:
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    spec = data["meeting"]
    # A weekday, as a real meeting would be: reminders and the survey then fall as usual.
    local_day = next_working_day_on_or_after(
        (clock.now().astimezone(tz) + timedelta(days=spec["days_ahead"])).date()
    )
    starts = datetime(local_day.year, local_day.month, local_day.day, spec["hour"], tzinfo=tz)
    async with in_transaction():
        team, _ = await Team.get_or_create(name=data["team"], defaults={"is_demo": True})
        meeting = await Meeting.create(
            team=team,
            purpose=spec["purpose"],
            kind=MeetingKind(spec["kind"]),
            starts_at=starts,
            ends_at=starts + timedelta(minutes=spec["minutes"]),
            timezone=str(tz),
            place=spec["place"],
            is_demo=True,
        )
        for entry in data["attendees"]:
            person = await Person.create(
                team=team, first_name=entry["name"], phone=entry["phone"], language="sv"
            )
            await Consent.create(
                person=person,
                kind=ConsentKind.CONTACT_SMS,
                given_to=team.name,
                given_at=clock.now(),
            )
            await Attendee.create(
                meeting=meeting,
                person=person,
                role=AttendeeRole(entry["role"]),
                agency=Agency(entry["agency"]),
                why=entry["why"],
            )
        code, invitation = await create_invitation(StaffRole.CONVENOR, team.name)
    return Demo(team, meeting, code, invitation.expires_at)
