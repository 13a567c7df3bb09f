"""The attention list names what matters most about the person in focus: a no, an
opt-out, and no answer close to the meeting (2 working days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.followup.attention import Concern, attention
from flows.staff.scope import for_staff
from storage.models import Attendee, AttendeeResponse, AttendeeRole, Person
from tests import factories

# A Thursday morning: two working days ahead reach Monday morning.
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


async def _meeting(convenor, starts_at: datetime, response=AttendeeResponse.PENDING):
    meeting = await factories.meeting_with_attendees(starts_at, convenor)
    await Attendee.filter(meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS).update(
        response=response
    )
    return meeting


async def _listed(convenor, concern: Concern) -> set[int]:
    found = await attention(for_staff(convenor), NOW, NOW.date(), limit=50)
    return {item.meeting_id for item in found.items[concern]}


async def test_no_answer_within_two_working_days_is_listed(db):
    karin = await factories.convenor()
    monday = await _meeting(karin, NOW + timedelta(days=4, hours=1))  # Monday 09:00
    next_week = await _meeting(karin, NOW + timedelta(days=6))
    confirmed = await _meeting(karin, NOW + timedelta(days=1), AttendeeResponse.CONFIRMED)
    listed = await _listed(karin, Concern.NOT_CONFIRMED)
    assert monday.id in listed
    assert next_week.id not in listed and confirmed.id not in listed


async def test_a_person_who_said_no_is_listed_whenever_the_meeting_is(db):
    karin = await factories.convenor()
    far = await _meeting(karin, NOW + timedelta(days=20), AttendeeResponse.DECLINED)
    assert far.id in await _listed(karin, Concern.DECLINED)


async def test_a_person_in_focus_who_opted_out_is_listed(db):
    karin = await factories.convenor()
    meeting = await _meeting(karin, NOW + timedelta(days=10))
    person = await Person.get(attendances__meeting=meeting)
    person.opted_out_at = NOW - timedelta(hours=1)
    await person.save()
    assert meeting.id in await _listed(karin, Concern.OPTED_OUT)
