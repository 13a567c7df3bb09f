"""Questions to the person, answered by SMS or Telegram: the survey after the meeting
and the question before it. Through the whole process: the dispatcher sends, our
signed webhook and the Telegram handlers receive, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.outbox.campaign import schedule_information, schedule_reminders, schedule_survey
from flows.participants import participant_link, survey
from storage.message_models import InboundMessage, OutboxMessage, SurveyAnswer
from storage.models import (
    Attendee,
    AttendeeResponse,
    Channel,
    Consent,
    ConsentKind,
    Meeting,
    MeetingStatus,
    OutboxStatus,
    Person,
    StaffUser,
)
from tests.chat_driver import Chat
from tests.conftest import eventually, local_process
from tests.factories import convenor, meeting_with_attendees

STHLM = ZoneInfo("Europe/Stockholm")
AMINA = "+46701740605"
KARIN = 711
MONDAY_9 = datetime(2027, 3, 1, 9, 0, tzinfo=STHLM)


@pytest.fixture
async def process(tmp_path, database_env) -> AsyncIterator[FlerpartProcess]:
    clock.set(MONDAY_9)
    async with local_process(tmp_path, **database_env) as running:
        await convenor(KARIN)
        running.services.telegram_standin.user_has_started(KARIN)
        yield running


async def karins_meeting(starts_at: datetime, **kwargs) -> Meeting:
    staff = await StaffUser.get(telegram_user_id=KARIN)
    meeting = await meeting_with_attendees(starts_at, staff, **kwargs)
    return meeting


async def move_clock_to(process: FlerpartProcess, moment: datetime) -> None:
    clock.set(moment)
    process.services.dispatcher.wake()


async def sms(process: FlerpartProcess, text: str) -> str:
    """Amina's SMS and our answer to it (sent after the webhook's answer, by the outbox)."""
    twilio = process.services.twilio_standin
    before = len(twilio.transcript(AMINA))
    status, _ = await twilio.send_inbound(AMINA, text)
    assert status == 200
    return (await twilio.wait_for_reply(AMINA, before))["text"]


async def held_meeting_with_survey_sent(process: FlerpartProcess) -> Meeting:
    """Monday's meeting 10-11 was held; Tuesday 10:00 the survey went out."""
    meeting = await karins_meeting(MONDAY_9.replace(hour=10))
    await Meeting.filter(id=meeting.id).update(status=MeetingStatus.HELD)
    meeting = await Meeting.get(id=meeting.id)
    assert await schedule_survey(meeting) == (1, 0)
    await move_clock_to(process, MONDAY_9.replace(day=2, hour=10, second=1))
    [sent] = await process.services.twilio_standin.wait_for_sent(1)
    assert "Fråga 1 av 3" in sent["body"]
    return meeting


async def answers(meeting: Meeting) -> dict[str, tuple[str, int | None, str | None]]:
    return {
        row.question: (row.status.value, row.value, row.text)
        for row in await SurveyAnswer.filter(meeting=meeting)
    }


async def test_the_survey_is_answered_one_question_at_a_time(process):
    meeting = await held_meeting_with_survey_sent(process)
    assert "Fråga 2 av 3" in await sms(process, "Ja")
    again = await sms(process, "kanske")
    assert again.startswith("Svara med en siffra från 1 till 5.") and "Fråga 2 av 3" in again
    assert "Fråga 3 av 3" in await sms(process, "4")
    assert "Var känner du att du är nu? Svara 1-6." in await sms(process, "vet inte")
    assert "något mer" in await sms(process, "3")
    assert "Tack för dina svar" in await sms(process, "Bra att alla kom 🙂")
    assert await answers(meeting) == {
        "knew_why": ("answered", 1, None),
        "could_say": ("answered", 4, None),
        "next_known": ("answered", 0, None),
        "step": ("answered", 3, None),
        "other": ("answered", None, "Bra att alla kom 🙂"),
    }
    reprompted = await SurveyAnswer.get(meeting=meeting, question="could_say")
    assert reprompted.reprompted_at is not None
    # "I don't know what happens next" reaches the convenor at once.
    [alert] = await process.services.telegram_standin.wait_for_bot_messages(KARIN, 1)
    assert alert["text"].startswith("Amina vet inte vad som händer efter mötet")
    # The survey is over: the next message is a message, not an answer.
    assert await sms(process, "Hej igen") == "Tack. Vi har skickat vidare ditt meddelande."


