"""Guards found in review: a reply never lands on a draft, a STOP is undone only by a
start word, a number that opted out stays out on every row, a no that overtakes its
reminder still stops it, a preview makes no page key, and the page words the person's
line for whoever reads it."""

from __future__ import annotations

from datetime import timedelta

from flows.core import own_words
from flows.core.clock import clock
from flows.core.i18n import use_locale
from flows.meetings.meeting_card import make_texts_plain, preview, sms_facts
from flows.participants import info_page
from flows.participants.compose import Skip, compose
from flows.participants.replies import handle_reply, next_attendance
from storage.message_models import OutboxMessage
from storage.models import (
    Attendee,
    AttendeeResponse,
    AttendeeRole,
    Channel,
    InfoLink,
    Meeting,
    MeetingStatus,
    Person,
)
from tests.factories import convenor, meeting_with_attendees, page_token

AMINA = "+46701740605"


async def test_a_reply_is_for_the_planned_meeting_not_a_nearer_draft(db):
    karin = await convenor()
    now = clock.now()
    draft = await meeting_with_attendees(now + timedelta(days=2), karin)
    await Meeting.filter(id=draft.id).update(status=MeetingStatus.DRAFT)
    planned = await meeting_with_attendees(now + timedelta(days=9), karin)
    person = await Person.get(attendances__meeting=draft)
    await Attendee.filter(meeting=planned).update(person=person)
    seat = await next_attendance(person, now)
    assert seat is not None and seat.meeting_id == planned.id


async def test_after_a_stop_only_a_start_word_starts_again(db):
    karin = await convenor()
    now = clock.now()
    meeting = await meeting_with_attendees(now + timedelta(days=5), karin)
    person = await Person.get(attendances__meeting=meeting, phone=AMINA)
    await handle_reply(person, "STOPP", "sms", now)
    for text in ("ok", "Ja tack", "👍", "jag kommer"):
        how, _ = await handle_reply(person, text, "sms", now)
        assert how != "opt_in", text
        assert (await Person.get(id=person.id)).opted_out
    how, _ = await handle_reply(person, "Ja", "sms", now)
    assert how == "opt_in" and not (await Person.get(id=person.id)).opted_out


async def test_a_number_that_opted_out_gets_nothing_through_a_new_row(db):
    karin = await convenor()
    now = clock.now()
    old = await meeting_with_attendees(now + timedelta(days=3), karin)
    await Person.filter(attendances__meeting=old).update(opted_out_at=now)
    new = await meeting_with_attendees(now + timedelta(days=10), karin)  # same number
    fresh = await Person.get(attendances__meeting=new)
    assert not fresh.opted_out
    message = await OutboxMessage.create(
        meeting=new, person=fresh, channel=Channel.SMS, kind="info",
        template="info_participant", locale="sv", due_at=now, next_attempt_at=now,
    )  # fmt: skip
    assert isinstance(await compose(message, now), Skip)


async def test_a_no_that_overtakes_its_reminder_stops_it(db):
    karin = await convenor()
    now = clock.now()
    meeting = await meeting_with_attendees(now + timedelta(days=3), karin)
    person = await Person.get(attendances__meeting=meeting)
    message = await OutboxMessage.create(
        meeting=meeting, person=person, channel=Channel.SMS, kind="reminder",
        template="reminder_participant", locale="sv", due_at=now, next_attempt_at=now,
    )  # fmt: skip
    await Attendee.filter(meeting=meeting).update(response=AttendeeResponse.DECLINED)
    assert isinstance(await compose(message, now), Skip)


async def test_a_preview_makes_no_page_key(db):
    karin = await convenor()
    meeting = await meeting_with_attendees(clock.now() + timedelta(days=3), karin)
    with use_locale("sv"):
        await preview(meeting)
    assert not await InfoLink.exists()


async def test_the_page_says_its_your_meeting_only_on_the_persons_own_link(db):
    karin = await convenor()
    meeting = await meeting_with_attendees(
        clock.now() + timedelta(days=3), karin, phones=(AMINA, "+46701740606")
    )
    await Attendee.filter(meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS).update(why="")
    amina, erik = await Attendee.filter(meeting=meeting).order_by("id")
    for seat, expected in ((amina, "It is your meeting."), (erik, "The meeting is about Amina.")):
        view = await info_page.info_for(await page_token(meeting, seat), clock.now(), "en")
        assert isinstance(view, info_page.InfoView)
        [line] = [line for line in view.attendees if line.name == "Amina"]
        assert line.why == expected


async def test_the_persons_own_purpose_is_checked_and_made_plain_too(db):
    karin = await convenor()
    meeting = await meeting_with_attendees(clock.now() + timedelta(days=3), karin)
    own_words.store(meeting, own_words.PURPOSE, "en", "We make a “plan” – together")
    await meeting.save()
    with use_locale("sv"):
        lines, typographic = await sms_facts(meeting, "Hej")
    assert typographic and "“" in " ".join(lines)
    assert await make_texts_plain(meeting) == 1
    meeting = await Meeting.get(id=meeting.id)
    assert own_words.versions(meeting, own_words.PURPOSE) == {"en": 'We make a "plan" - together'}
