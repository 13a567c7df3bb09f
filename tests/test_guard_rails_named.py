"""Guard rails say which agency they mean, and the Försäkringskassan rail fires when the
person in focus says no while FK staff still come (it could never fire before: the
person is always on the list when the meeting is made)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.core.i18n import use_locale
from flows.meetings.meeting_words import caution_lines
from flows.outbox.campaign import schedule_reminders
from storage.message_models import OutboxMessage
from storage.models import (
    Agency,
    Attendee,
    AttendeeResponse,
    AttendeeRole,
    Meeting,
    OutboxStatus,
    Person,
    StaffUser,
)
from tests.chat_driver import Chat
from tests.conftest import local_process
from tests.dashboard_seed import logged_in
from tests.factories import convenor, meeting_with_attendees

STHLM = ZoneInfo("Europe/Stockholm")
AMINA = "+46701740605"
CONVENOR_CHAT = 702


async def _staff(
    meeting, agency: Agency, phone: str = "+46701740607", role=AttendeeRole.AGENCY_STAFF
) -> None:
    person = await Person.create(team_id=meeting.team_id, first_name="Lena", phone=phone)
    await Attendee.create(meeting=meeting, person=person, role=role, agency=agency, why="Stöd.")


async def test_the_same_agency_warning_names_the_agency(db):
    karin = await convenor()
    meeting = await meeting_with_attendees(clock.now() + timedelta(days=5), karin)
    await _staff(meeting, Agency.KOMMUN, "+46701740608", AttendeeRole.REFERRER)
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


async def test_the_convenor_marks_the_person_not_coming_and_fk_is_warned(process):
    """A call instead of an SMS: the card's button is a no (reminders stop, FK rail)."""
    meeting = await Meeting.get(attendees__role=AttendeeRole.AGENCY_STAFF)
    await schedule_reminders(meeting)
    chat = Chat(process, CONVENOR_CHAT)
    await chat.send("/meetings", expect="möten")
    await chat.tap(f"{meeting.id}: Amina")
    await chat.tap("Personen kan inte komma")
    assert "Försäkringskassan får inte" in chat.last()
    person = await Attendee.get(meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS)
    assert person.response is AttendeeResponse.DECLINED
    assert not await OutboxMessage.filter(
        kind="reminder", status=OutboxStatus.SCHEDULED, person_id=person.person_id
    ).exists()
    assert "Personen kan inte komma" not in str(chat.bot_messages()[-1]["buttons"])


async def test_the_dashboard_lists_the_persons_no_as_needing_attention(process):
    status, _ = await process.services.twilio_standin.send_inbound(AMINA, "Nej, jag kan inte")
    assert status == 200
    await process.services.telegram_standin.wait_for_bot_messages(CONVENOR_CHAT, 1)
    karin = await StaffUser.get(telegram_user_id=CONVENOR_CHAT)
    http = await logged_in(process, karin)
    async with http, http.get("/dashboard?lang=en") as response:
        html = await response.text()
    assert 'id="concern-declined"' in html and "1 meeting: the person cannot come" in html
