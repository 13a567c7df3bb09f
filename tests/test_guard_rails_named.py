"""Guard rails say which agency they mean, and the Försäkringskassan rail fires when the
person in focus says no while FK staff still come (it could never fire before: the
person is always on the list when the meeting is made)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.process import FlerpartProcess
from flows.clock import clock
from flows.i18n import use_locale
from flows.meeting_form import caution_lines
from storage.models import Agency, Attendee, AttendeeRole
from tests.conftest import local_process
from tests.factories import convenor, meeting_with_attendees

STHLM = ZoneInfo("Europe/Stockholm")
AMINA = "+46701740605"
CONVENOR_CHAT = 702


async def _staff(meeting, agency: Agency, why: str = "Stöd.") -> None:
    await Attendee.create(
        meeting=meeting, role=AttendeeRole.AGENCY_STAFF, agency=agency, why=why
    )


async def test_the_same_agency_warning_names_the_agency(db):
    karin = await convenor()
    meeting = await meeting_with_attendees(clock.now() + timedelta(days=5), karin)
    await Attendee.create(meeting=meeting, role=AttendeeRole.REFERRER, agency=Agency.KOMMUN)
    await _staff(meeting, Agency.KOMMUN)
    with use_locale("sv"):
        [line] = await caution_lines(meeting)
    assert "Kommun" in line or "kommun" in line, line
    assert "Försäkringskassan" not in line


@pytest.fixture
async def process(tmp_path) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path) as running:
        staff = await convenor(CONVENOR_CHAT)
        running.services.telegram_standin.user_has_started(CONVENOR_CHAT)
        day = (clock.now().astimezone(STHLM) + timedelta(days=7)).date()
        meeting = await meeting_with_attendees(
            datetime(day.year, day.month, day.day, 14, tzinfo=STHLM), staff
        )
        await _staff(meeting, Agency.FORSAKRINGSKASSAN)
        yield running


async def test_a_no_from_the_person_warns_that_fk_may_not_meet_without_her(process):
    status, _ = await process.services.twilio_standin.send_inbound(AMINA, "nej")
    assert status == 200
    [alert] = await process.services.telegram_standin.wait_for_bot_messages(CONVENOR_CHAT, 1)
    assert alert["text"].startswith("Amina kan inte komma")
    assert "Försäkringskassan får inte" in alert["text"], alert["text"]
