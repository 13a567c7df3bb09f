"""/after and the bot's own request for notes, driven through flows.meetings.convenor as the
Telegram layer does (button presses by their data), on both databases.

Who gets back to the person: never the person themself, the convenor always ("me"),
and the convenor alone when nobody else was there. The request for notes only for
meetings whose information was sent. And /new during /new asks before it drops
the draft."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flows.core.clock import clock
from flows.core.dialog import Press, Reply
from flows.core.i18n import use_locale
from flows.meetings import convenor, notes_request
from flows.participants.templates import render
from storage.message_models import OutboxMessage
from storage.models import Attendee, Meeting, MeetingStatus, StaffRole, StaffUser
from tests.factories import convenor as make_convenor
from tests.factories import meeting_with_attendees

STHLM = ZoneInfo("Europe/Stockholm")


def _data(replies: list[Reply], label: str) -> Press:
    for reply in reversed(replies):
        for row in reply.buttons:
            for button in row:
                if button.label.startswith(label):
                    return button.press
    raise AssertionError(f"no button {label!r} in {[r.buttons for r in replies]}")


def _labels(reply: Reply) -> list[str]:
    return [button.label for row in reply.buttons for button in row]


async def _until_feedback(staff: StaffUser, meeting: Meeting) -> list[Reply]:
    """/after on a held meeting: no view, no decisions, no action items."""
    replies = await convenor.after(staff, meeting)
    replies = await convenor.on_answer(staff, _data(replies, "It was held"))
    replies = await convenor.on_answer(staff, _data(replies, "Skip"))
    replies = await convenor.on_answer(staff, _data(replies, "No more decisions"))
    return await convenor.on_answer(staff, _data(replies, "No more items"))


async def _ended_meeting(staff: StaffUser, **kwargs) -> Meeting:
    start = clock.now().astimezone(STHLM) - timedelta(hours=3)
    return await meeting_with_attendees(start, staff, **kwargs)


async def _summary(meeting: Meeting) -> str:
    amina = await Attendee.get(meeting=meeting, role="person_in_focus").prefetch_related("person")
    message = OutboxMessage(
        meeting=meeting, person=amina.person, template="after_summary", locale="sv", params={}
    )
    with use_locale("sv"):
        return await render(message, meeting)


async def test_the_person_is_never_offered_as_who_gets_back_to_them(db):
    staff = await make_convenor()
    staff.display_name, staff.language = "Karin Berg", "en"
    await staff.save()
    colleague = await StaffUser.create(
        telegram_user_id=777,
        display_name="Erik Ek",
        role=StaffRole.CONVENOR,
        team_id=staff.team_id,
        language="sv",
    )
    meeting = await _ended_meeting(staff, phones=("+46701740605",), staff_attendee=colleague)
    with use_locale("en"):
        replies = await _until_feedback(staff, meeting)
        question = replies[-1]
        assert question.text.startswith("Who gets back to the person")
        labels = _labels(question)
        assert labels[0] == "Me (Karin Berg)"
        assert any(label.startswith("Erik Ek") for label in labels)
        assert not any(label.startswith("Amina") for label in labels)
        # "Me": the convenor gets back to her; the summary names Karin.
        replies = await convenor.on_answer(staff, _data(replies, "Me"))
        assert replies[-1].text.startswith("By when?")
        await convenor.on_answer(staff, replies[-1].buttons[0][0].press)
    assert not await Attendee.filter(meeting=meeting, gives_feedback=True).exists()
    meeting = await Meeting.get(id=meeting.id)
    assert "Karin hör av sig till dig senast" in await _summary(meeting)


async def test_a_meeting_with_only_the_person_makes_the_convenor_the_one_who_gets_back(db):
    staff = await make_convenor()
    staff.language = "en"
    await staff.save()
    meeting = await _ended_meeting(staff, phones=("+46701740605",))
    with use_locale("en"):
        replies = await _until_feedback(staff, meeting)
        # Not asked at all: nobody but the convenor could do it.
        assert "You get back to the person yourself" in replies[0].text
        assert replies[-1].text.startswith("By when?")
        await convenor.on_answer(staff, replies[-1].buttons[0][0].press)
    meeting = await Meeting.get(id=meeting.id)
    assert meeting.feedback_due is not None
    assert not await Attendee.filter(meeting=meeting, gives_feedback=True).exists()
    summary = await _summary(meeting)
    assert "Karin hör av sig till dig senast" in summary
    assert "Amina hör av sig" not in summary


async def test_a_person_chosen_before_this_fix_is_not_named_as_contacting_themself(db):
    staff = await make_convenor()
    meeting = await _ended_meeting(staff, phones=("+46701740605",))
    await Attendee.filter(meeting=meeting).update(gives_feedback=True)
    meeting.feedback_due = clock.now().date() + timedelta(days=7)
    await meeting.save()
    summary = await _summary(meeting)
    assert "Amina hör av sig" not in summary and "Karin hör av sig" in summary


async def test_notes_are_requested_only_for_meetings_whose_information_was_sent(db):
    staff = await make_convenor()
    never_sent = await _ended_meeting(staff)
    never_sent.status = MeetingStatus.DRAFT
    await never_sent.save()
    sent = await _ended_meeting(staff, phones=("+46701740606",))
    sent.info_sent_at = sent.starts_at - timedelta(days=5)
    await sent.save()
    due = await notes_request.meetings_awaiting_notes(clock.now())
    assert [m.id for m in due] == [sent.id]


async def _preparing(staff: StaffUser) -> Meeting:
    """/new, the purpose written: a draft meeting exists and the kind is asked."""
    await convenor.new(staff)
    replies = await convenor.on_text(staff, "Vi gör en plan för hösten.")
    assert replies[-1].text.startswith("What kind of meeting")
    return await Meeting.get(convenor=staff, status=MeetingStatus.DRAFT)


async def test_new_during_new_asks_before_dropping_the_draft(db):
    staff = await make_convenor()
    with use_locale("en"):
        draft = await _preparing(staff)
        [question] = await convenor.new(staff)
        assert "drop it and start over" in question.text
        assert _labels(question) == ["Keep going", "Drop it and start over"]
        # Keep going: back to the question where she was, the draft untouched.
        replies = await convenor.on_answer(staff, _data([question], "Keep going"))
        assert replies[-1].text.startswith("What kind of meeting")
        assert (await Meeting.get(id=draft.id)).status is MeetingStatus.DRAFT
        [question] = await convenor.new(staff)
        [again] = await convenor.new(staff)  # asked twice: still the same question
        assert _labels(again) == ["Keep going", "Drop it and start over"]
        replies = await convenor.on_answer(staff, _data([again], "Drop it and start over"))
        assert "dropped" in replies[0].text
        assert replies[-1].text.startswith("What is the meeting for?")
    assert (await Meeting.get(id=draft.id)).status is MeetingStatus.CANCELLED
    with use_locale("en"):
        replies = await convenor.on_text(staff, "Vi pratar om jobb.")
        assert replies[-1].text.startswith("What kind of meeting")
    fresh = await Meeting.get(convenor=staff, status=MeetingStatus.DRAFT)
    assert fresh.id != draft.id and fresh.purpose == "Vi pratar om jobb."


async def test_new_before_anything_was_written_just_starts(db):
    staff = await make_convenor()
    with use_locale("en"):
        await convenor.new(staff)
        [question] = await convenor.new(staff)
    assert question.text.startswith("What is the meeting for?")
