"""A small world for the coordinator view's tests: two teams, two convenors in Nord,
one coordinator each, an admin, and meetings with something wrong in each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp

from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.staff import web_auth
from storage.message_models import OutboxMessage, SurveyAnswer
from storage.models import (
    ActionItem,
    Attendee,
    AttendeeRole,
    Meeting,
    MeetingStatus,
    OutboxStatus,
    Person,
    StaffRole,
    StaffUser,
    SurveyStatus,
    Team,
)

NOW = datetime(2027, 3, 9, 9, 30, tzinfo=UTC)  # a Tuesday, 10:30 in Stockholm
PHONE = "+46701740605"


@dataclass
class World:
    karin: StaffUser  # convenor, Nord, owns `upcoming` and `held`
    olle: StaffUser  # convenor, Nord, owns `other`
    cora: StaffUser  # coordinator, Nord
    syd: StaffUser  # coordinator, Syd
    ada: StaffUser  # admin
    upcoming: Meeting  # tomorrow 09:00, not confirmed, its information failed
    held: Meeting  # last week: feedback overdue, an action item overdue, "don't know"
    other: Meeting  # Olle's
    south: Meeting  # team Syd


async def _staff(uid: int, name: str, role: StaffRole, team: Team) -> StaffUser:
    return await StaffUser.create(
        telegram_user_id=uid, display_name=name, role=role, team=team, language="en"
    )


async def _meeting(team: Team, convenor: StaffUser, starts_at: datetime, **extra) -> Meeting:
    meeting = await Meeting.create(
        team=team,
        convenor=convenor,
        timezone=extra.pop("timezone", "Europe/Stockholm"),
        purpose="Plan for the spring",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        status=extra.pop("status", MeetingStatus.PLANNED),
        **extra,
    )
    person = await Person.create(team=team, first_name="Amina", phone=PHONE)
    await Attendee.create(meeting=meeting, person=person, role=AttendeeRole.PERSON_IN_FOCUS)
    return meeting


async def _message(
    meeting: Meeting, person: Person, kind: str, status: OutboxStatus, at: datetime
) -> None:
    failed = status is OutboxStatus.FAILED
    await OutboxMessage.create(
        meeting=meeting,
        person=person,
        channel="sms",
        kind=kind,
        template=f"{kind}_test",
        due_at=at,
        next_attempt_at=at,
        status=status,
        sent_at=None if failed else at,
        error_code="21211" if failed else None,
    )


async def seed(karin_name: str = "Karin Berg") -> World:
    clock.set(NOW)
    nord, syd = await Team.create(name="Nord"), await Team.create(name="Syd")
    karin = await _staff(801, karin_name, StaffRole.CONVENOR, nord)
    olle = await _staff(802, "Olle Ek", StaffRole.CONVENOR, nord)
    cora = await _staff(803, "Cora Lund", StaffRole.COORDINATOR, nord)
    syd_coordinator = await _staff(804, "Sven Syd", StaffRole.COORDINATOR, syd)
    ada = await _staff(805, "Ada Admin", StaffRole.ADMIN, nord)
    upcoming = await _meeting(nord, karin, NOW + timedelta(hours=20), info_sent_at=NOW)
    person = await Person.get(attendances__meeting=upcoming)
    await _message(upcoming, person, "info", OutboxStatus.FAILED, NOW - timedelta(hours=2))
    held = await _meeting(
        nord,
        karin,
        NOW - timedelta(days=7),
        status=MeetingStatus.HELD,
        feedback_due=(NOW - timedelta(days=2)).date(),
    )
    await ActionItem.create(meeting=held, what="Book the SIP", due=(NOW - timedelta(days=1)).date())
    asker = await Person.get(attendances__meeting=held)
    for question, value in (("knew_why", 1), ("could_say", 4), ("next_known", 0)):
        await SurveyAnswer.create(
            meeting=held,
            person=asker,
            question=question,
            value=value,
            status=SurveyStatus.ANSWERED,
            asked_at=NOW - timedelta(days=5),
            answered_at=NOW - timedelta(days=5),
        )
    await _message(held, asker, "survey", OutboxStatus.DELIVERED, NOW - timedelta(days=6))
    other = await _meeting(nord, olle, NOW + timedelta(days=3))
    south = await _meeting(syd, syd_coordinator, NOW + timedelta(days=4))
    return World(karin, olle, cora, syd_coordinator, ada, upcoming, held, other, south)


async def logged_in(process: FlerpartProcess, staff: StaffUser) -> aiohttp.ClientSession:
    """An HTTP client holding `staff`'s session cookie (the caller closes it)."""
    token = await web_auth.create_login_link(staff, clock.now())
    http = aiohttp.ClientSession(
        base_url=process.local_url, cookie_jar=aiohttp.CookieJar(unsafe=True)
    )
    csrf = await login_form_value(http, f"/dashboard/login/{token}")
    async with http.post(f"/dashboard/login/{token}", data={"csrf": csrf}) as response:
        assert response.status == 200, await response.text()  # followed to /dashboard
    return http


async def login_form_value(http: aiohttp.ClientSession, url: str) -> str:
    """Opens the login page as a browser does: its form's value (the cookie is in the jar)."""
    async with http.get(url) as response:
        assert response.status == 200, await response.text()
        html = await response.text()
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)
