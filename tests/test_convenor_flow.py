"""The convenor's whole journey through PTB and the Telegram stand-in, on both databases:
invited, prepares a meeting with three attendees, restarts mid-way and resumes,
completes the checklist (one item not applicable), sends the information, moves
the meeting, and closes it with two action items."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.meetings import checklists, notes_request
from flows.staff.onboarding import create_invitation
from storage.message_models import OutboxMessage
from storage.models import (
    ActionItem,
    Attendee,
    AttendeeRole,
    Checklist,
    ChecklistTick,
    Consent,
    ConsentKind,
    Meeting,
    MeetingStatus,
    Note,
    OutboxStatus,
    StaffRole,
    TickState,
)
from tests.chat_driver import Chat
from tests.conftest import local_process

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY_9 = datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM)  # within SMS hours, not a holiday
KARIN = 701


@asynccontextmanager
async def running(tmp_path, env) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path, **env) as process:
        yield process


async def join(process: FlerpartProcess, user_id: int = KARIN, role=StaffRole.CONVENOR) -> Chat:
    code, _ = await create_invitation(role, "Team Nord")
    chat = Chat(process, user_id)
    await chat.send(f"/start {code}", expect="Welcome")
    return chat


async def prepare_until_attendees(chat: Chat) -> None:
    await chat.send("/new", expect="What is the meeting for?")
    await chat.send(
        "We make a plan for your work. You decide with us.", expect="What kind of meeting"
    )
    await chat.tap("Follow-up")
    replies = await chat.send("31/2 10:00", expect="does not exist")
    assert "When is the meeting?" in replies[-1]["text"]  # the question stands
    await chat.send("2020-01-01 10:00", expect="already passed")
    await chat.send("tomorrow 10", expect="I understood: Tuesday 2 March 2027, 10:00")
    await chat.tap("Yes")
    await chat.tap("60 min")
    await chat.send("Kommunhuset, room Ekan", expect="Who is the meeting about?")
    await chat.send("Amina", expect="Which language")
    await chat.tap("Svenska")
    # Karin writes in English; Amina reads Swedish: the purpose again, in Swedish.
    await chat.send(
        "Vi gör en plan för ditt jobb. Du bestämmer med oss.", expect="interpreter needed"
    )
    await chat.tap("No")  # no interpreter
    await chat.tap("SMS")
    await chat.send("12345", expect="not a mobile number")
    await chat.send("070-174 06 05", expect="agreed that we contact them")
    # With the same tap: one question in a few months about what she does then (issue 16).
    await chat.tap("Yes, and to one question in a few months")


async def add_attendee(chat: Chat, name: str, agency: str, role: str, phone: str) -> None:
    await chat.send(name, expect="Where does")
    await chat.tap(agency)
    await chat.tap(role)
    await chat.send(f"{name} helps you with the next step.", expect="How do we reach")
    await chat.send(phone, expect=f"Added: {name}")
    await chat.tap("Yes, record it now")  # their consent to be contacted


async def test_a_convenor_prepares_runs_and_closes_a_meeting(tmp_path, database_env):
    clock.set(MONDAY_9.astimezone(ZoneInfo("UTC")))
    async with running(tmp_path, database_env) as process:
        chat = await join(process)
        await prepare_until_attendees(chat)
        await add_attendee(chat, "Erik", "Försäkringskassan", "agency staff", "070-174 06 06")
        await add_attendee(chat, "Lena", "Municipality", "referrer", "070-174 06 07")
        await chat.send("Johan", expect="Where does")  # half an attendee, then a restart

    async with running(tmp_path, database_env) as process:
        chat = Chat(process, KARIN)
        replies = await chat.send("/prep", expect="Where we left off")
        assert "Where does Johan work?" in replies[-1]["text"]
        await chat.tap("Region")
        await chat.tap("agency staff")
        await chat.send("Johan knows your health care.", expect="How do we reach")
        await chat.send("+46 70 174 06 08", expect="Added: Johan")
        await chat.tap("Yes, record it now")
        await chat.tap("No more attendees")
        await chat.wait_for("Preparation ▱▱▱▱▱ 0/9")

        meeting = await Meeting.get()
        assert meeting.status is MeetingStatus.DRAFT
        assert meeting.starts_at == datetime(2027, 3, 2, 10, 0, tzinfo=STOCKHOLM)
        assert meeting.ends_at - meeting.starts_at == timedelta(minutes=60)
        attendees = await Attendee.filter(meeting=meeting).prefetch_related("person")
        assert sorted(a.person.first_name for a in attendees) == ["Amina", "Erik", "Johan", "Lena"]
        amina = next(a for a in attendees if a.role is AttendeeRole.PERSON_IN_FOCUS)
        assert amina.person.phone == "+46701740605" and amina.person.language == "sv"
        consent = await Consent.get(person=amina.person, kind=ConsentKind.CONTACT_SMS)
        assert consent.recorded_by_id is not None and consent.given_at is not None
        later = await Consent.get(person=amina.person, kind=ConsentKind.OUTCOME_QUESTION)
        assert later.recorded_by_id == consent.recorded_by_id
        assert meeting.cautions_accepted == []  # no guard rail was hit

        # The checklist: everything done but the interpreter, which is not applicable.
        for item in checklists.items(Checklist.PREPARATION):
            await chat.tap("Not applicable" if item.key == "interpreter" else "Done")
        assert "The preparation checklist is complete." in chat.last()
        assert "▰▰▰▰▰ 8/8" in chat.last()
        ticks = await ChecklistTick.filter(meeting=meeting, checklist=Checklist.PREPARATION)
        assert len(ticks) == 9
        assert [t.item_key for t in ticks if t.state is TickState.NOT_APPLICABLE] == ["interpreter"]

        # Send the information: four SMS go out through Twilio's stand-in.
        await chat.tap("Meeting card")
        await chat.tap("Send information")
        assert "on its way: 4 messages." in chat.texts()
        sent = await process.services.twilio_standin.wait_for_sent(4)
        assert {m["to"] for m in sent} == {f"+4670174060{n}" for n in (5, 6, 7, 8)}

        # Move it: those informed get one notice each; reminders follow the new time.
        await chat.tap("✏️ Time")
        await chat.send("3/3 14:00", expect="Wednesday 3 March 2027, 14:00")
        await chat.tap("Yes")
        assert "Changed. 4 people were told." in chat.texts()
        await process.services.twilio_standin.wait_for_sent(8)
        notices = await OutboxMessage.filter(kind="change")
        assert len(notices) == 4
        pending = await OutboxMessage.filter(kind="reminder", status=OutboxStatus.SCHEDULED)
        new_start = datetime(2027, 3, 3, 14, 0, tzinfo=STOCKHOLM)
        assert pending and all(m.expires_at == new_start for m in pending)
        stale = await OutboxMessage.filter(kind="reminder", status=OutboxStatus.CANCELLED)
        # Planned for Tuesday, only "2 hours before" was still ahead; for Wednesday both are.
        assert (len(stale), len(pending)) == (4, 8)

        # After the planned end the bot asks by itself; the notes take a few taps.
        clock.set((new_start + timedelta(minutes=75)).astimezone(ZoneInfo("UTC")))
        assert await notes_request.queue_notes_requests(clock.now()) == 1
        assert await notes_request.queue_notes_requests(clock.now()) == 0  # asked once
        process.services.dispatcher.wake()
        await chat.wait_for("has ended")
        await chat.tap("After the meeting")
        await chat.tap("It was held")
        await chat.send("I want to try a job with animals.", expect="What was decided?")
        await chat.send("You start a work trial in April.", expect="Noted.")
        await chat.tap("No more decisions")
        await chat.wait_for("Please write the decisions in Swedish too")
        await chat.send("Du börjar en arbetsträning i april.", expect="what is to be done?")
        await chat.send("Book a visit to the workplace", expect="Who does it?")
        await chat.tap("Erik")
        await chat.send("2027-03-10", expect="Added to the action plan")
        await chat.send("Check the money for April", expect="Who does it?")
        await chat.tap("Lena")
        await chat.send("someday", expect="could not read that")
        await chat.send("friday", expect="Added to the action plan")
        await chat.tap("No more items")
        await chat.tap("Lena")  # gives the feedback
        feedback_day = date(2027, 3, 10)  # five working days after Wednesday 3 March
        await chat.tap(feedback_day.isoformat())
        await chat.tap("No")  # no next meeting
        await chat.tap("4 · ")  # the step on the ladder they agreed on
        # Amina agreed to the outcome question in /new: /after does not ask again.
        preview = chat.last()
        assert "This is what Amina will get" in preview
        assert "Vi bestämde: Du börjar en arbetsträning i april." in preview  # Amina's Swedish
        # The action items are Karin's English words: the summary says so.
        assert "(på engelska): Book a visit to the workplace." in preview
        await chat.tap("Send it and plan the survey")
        assert "The summary is on its way (1 message) and 1 survey is planned" in chat.last()

        meeting = await Meeting.get(id=meeting.id)
        assert meeting.status is MeetingStatus.HELD and meeting.closed_at is not None
        assert meeting.feedback_due == feedback_day
        items = await ActionItem.filter(meeting=meeting).order_by("id")
        assert [(i.what, i.due) for i in items] == [
            ("Book a visit to the workplace", date(2027, 3, 10)),
            ("Check the money for April", date(2027, 3, 5)),
        ]
        assert await Note.filter(meeting=meeting).count() == 2
        assert await OutboxMessage.filter(kind="survey").count() == 1
        assert await OutboxMessage.filter(kind="follow_up").count() == 3  # 2 items + feedback
        summary = await process.services.twilio_standin.wait_for_sent(9)
        assert summary[-1]["to"] == "+46701740605"
