"""A known person's SMS replies, through the twilio stand-in, our signed webhook and the
dispatcher: yes, no (the convenor told), stop (everything stops), start, help, other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.outbox.campaign import schedule_reminders
from storage.message_models import InboundMessage, OutboxMessage
from storage.models import Attendee, AttendeeResponse, Consent, ConsentKind, OutboxStatus, Person
from tests.conftest import eventually, local_process
from tests.factories import convenor, meeting_with_attendees

STHLM = ZoneInfo("Europe/Stockholm")
AMINA = "+46701740605"
CONVENOR_CHAT = 701


@pytest.fixture
async def process(tmp_path) -> AsyncIterator[FlerpartProcess]:
    """Karin has a meeting next week with Amina, who consented to SMS."""
    async with local_process(tmp_path) as running:
        staff = await convenor(CONVENOR_CHAT)
        running.services.telegram_standin.user_has_started(CONVENOR_CHAT)
        day = (clock.now().astimezone(STHLM) + timedelta(days=7)).date()
        meeting = await meeting_with_attendees(
            datetime(day.year, day.month, day.day, 14, tzinfo=STHLM), staff
        )
        await schedule_reminders(meeting)
        yield running


async def sms(process: FlerpartProcess, text: str) -> str:
    """Amina's SMS and our answer to it (sent after the webhook's answer, by the outbox)."""
    twilio = process.services.twilio_standin
    before = len(twilio.transcript(AMINA))
    status, _ = await twilio.send_inbound(AMINA, text)
    assert status == 200
    return (await twilio.wait_for_reply(AMINA, before))["text"]


async def test_yes_confirms_the_next_meeting(process):
    receipt = await sms(process, "Ja!")
    assert receipt.startswith("Tack! Vi ses")
    attendee = await Attendee.get(person__phone=AMINA)
    assert attendee.response is AttendeeResponse.CONFIRMED


async def test_no_declines_and_the_convenor_is_told_at_once(process):
    assert "ny tid" in await sms(process, "nej")
    assert (await Attendee.get(person__phone=AMINA)).response is AttendeeResponse.DECLINED
    [alert] = await process.services.telegram_standin.wait_for_bot_messages(CONVENOR_CHAT, 1)
    assert alert["text"].startswith("Amina kan inte komma")


async def test_stop_stops_everything_at_once_and_start_undoes_it(process):
    assert "inga fler meddelanden" in await sms(process, "STOPP")
    person = await Person.get(phone=AMINA)
    assert person.opted_out
    assert await OutboxMessage.filter(person=person, status=OutboxStatus.SCHEDULED).count() == 0
    assert await OutboxMessage.filter(person=person, status=OutboxStatus.CANCELLED).count() == 2
    consent = await Consent.get(person=person, kind=ConsentKind.CONTACT_SMS)
    assert consent.withdrawn_at is not None and consent.withdrawn_via == "sms"
    # While opted out, YES means "back in" (as Twilio treats it), not "I am coming".
    assert "Välkommen tillbaka" in await sms(process, "ja")
    assert not (await Person.get(phone=AMINA)).opted_out
    assert await Consent.filter(person=person, withdrawn_at=None).count() == 1


async def test_help_names_who_reads_the_replies(process):
    assert "Karin" in await sms(process, "hjälp")


async def test_anything_else_is_forwarded_to_the_convenor_with_a_receipt(process):
    receipt = await sms(process, "Jag kommer tio minuter sent 🚌")
    assert receipt == "Tack. Vi har skickat vidare ditt meddelande."
    [forwarded] = await process.services.telegram_standin.wait_for_bot_messages(CONVENOR_CHAT, 1)
    assert forwarded["text"].startswith("Meddelande från Amina")
    assert forwarded["text"].endswith("Jag kommer tio minuter sent 🚌")
    stored = await InboundMessage.get(person__phone=AMINA)
    assert stored.handled_as == "forwarded"


async def test_the_same_message_sid_twice_is_handled_once(process):
    twilio = process.services.twilio_standin
    await twilio.send_inbound(AMINA, "nej", message_sid="SM" + "7" * 32)
    await twilio.send_inbound(AMINA, "nej", message_sid="SM" + "7" * 32)
    await eventually(lambda: OutboxMessage.filter(kind="alert").count())
    assert await OutboxMessage.filter(kind="alert").count() == 1


async def _move_clock_to(process: FlerpartProcess, moment: datetime) -> None:
    clock.set(moment)
    process.services.dispatcher.wake()


async def _meeting_start() -> datetime:
    return (await Attendee.get(person__phone=AMINA).prefetch_related("meeting")).meeting.starts_at


async def test_after_no_no_reminder_is_delivered(process):
    """Both reminders were planned before her "Nej, jag kan inte"; neither goes out."""
    twilio = process.services.twilio_standin
    receipt = await sms(process, "Nej, jag kan inte")
    assert "ny tid" in receipt
    [alert] = await process.services.telegram_standin.wait_for_bot_messages(CONVENOR_CHAT, 1)
    assert alert["text"].startswith("Amina kan inte komma")
    person = await Person.get(phone=AMINA)
    assert not await OutboxMessage.filter(
        person=person, kind="reminder", status=OutboxStatus.SCHEDULED
    ).exists()
    # Recomputing the plan (an edit of the meeting) does not bring them back.
    meeting = (await Attendee.get(person=person).prefetch_related("meeting")).meeting
    assert (await schedule_reminders(meeting))[0] == 0
    starts_at = await _meeting_start()
    await _move_clock_to(process, starts_at - timedelta(days=2, hours=-1))
    await _move_clock_to(process, starts_at - timedelta(minutes=90))
    await asyncio.sleep(0.5)  # the dispatcher has had its chance
    # The answer to her no (sent through the outbox) is all she got.
    assert [m["body"] for m in twilio.sent if m["to"] == AMINA] == [receipt]


async def test_after_yes_the_reminder_does_not_ask_for_an_answer_again(process):
    """Her "ja tack" came after the reminders were planned; the text is composed at send."""
    twilio = process.services.twilio_standin
    assert (await sms(process, "ja tack")).startswith("Tack! Vi ses")
    starts_at = await _meeting_start()
    await _move_clock_to(process, starts_at - timedelta(days=2, hours=-1))
    [_receipt, reminder] = await twilio.wait_for_sent(2)
    assert reminder["to"] == AMINA
    assert "påminnelse" in reminder["body"]
    assert "Svara JA" not in reminder["body"]
    assert "NEJ" in reminder["body"]  # she may still say she cannot come


async def test_without_an_answer_the_reminder_asks_for_one(process):
    twilio = process.services.twilio_standin
    starts_at = await _meeting_start()
    await _move_clock_to(process, starts_at - timedelta(days=2, hours=-1))
    [reminder] = await twilio.wait_for_sent(1)
    assert "Svara JA om du kommer" in reminder["body"]


async def test_a_yes_after_a_no_brings_the_reminders_back(process):
    twilio = process.services.twilio_standin
    await sms(process, "nej")
    person = await Person.get(phone=AMINA)
    reminders = OutboxMessage.filter(person=person, kind="reminder")
    assert not await reminders.filter(status=OutboxStatus.SCHEDULED).exists()
    assert (await sms(process, "Jo, jag kommer ändå")).startswith("Tack")  # forwarded
    assert (await sms(process, "Jag kommer")).startswith("Tack! Vi ses")
    assert await reminders.filter(status=OutboxStatus.SCHEDULED).count() == 2
    await _move_clock_to(process, await _meeting_start() - timedelta(days=2, hours=-1))
    *_receipts, reminder = await twilio.wait_for_sent(4)  # three answers, then the reminder
    assert "påminnelse" in reminder["body"]
    assert "Svara JA" not in reminder["body"]
