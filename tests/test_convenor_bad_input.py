"""Every bad input in the convenor's flows gets a clear answer and stores nothing wrong:
stale and forged buttons, other people's meetings, text that is too long or not a
name, hard-to-read purposes, guard rails, and cancelling a meeting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.process import FlerpartProcess
from flows.core.clock import clock
from storage.message_models import OutboxMessage
from storage.models import (
    ConversationState,
    Meeting,
    MeetingStatus,
    Note,
    NoteKind,
    OutboxStatus,
    Person,
    StaffRole,
    StaffUser,
)
from tests.chat_driver import Chat
from tests.conftest import local_process
from tests.factories import convenor, meeting_with_attendees

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY_9 = datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM)
KARIN, OLLE = 801, 802
OUT_OF_DATE = "This button is out of date."


@pytest.fixture
async def process(tmp_path) -> AsyncIterator[FlerpartProcess]:
    clock.set(MONDAY_9)
    async with local_process(tmp_path) as running:
        for user_id in (KARIN, OLLE):
            staff = await convenor(user_id)
            staff.language = "en"
            await staff.save()
        yield running


async def karins_meeting() -> Meeting:
    karin = await StaffUser.get(telegram_user_id=KARIN)
    return await meeting_with_attendees(
        MONDAY_9 + timedelta(days=2), karin, phones=("+46701740605", "+46701740606")
    )


async def test_text_outside_a_flow_points_to_help(process):
    chat = Chat(process, KARIN)
    await chat.send("hello 🙂", expect="I am not asking anything right now")


async def test_an_unknown_command_from_staff_is_answered(process):
    await Chat(process, KARIN).send("/frobnicate", expect="I do not know that command")


async def test_too_long_purpose_is_refused_and_nothing_is_created(process):
    chat = Chat(process, KARIN)
    await chat.send("/new", expect="What is the meeting for?")
    replies = await chat.send("word " * 1200, expect="That is too long")
    assert "What is the meeting for?" in replies[-1]["text"]
    assert await Meeting.all().count() == 0


async def test_a_hard_purpose_shows_lix_and_can_be_rewritten(process):
    chat = Chat(process, KARIN)
    await chat.send("/new", expect="What is the meeting for?")
    await chat.send(
        "Syftet med sammanträdet är att genomföra en gemensam kartläggning av "
        "arbetsförmågan inför eventuell arbetslivsinriktad rehabilitering.",
        expect="shorter sentences, fewer long words",
    )
    await chat.tap("Write it again")
    await chat.send("Vi gör en plan för ditt arbete.", expect="Easy to read")
    assert (await Meeting.get()).purpose == "Vi gör en plan för ditt arbete."


async def test_a_stale_step_button_changes_nothing(process):
    chat = Chat(process, KARIN)
    await chat.send("/new", expect="What is the meeting for?")
    await chat.send("We make a plan.", expect="What kind of meeting")
    old_message, first_meeting = chat.find_button("First meeting")
    await chat.tap("Follow-up")
    assert await chat.press(old_message["message_id"], first_meeting["data"]) == OUT_OF_DATE
    assert (await Meeting.get()).kind.value == "follow_up"
    assert await chat.press(old_message["message_id"], "v999:a:first") == OUT_OF_DATE
    assert "When is the meeting?" in chat.last()


async def test_buttons_after_cancel_are_out_of_date(process):
    chat = Chat(process, KARIN)
    await chat.send("/new", expect="What is the meeting for?")
    await chat.send("We make a plan.", expect="What kind of meeting")
    await chat.send("/cancel", expect="Stopped")
    assert await chat.tap("First meeting") == OUT_OF_DATE
    assert (await Meeting.get()).kind.value == "first"  # the default, not a press


async def test_wrong_names_phones_and_choices_are_explained(process):
    chat = Chat(process, KARIN)
    await chat.send("/new", expect="What is the meeting for?")
    await chat.send("We make a plan.", expect="What kind of meeting")
    await chat.send("a follow-up", expect="Please tap one of the buttons")
    await chat.tap("Follow-up")
    await chat.send("tomorrow 10", expect="I understood")
    await chat.send("yes", expect="Please tap one of the buttons")
    await chat.tap("Yes")
    await chat.send("forever", expect="between 15 and 480")
    await chat.send("75", expect="Where is the meeting?")
    await chat.send("Room 1", expect="Who is the meeting about?")
    await chat.send("🙂🙂", expect="Please write a first name")
    await chat.send("x" * 81, expect="Please write a first name")
    await chat.send("Amina 🙂", expect="Which language")
    meeting = await Meeting.get()
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=75)


async def test_another_convenors_meeting_buttons_do_nothing(process):
    meeting = await karins_meeting()
    karin, olle = Chat(process, KARIN), Chat(process, OLLE)
    await karin.send("/meetings", expect="Your meetings")
    await karin.tap(f"{meeting.id}: Amina")
    _card, cancel = karin.find_button("Cancel the meeting")
    # Olle replays Karin's button data from his own chat: no hint, no change.
    await olle.send("/meetings", expect="No upcoming or open meetings")
    olle_message = olle.bot_messages()[-1]["message_id"]
    for data in (cancel["data"], f"m{meeting.id}:cancel:yes", "m99999:send", "mx:1", "junk"):
        assert await olle.press(olle_message, data) == OUT_OF_DATE
    assert (await Meeting.get(id=meeting.id)).status is MeetingStatus.PLANNED


async def test_a_stranger_pressing_a_button_gets_one_polite_sentence(process):
    meeting = await karins_meeting()
    stranger = Chat(process, 999)
    await stranger.send("/start", expect="only for invited staff")
    message = stranger.bot_messages()[-1]["message_id"]
    await stranger.press(message, f"m{meeting.id}:cancel:yes")
    assert stranger.last() == "Sorry, this bot is only for invited staff."
    assert (await Meeting.get(id=meeting.id)).status is MeetingStatus.PLANNED


async def test_guard_rails_warn_and_are_overridden_with_one_tap(process):
    chat = Chat(process, KARIN)
    await chat.send("/new", expect="What is the meeting for?")
    await chat.send("We make a plan.", expect="What kind of meeting")
    await chat.tap("First meeting")
    await chat.send("tomorrow 10", expect="I understood")
    await chat.tap("Yes")
    await chat.tap("60 min")
    await chat.send("Room 1", expect="Who is the meeting about?")
    await chat.send("Amina", expect="Which language")
    await chat.tap("Svenska")
    await chat.tap("Skip")  # Karin writes English; Amina gets the purpose marked as such
    await chat.tap("Yes")  # an interpreter is needed
    await chat.tap("SMS")
    await chat.send("070-174 06 05", expect="agreed")
    await chat.tap("Not yet")
    for name, phone in (("Erik", "070-174 06 06"), ("Eva", "070-174 06 07")):
        await chat.send(name, expect="Where does")
        await chat.tap("Försäkringskassan")
        await chat.tap("agency staff")
        await chat.send("Knows your sick pay.", expect="How do we reach")
        await chat.send(phone, expect=f"Added: {name}")  # one number is one person
        await chat.tap("Yes, record it now")
    await chat.tap("No more attendees")
    warning = chat.last()
    for expected in (
        "The referrer is not invited.",
        "More than one person comes from Försäkringskassan.",  # it names the agency
        "An interpreter is needed, but none is invited.",
    ):
        assert expected in warning
    assert "Försäkringskassan may not take part" not in warning  # Amina attends
    await chat.tap("Go on anyway")
    meeting = await Meeting.get()
    assert meeting.cautions_accepted == ["no_interpreter", "no_referrer", "same_agency"]
    assert "Preparation" in chat.last()
    assert "consent ✗" in chat.texts()


async def test_cancelling_stops_everything_pending_and_tells_the_informed(process):
    meeting = await karins_meeting()
    chat = Chat(process, KARIN)
    await chat.send("/meetings", expect="Your meetings")
    await chat.tap(f"{meeting.id}: Amina")
    await chat.tap("Send information")
    await process.services.twilio_standin.wait_for_sent(2)
    assert await OutboxMessage.filter(kind="reminder", status=OutboxStatus.SCHEDULED).count() == 4
    await chat.send("/meetings", expect="Your meetings")
    await chat.tap(f"{meeting.id}: Amina")
    await chat.tap("Cancel the meeting")
    confirm, yes = chat.find_button("Yes, cancel it")
    await chat.press(confirm["message_id"], yes["data"])
    assert "Cancelled. 2 people were told." in chat.texts()
    assert (await Meeting.get(id=meeting.id)).status is MeetingStatus.CANCELLED
    assert not await OutboxMessage.filter(kind="reminder", status=OutboxStatus.SCHEDULED).exists()
    sent = await process.services.twilio_standin.wait_for_sent(4)
    assert all("blir inte av" in m["body"] for m in sent[2:])
    # The confirmation is used up: pressing it again changes nothing and sends nothing.
    assert await chat.press(confirm["message_id"], yes["data"]) == OUT_OF_DATE
    assert len(process.services.twilio_standin.sent) == 4


async def test_a_coordinator_sees_the_teams_meetings_but_prepares_none(process):
    await karins_meeting()
    team = await (await StaffUser.get(telegram_user_id=KARIN)).team
    await StaffUser.create(
        telegram_user_id=803,
        display_name="Sam",
        role=StaffRole.COORDINATOR,
        team=team,
        language="en",
    )
    chat = Chat(process, 803)
    await chat.send("/new", expect="Only convenors prepare meetings")
    replies = await chat.send("/meetings", expect="Your team's meetings")
    assert "Amina" in replies[-1]["text"] and replies[-1]["buttons"] == []


async def test_the_convenor_records_that_the_person_withdrew_consent(process):
    meeting = await karins_meeting()
    chat = Chat(process, KARIN)
    await chat.send("/meetings", expect="Your meetings")
    await chat.tap(f"{meeting.id}: Amina")
    await chat.tap("Send information")
    await process.services.twilio_standin.wait_for_sent(2)
    assert await OutboxMessage.filter(
        kind="reminder", status=OutboxStatus.SCHEDULED, person__phone="+46701740605"
    ).exists()
    await chat.send("/meetings", expect="Your meetings")
    await chat.tap(f"{meeting.id}: Amina")
    await chat.tap("The person withdrew consent")
    assert "(consent ✗)" in chat.last()
    assert not await OutboxMessage.filter(
        status=OutboxStatus.SCHEDULED, person__phone="+46701740605"
    ).exists()
    # Erik's messages are his own: untouched.
    assert await OutboxMessage.filter(
        status=OutboxStatus.SCHEDULED, person__phone="+46701740606"
    ).exists()
    chat.find_button("Record the person's consent")


# Typed text is protected against repeats as buttons are ---------------------------------
async def _at_the_place(chat: Chat) -> None:
    await chat.send("/new", expect="What is the meeting for?")
    await chat.send("We make a plan.", expect="What kind of meeting")
    await chat.tap("Follow-up")
    await chat.send("tomorrow 10", expect="I understood")
    await chat.tap("Yes")
    await chat.tap("60 min")


async def test_a_redelivered_text_update_does_not_answer_the_next_question(process):
    """Telegram delivers an update again when the bot did not confirm it in time: the
    place must not become the name of the person in focus."""
    chat = Chat(process, KARIN)
    await _at_the_place(chat)
    await chat.send("Room 1", expect="Who is the meeting about?")
    assert await chat.redeliver(chat.last_update) == []
    await chat.send("Sara", expect="Which language should Sara get messages in?")
    assert [p.first_name for p in await Person.all()] == ["Sara"]
    assert (await Meeting.get()).place == "Room 1"


async def test_a_text_sent_twice_at_once_answers_one_question(process):
    chat = Chat(process, KARIN)
    await _at_the_place(chat)
    new = await chat.send_twice_at_once("Room 1", expect="Who is the meeting about?")
    assert [m["text"] for m in new if "Who is the meeting about?" in m["text"]] != []
    assert not any("Which language" in m["text"] for m in new)
    assert await Person.all().count() == 0
    state = await ConversationState.get(staff_user__telegram_user_id=KARIN)
    assert state.step == "person_name"


async def test_decisions_typed_one_after_another_are_all_kept(process):
    """A loop step takes every new message, even one typed before "Noted." came back."""
    karin = await StaffUser.get(telegram_user_id=KARIN)
    meeting = await meeting_with_attendees(MONDAY_9 - timedelta(hours=3), karin)
    chat = Chat(process, KARIN)
    await chat.send("/after", expect="How did the meeting go?")
    await chat.tap("It was held")
    await chat.tap("Skip")
    await chat.send_twice_at_once("Sara applies for a course.", expect="Noted.")
    await chat.send("Sara applies for a course.", expect="Noted.")
    await chat.send("Johan books a visit.", expect="Noted.")
    decisions = await Note.filter(meeting=meeting, kind=NoteKind.DECISION).count()
    assert decisions == 3  # the double send counted once; the same words later again