async def test_a_second_misfit_goes_to_the_convenor_and_the_question_stays_open(process):
    meeting = await held_meeting_with_survey_sent(process)
    assert "Svara JA eller NEJ" in await sms(process, "Jag minns inte riktigt")
    assert await sms(process, "Kan du ringa mig?") == "Tack. Vi har skickat vidare ditt meddelande."
    [forwarded] = await process.services.telegram_standin.wait_for_bot_messages(KARIN, 1)
    assert forwarded["text"].endswith("Kan du ringa mig?")
    assert (await answers(meeting))["knew_why"][0] == "open"
    assert "Fråga 2 av 3" in await sms(process, "JA!")


async def test_a_survey_closes_after_three_days_and_late_replies_are_messages(process):
    meeting = await held_meeting_with_survey_sent(process)
    assert "Fråga 2 av 3" in await sms(process, "nej")
    clock.set(MONDAY_9.replace(day=5, hour=11))
    assert await survey.expire(clock.now()) == 1
    assert await answers(meeting) == {
        "knew_why": ("answered", 0, None),
        "could_say": ("expired", None, None),
    }
    assert await sms(process, "5") == "Tack. Vi har skickat vidare ditt meddelande."


async def test_after_a_yes_the_person_is_asked_who_they_want_there(process):
    meeting = await karins_meeting(MONDAY_9 + timedelta(days=7))
    receipt = await sms(process, "ja")
    assert receipt.startswith("Tack! Vi ses") and "Vill du ha med dig någon" in receipt
    assert await sms(process, "Min syster Sara") == "Tack! Vi säger det till mötet."
    [alert] = await process.services.telegram_standin.wait_for_bot_messages(KARIN, 1)
    assert (
        alert["text"].startswith("Amina svarade på frågan") and "Min syster Sara" in alert["text"]
    )
    assert (await answers(meeting))["wish"] == ("answered", None, "Min syster Sara")
    # Asked once: a second yes is only a yes.
    assert "Vill du ha med dig" not in await sms(process, "ja")


async def test_a_plain_no_answers_the_question_but_cannot_come_still_declines(process):
    meeting = await karins_meeting(MONDAY_9 + timedelta(days=7))
    await sms(process, "ja")
    assert await sms(process, "Nej") == "Okej. Tack!"
    attendee = await Attendee.get(meeting=meeting, person__phone=AMINA)
    assert attendee.response is AttendeeResponse.CONFIRMED
    assert "ny tid" in await sms(process, "kan inte")
    attendee = await Attendee.get(meeting=meeting, person__phone=AMINA)
    assert attendee.response is AttendeeResponse.DECLINED


