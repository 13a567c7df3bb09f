"""The request for notes after a meeting leaves through the outbox, buttons and all.

Through the whole process: real dispatcher, the Telegram stand-in, the one clock moved
by the test. A request that Telegram refuses is retried like any other message (the
meeting is marked asked in the same transaction as its row is made, so a failed send
can no longer mean the convenor is never asked), and its button starts /after.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_settings
from bot.periodic import run_what_fell_due
from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.meetings import notes_request
from storage.db import apply_migrations
from storage.message_models import OutboxMessage
from storage.models import Meeting, MessageKind, OutboxStatus, StaffUser
from tests.chat_driver import Chat
from tests.conftest import eventually, truncate_postgres
from tests.factories import convenor, meeting_with_attendees

STHLM = ZoneInfo("Europe/Stockholm")
CONVENOR_CHAT = 502


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def process(request, tmp_path) -> AsyncIterator[FlerpartProcess]:
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path}/flerpart.sqlite3"
        await apply_migrations(url)
    else:
        url = request.getfixturevalue("postgres_url")
        await truncate_postgres(url)
    settings = load_settings(environ={"DATABASE_URL": url, "PORT": "0"}, dotenv=None)
    running = FlerpartProcess(settings)
    await running.start()
    staff = await convenor(CONVENOR_CHAT)
    staff.language = "en"
    await staff.save()
    running.services.telegram_standin.user_has_started(CONVENOR_CHAT)
    try:
        yield running
    finally:
        await running.stop()


async def _ended_meeting() -> Meeting:
    staff = await StaffUser.get(telegram_user_id=CONVENOR_CHAT)
    start = clock.now().astimezone(STHLM) - timedelta(hours=3)
    meeting = await meeting_with_attendees(start, staff)
    meeting.info_sent_at = start - timedelta(days=5)  # only those are asked
    await meeting.save()
    return meeting


async def _request_if(meeting: Meeting, status: OutboxStatus, attempts: int | None = None):
    row = await OutboxMessage.get_or_none(meeting=meeting, kind=MessageKind.NOTES_REQUEST)
    if row is not None and row.status is status and attempts in (None, row.attempts):
        return row
    return None


async def test_a_notes_request_telegram_refused_is_retried_and_its_button_starts_after(process):
    meeting = await _ended_meeting()
    telegram = process.services.telegram_standin
    telegram.fail_next("sendMessage", 500, "Internal Server Error")
    await run_what_fell_due(process.services)  # what the minute job and the sim clock run

    # Refused: the meeting is marked asked and its request waits to be tried again.
    waiting = await eventually(lambda: _request_if(meeting, OutboxStatus.SCHEDULED, 1))
    assert waiting.staff_user_id is not None and waiting.last_error
    assert (await Meeting.get(id=meeting.id)).after_asked_at is not None
    chat = Chat(process, CONVENOR_CHAT)
    assert not chat.bot_messages()
    assert await notes_request.queue_notes_requests(clock.now()) == 0  # asked once

    clock.set(waiting.next_attempt_at + timedelta(seconds=1))
    process.services.dispatcher.wake()
    await eventually(lambda: _request_if(meeting, OutboxStatus.SENT, 2))
    text = await chat.wait_for("has ended")
    assert f"The meeting {meeting.id} has ended" in text
    message, button = chat.find_button("📝 After the meeting")
    assert button["data"] == f"m{meeting.id}:after"
    await chat.press(message["message_id"], button["data"])
    chat.find_button("It was held")  # /after has started: was the meeting held?


async def test_a_notes_request_that_cannot_go_out_fails_where_it_is_seen(process):
    meeting = await _ended_meeting()
    process.services.telegram_standin.block_chat(CONVENOR_CHAT)
    await run_what_fell_due(process.services)
    failed = await eventually(lambda: _request_if(meeting, OutboxStatus.FAILED))
    assert failed.error_code == "blocked"
    # No alert about it to the same convenor who cannot be reached.
    assert not await OutboxMessage.filter(kind=MessageKind.ALERT).exists()


async def test_a_notes_request_is_dropped_when_the_notes_were_written_first(process):
    meeting = await _ended_meeting()
    telegram = process.services.telegram_standin
    telegram.fail_next("sendMessage", 500, "Internal Server Error")
    await run_what_fell_due(process.services)
    waiting = await eventually(lambda: _request_if(meeting, OutboxStatus.SCHEDULED, 1))
    await Meeting.filter(id=meeting.id).update(closed_at=clock.now())  # /after, typed first
    clock.set(waiting.next_attempt_at + timedelta(seconds=1))
    process.services.dispatcher.wake()
    await eventually(lambda: _request_if(meeting, OutboxStatus.CANCELLED))
    assert not Chat(process, CONVENOR_CHAT).bot_messages()
