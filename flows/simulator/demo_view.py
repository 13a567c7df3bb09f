"""What the simulator page needs to know about the demo: whom to play, whose phones to
show, and the moments worth jumping to.

The moments come from the campaign's own rules (flows/outbox/schedule.py), so "2 days
before" is exactly when the reminder falls due and "survey" when the survey does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flows.outbox.schedule import REMINDER_TWO_DAYS, SURVEY, at_local
from storage.models import Attendee, Meeting, Person, StaffUser

# The Telegram user the page plays until the demo meeting has a convenor; joins by
# a real invitation and `/start`, like anyone else.
DEMO_CONVENOR_USER_ID = 1_000_000_100
DEMO_CONVENOR_NAME = "Karin"
# Names the simulator gives the Telegram users it plays when the caller names none
# (fiction, like the demo's people): never "Test" in a greeting.
SIM_NAMES = ("Maria", "Ahmed", "Sofia", "Johan", "Leila", "Anders", "Noor", "Petra")
DAY_AFTER_AT = time(9, 0)  # before the survey's 10:00, so the notes can come first


@dataclass(frozen=True)
class Participant:
    name: str
    phone: str
    role: str


@dataclass(frozen=True)
class DemoView:
    convenor_user_id: int
    convenor_joined: bool
    meeting: Meeting | None = None
    team: str | None = None
    participants: list[Participant] = field(default_factory=list)
    moments: dict[str, datetime] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        meeting = self.meeting
        return {
            "team": self.team,
            "convenor": {
                "user_id": self.convenor_user_id,
                "joined": self.convenor_joined,
                "name": DEMO_CONVENOR_NAME,
            },
            "meeting": None
            if meeting is None
            else {
                "id": meeting.id,
                "purpose": meeting.purpose,
                "place": meeting.place,
                "status": meeting.status.value,
                "timezone": meeting.timezone,
                "starts_at": _iso(meeting.starts_at),
                "ends_at": _iso(meeting.ends_at),
            },
            "participants": [vars(p) for p in self.participants],
            "moments": {key: moment.isoformat() for key, moment in self.moments.items()},
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def moments(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> dict[str, datetime]:
    day_after = ends_at.astimezone(tz).date() + timedelta(days=1)
    return {
        "two_days_before": REMINDER_TWO_DAYS.due(starts_at, ends_at, tz),
        "day_after": at_local(day_after, DAY_AFTER_AT, tz),
        "survey": SURVEY.due(starts_at, ends_at, tz),
    }


async def demo_view() -> DemoView:
    """The newest demo meeting (whatever its status, so a closed one still shows)."""
    demo = (
        await Meeting.filter(is_demo=True)
        .order_by("-id")
        .first()
        .prefetch_related("team", "convenor")
    )
    if demo is None:
        joined = await StaffUser.exists(telegram_user_id=DEMO_CONVENOR_USER_ID, active=True)
        return DemoView(DEMO_CONVENOR_USER_ID, joined)
    convenor = demo.convenor
    attendees = (
        await Attendee.filter(meeting=demo, person__phone__isnull=False)
        .order_by("id")
        .prefetch_related("person")
    )
    return DemoView(
        convenor_user_id=convenor.telegram_user_id if convenor else DEMO_CONVENOR_USER_ID,
        convenor_joined=convenor is not None,
        meeting=demo,
        team=demo.team.name,
        participants=[
            Participant(a.person.first_name, a.person.phone, a.role.value) for a in attendees
        ],
        moments=moments(demo.starts_at, demo.ends_at, ZoneInfo(demo.timezone))
        if demo.starts_at and demo.ends_at
        else {},
    )


async def sim_user_name(user_id: int) -> str:
    """The first name a simulated Telegram user goes by: the staff user or linked person
    we know by that id, the demo convenor, else a made-up name of their own."""
    staff = await StaffUser.get_or_none(telegram_user_id=user_id)
    if staff is not None and staff.display_name.strip():
        return staff.display_name.split()[0]
    person = await Person.filter(telegram_chat_id=user_id).first()
    if person is not None and person.first_name.strip():
        return person.first_name
    if user_id == DEMO_CONVENOR_USER_ID:
        return DEMO_CONVENOR_NAME
    return SIM_NAMES[user_id % len(SIM_NAMES)]