async def test_a_participant_links_telegram_and_answers_there(process):
    meeting = await karins_meeting(MONDAY_9 + timedelta(days=7))
    assert await schedule_reminders(meeting) == (2, 0)
    person = await Person.get(phone=AMINA)
    code = await participant_link.create_code(person)
    telegram = process.services.telegram_standin
    await telegram.user_sends(9100, f"/start {code}", first_name="Amina")
    [welcome] = await telegram.wait_for_bot_messages(9100, 1)
    assert welcome["text"].startswith("Hej Amina! Nu får du meddelanden om mötet här.")
    person = await Person.get(id=person.id)
    assert person.telegram_chat_id == 9100 and person.preferred_channel is Channel.TELEGRAM
    assert await Consent.exists(
        person=person, kind=ConsentKind.CONTACT_TELEGRAM, given_to="telegram:self"
    )
    pending = await OutboxMessage.filter(person=person, status=OutboxStatus.SCHEDULED)
    assert [row.channel for row in pending] == [Channel.TELEGRAM, Channel.TELEGRAM]
    # The code is used up: a second try is told to ask for a new link, and links nothing.
    await telegram.user_sends(9101, f"/start {code}")
    [refused] = await telegram.wait_for_bot_messages(9101, 1)
    assert refused["text"] == "Den här inbjudan fungerar inte längre. Be om en ny."
    assert await Person.filter(telegram_chat_id=9101).count() == 0
    # Replies in Telegram work as by SMS.
    await telegram.user_sends(9100, "JA")
    replies = await telegram.wait_for_bot_messages(9100, 2)
    assert replies[-1]["text"].startswith("Tack! Vi ses")
    attendee = await Attendee.get(meeting=meeting, person=person)
    assert attendee.response is AttendeeResponse.CONFIRMED
    assert await InboundMessage.filter(channel=Channel.TELEGRAM, person=person).count() == 1
    # The reminder goes to the chat, not as an SMS.
    first = min(pending, key=lambda row: row.due_at)
    await move_clock_to(process, first.due_at + timedelta(seconds=1))
    reminder = await telegram.wait_for_bot_messages(9100, 3)
    assert "påminnelse" in reminder[-1]["text"]
    assert process.services.twilio_standin.sent == []


async def test_an_arabic_speaker_gets_the_information_in_arabic_over_ucs2(process):
    meeting = await karins_meeting(MONDAY_9 + timedelta(days=7), phones=(AMINA, "+46701740606"))
    await Person.filter(phone=AMINA).update(language="ar")
    assert await schedule_information(meeting, clock.now()) == (2, 0)
    process.services.dispatcher.wake()
    await process.services.twilio_standin.wait_for_sent(2)
    [arabic] = [
        entry
        for entry in process.services.twilio_standin.transcript(AMINA)
        if entry["direction"] == "out"
    ]
    assert arabic["encoding"] == "UCS-2" and arabic["parts"] <= 4
    assert "مرحبا" in arabic["text"] and "09:00" in arabic["text"]
    receipt = await sms(process, "نعم")
    assert "شكرا" in receipt
    attendee = await Attendee.get(meeting=meeting, person__phone=AMINA)
    assert attendee.response is AttendeeResponse.CONFIRMED
    # Both information messages were recorded as sent (a delivery report may be quicker).
    done = (OutboxStatus.SENT, OutboxStatus.DELIVERED)

    async def both_recorded() -> bool:
        return await OutboxMessage.filter(kind="info", status__in=done).count() == 2

    await eventually(both_recorded)


async def test_the_card_gives_the_convenor_a_one_time_telegram_link(process):
    meeting = await karins_meeting(MONDAY_9 + timedelta(days=7))
    await Person.filter(phone=AMINA).update(preferred_channel=Channel.TELEGRAM)
    karin = Chat(process, KARIN)
    await karin.send("/meetings", expect="Dina möten")
    await karin.tap(f"{meeting.id}: Amina")
    await karin.tap("Telegram-länk")
    text = karin.last()
    assert "https://t.me/flerpart_local_bot?start=p_" in text
    code = re.search(r"/start (p_[\w-]+)", text).group(1)
    await process.services.telegram_standin.user_sends(9200, f"/start {code}")
    await eventually(lambda: Person.exists(phone=AMINA, telegram_chat_id=9200))
    # Linked: the card no longer offers the link.
    await karin.send("/meetings", expect="Dina möten")
    await karin.tap(f"{meeting.id}: Amina")
    newest_card = karin.bot_messages()[-1]
    assert "Telegram" not in str(newest_card["buttons"])
