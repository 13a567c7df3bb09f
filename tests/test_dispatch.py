"""The outbox through the whole process: real dispatcher, real clients, stand-ins, our webhooks.

Time is the process's one clock, moved forward by the tests; no sleeps stand
in for scheduling.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_settings
from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.outbox.campaign import (
    schedule_follow_up,
    schedule_information,
    schedule_reminders,
    schedule_survey,
)
from flows.outbox.delivery import record_status
from storage.message_models import OutboxMessage
from storage.models import (
    ActionItem,
    ActionStatus,
    Attendee,
    Consent,
    Meeting,
    MeetingStatus,
    OutboxStatus,
    Person,
    StaffUser,
)
from storage.record_models import AuditEvent
from tests.conftest import eventually, migrated_sqlite, truncate_postgres
from tests.factories import convenor, meeting_with_attendees

STHLM = ZoneInfo("Europe/Stockholm")
CONVENOR_CHAT = 501


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def process(request, tmp_path) -> AsyncIterator[FlerpartProcess]:
    if request.param == "sqlite":
        url = migrated_sqlite(tmp_path)
    else:
        url = request.getfixturevalue("postgres_url")
        await truncate_postgres(url)
    settings = load_settings(
        environ={
            "DATABASE_URL": url,
            "PORT": "0",
            "SMS_PER_SECOND": "50",
            "TWILIO_TIMEOUT_SECONDS": "1",
        },
        dotenv=None,
    )
    running = FlerpartProcess(settings)
    await running.start()
    # An invited convenor who has talked to the bot, so Telegram lets it write to them.
    await convenor(CONVENOR_CHAT)
    running.services.telegram_standin.user_has_started(CONVENOR_CHAT)
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def convenor_only(db) -> StaffUser:
    """The convenor in the database, no process: for planning the dispatcher has no part in."""
    return await convenor(CONVENOR_CHAT)


async def the_convenor() -> StaffUser:
    return await StaffUser.get(telegram_user_id=CONVENOR_CHAT)


def next_week_at(hour: int) -> datetime:
    day = (clock.now().astimezone(STHLM) + timedelta(days=7)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=STHLM)


async def move_clock_to(process: FlerpartProcess, moment: datetime) -> None:
    clock.set(moment)
    process.services.dispatcher.wake()


async def statuses(meeting: Meeting) -> list[str]:
    rows = await OutboxMessage.filter(meeting=meeting, kind="reminder").order_by("due_at", "id")
    return [row.status.value for row in rows]


async def test_reminders_go_out_once_each_when_due(process):
    staff = await the_convenor()
    meeting = await meeting_with_attendees(
        next_week_at(14), staff, phones=("+46701740605", "+46701740606")
    )
    assert await schedule_reminders(meeting) == (4, 0)
    assert await schedule_reminders(meeting) == (0, 0)  # idempotent
    two_days_before = (meeting.starts_at - timedelta(days=2)).astimezone(STHLM)
    await move_clock_to(process, two_days_before.replace(hour=10, minute=0, second=1))
    twilio = process.services.twilio_standin
    sent = await twilio.wait_for_sent(2)
    assert {m["to"] for m in sent} == {"+46701740605", "+46701740606"}
    assert "Påminnelse" in sent[0]["body"] or "påminnelse" in sent[0]["body"]
    # Delivery reports come back signed through /twilio/status.
    await eventually(lambda: OutboxMessage.filter(status=OutboxStatus.DELIVERED).count())
    await eventually(lambda: _count(OutboxMessage.filter(status=OutboxStatus.DELIVERED), 2))
    await move_clock_to(process, meeting.starts_at - timedelta(hours=2, seconds=-1))
    await twilio.wait_for_sent(4)
    await eventually(lambda: _count(OutboxMessage.filter(status=OutboxStatus.DELIVERED), 4))
    assert len(twilio.sent) == 4  # nothing twice


async def _count(query, expected: int) -> bool:
    return await query.count() == expected


async def test_editing_the_time_cancels_old_reminders_and_plans_new_ones(process):
    staff = await the_convenor()
    meeting = await meeting_with_attendees(next_week_at(14), staff)
    await schedule_reminders(meeting)
    meeting.starts_at = meeting.starts_at + timedelta(days=1)
    meeting.ends_at = meeting.ends_at + timedelta(days=1)
    await meeting.save()
    assert await schedule_reminders(meeting) == (2, 2)
    assert sorted(await statuses(meeting)) == ["cancelled"] * 2 + ["scheduled"] * 2
    # Half an hour before the new start both new reminders are due, and not yet stale.
    await move_clock_to(process, meeting.starts_at - timedelta(minutes=30))
    await process.services.twilio_standin.wait_for_sent(2)
    await eventually(lambda: _count(OutboxMessage.filter(status=OutboxStatus.DELIVERED), 2))


async def test_nothing_goes_out_for_a_cancelled_meeting(process):
    staff = await the_convenor()
    meeting = await meeting_with_attendees(next_week_at(14), staff)
    await schedule_reminders(meeting)
    await Meeting.filter(id=meeting.id).update(status=MeetingStatus.CANCELLED)
    await move_clock_to(process, meeting.starts_at - timedelta(hours=1))
    await eventually(lambda: _count(OutboxMessage.filter(status=OutboxStatus.CANCELLED), 2))
    assert process.services.twilio_standin.sent == []


async def test_nothing_goes_out_to_someone_who_opted_out(process):
    staff = await the_convenor()
    meeting = await meeting_with_attendees(next_week_at(14), staff)
    await schedule_reminders(meeting)
    await Person.all().update(opted_out_at=clock.now())
    await move_clock_to(process, meeting.starts_at - timedelta(hours=1))
    await eventually(lambda: _count(OutboxMessage.filter(status=OutboxStatus.CANCELLED), 2))
    assert process.services.twilio_standin.sent == []


async def test_a_reminder_is_never_sent_after_the_start(process):
    staff = await the_convenor()
    meeting = await meeting_with_attendees(next_week_at(14), staff)
    await schedule_reminders(meeting)
    await move_clock_to(process, meeting.starts_at + timedelta(minutes=1))
    await eventually(lambda: _count(OutboxMessage.filter(status=OutboxStatus.EXPIRED), 2))
    assert process.services.twilio_standin.sent == []


async def test_sms_due_in_quiet_hours_waits_for_the_morning(process):
    staff = await the_convenor()
    meeting = await meeting_with_attendees(next_week_at(9), staff)
    await schedule_reminders(meeting)
    rows = await OutboxMessage.filter(meeting=meeting).order_by("due_at")
    # 2 h before 09:00 is 07:00: moved to 08:00 local.
    assert rows[1].due_at.astimezone(STHLM).hour == 8
    late_evening = rows[0].due_at.astimezone(STHLM).replace(hour=21, minute=0)
    # A row that became due at night (e.g. after a retry) is deferred, not sent.
    await OutboxMessage.filter(id=rows[0].id).update(
        next_attempt_at=late_evening.astimezone(UTC), due_at=late_evening.astimezone(UTC)
    )
    await move_clock_to(process, late_evening + timedelta(minutes=1))
    await eventually(lambda: _next_attempt_hour(rows[0].id, 8))
    assert process.services.twilio_standin.sent == []


async def _next_attempt_hour(row_id: int, hour: int) -> bool:
    row = await OutboxMessage.get(id=row_id)
    # Deferring is not a failed try: the claim's attempt is given back.
    return (
        row.status is OutboxStatus.SCHEDULED
        and row.attempts == 0
        and row.next_attempt_at.astimezone(STHLM).hour == hour
    )


async def _only_reminder(process: FlerpartProcess) -> OutboxMessage:
    staff = await the_convenor()
    meeting = await meeting_with_attendees(next_week_at(14), staff)
    await schedule_reminders(meeting)
    # Keep one row: the two-day reminder.
    first = await OutboxMessage.filter(meeting=meeting).order_by("due_at").first()
    await OutboxMessage.filter(meeting=meeting).exclude(id=first.id).delete()
    return first


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_transient_errors_are_retried_with_backoff_then_delivered(process, status):
    row = await _only_reminder(process)
    twilio = process.services.twilio_standin
    twilio.fail_next(status)
    await move_clock_to(process, row.due_at + timedelta(seconds=1))
    retried = await eventually(lambda: _row_if(row.id, OutboxStatus.SCHEDULED, attempts=1))
    assert retried.next_attempt_at >= clock.now() + timedelta(seconds=29)
    assert str(status) in retried.last_error
    await move_clock_to(process, retried.next_attempt_at + timedelta(seconds=1))
    delivered = await eventually(lambda: _row_if(row.id, OutboxStatus.DELIVERED))
    assert delivered.attempts == 2 and delivered.provider_message_id.startswith("SM")


async def test_a_hung_provider_times_out_and_is_retried(process):
    row = await _only_reminder(process)
    process.services.twilio_standin.hang_next(seconds=15)
    await move_clock_to(process, row.due_at + timedelta(seconds=1))
    retried = await eventually(
        lambda: _row_if(row.id, OutboxStatus.SCHEDULED, attempts=1), timeout=5
    )
    assert "unreachable" in retried.last_error


async def test_three_failures_fail_the_message_and_tell_the_convenor(process):
    row = await _only_reminder(process)
    twilio = process.services.twilio_standin
    twilio.fail_next(500, times=3)
    await move_clock_to(process, row.due_at + timedelta(seconds=1))
    for attempt in (1, 2):
        retried = await eventually(
            lambda a=attempt: _row_if(row.id, OutboxStatus.SCHEDULED, attempts=a)
        )
        await move_clock_to(process, retried.next_attempt_at + timedelta(seconds=1))
    failed = await eventually(lambda: _row_if(row.id, OutboxStatus.FAILED))
    assert failed.attempts == 3 and "after 3 attempts" in failed.last_error
    [alert] = await process.services.telegram_standin.wait_for_bot_messages(CONVENOR_CHAT, 1)
    assert "Amina" in alert["text"] and "kom inte fram" in alert["text"]


@pytest.mark.parametrize(("behaviour", "code"), [("invalid", "21211"), ("unsubscribed", "21610")])
async def test_permanent_errors_fail_at_once_and_tell_the_convenor(process, behaviour, code):
    row = await _only_reminder(process)
    process.services.twilio_standin.set_number_behaviour("+46701740605", behaviour)
    await move_clock_to(process, row.due_at + timedelta(seconds=1))
    failed = await eventually(lambda: _row_if(row.id, OutboxStatus.FAILED))
    assert (failed.attempts, failed.error_code) == (1, code)
    [alert] = await process.services.telegram_standin.wait_for_bot_messages(CONVENOR_CHAT, 1)
    assert "Amina" in alert["text"]
    person = await Person.get(phone="+46701740605")
    assert person.opted_out == (code == "21610")


async def _assert_opted_out_like_stop(person: Person) -> None:
    """What STOP to us does: opted out, consents withdrawn, nothing pending, audited."""
    await person.refresh_from_db()
    assert person.opted_out
    assert not await OutboxMessage.filter(person=person, status=OutboxStatus.SCHEDULED).exists()
    consents = await Consent.filter(person=person)
    assert consents and all(c.withdrawn_via == "twilio:21610" for c in consents)
    assert await AuditEvent.filter(action="opt_out", object_id=str(person.id)).count() == 1


async def test_an_opt_out_refused_at_send_time_is_honoured_like_stop(process):
    staff = await the_convenor()
    meeting = await meeting_with_attendees(next_week_at(14), staff)
    await schedule_reminders(meeting)
    first, *later = await OutboxMessage.filter(meeting=meeting).order_by("due_at")
    assert later, "more is planned for the person"
    process.services.twilio_standin.set_number_behaviour("+46701740605", "unsubscribed")
    await move_clock_to(process, first.due_at + timedelta(seconds=1))
    await eventually(lambda: _row_if(first.id, OutboxStatus.FAILED))
    await _assert_opted_out_like_stop(await Person.get(phone="+46701740605"))


async def test_an_opt_out_in_a_delivery_report_is_honoured_like_stop(convenor_only):
    staff = await the_convenor()
    meeting = await meeting_with_attendees(next_week_at(14), staff)
    await schedule_reminders(meeting)
    first = await OutboxMessage.filter(meeting=meeting).order_by("due_at").first()
    await OutboxMessage.filter(id=first.id).update(
        status=OutboxStatus.SENT, provider_message_id="SM-opt-out"
    )
    assert await record_status("SM-opt-out", "undelivered", "21610")
    assert not await record_status("SM-opt-out", "failed", "21610")  # a late repeat: once
    await _assert_opted_out_like_stop(await Person.get(phone="+46701740605"))


async def test_undelivered_report_fails_the_message(process):
    row = await _only_reminder(process)
    process.services.twilio_standin.set_number_behaviour("+46701740605", "undelivered")
    await move_clock_to(process, row.due_at + timedelta(seconds=1))
    failed = await eventually(lambda: _row_if(row.id, OutboxStatus.FAILED))
    assert failed.error_code == "30003"


async def test_telegram_flood_control_is_honoured(process):
    staff = await the_convenor()
    participant_chat = 8080
    process.services.telegram_standin.user_has_started(participant_chat)
    meeting = await meeting_with_attendees(
        next_week_at(14), staff, telegram_chat_id=participant_chat
    )
    await schedule_reminders(meeting)
    first = await OutboxMessage.filter(meeting=meeting).order_by("due_at").first()
    assert first.channel.value == "telegram"
    process.services.telegram_standin.fail_next("sendMessage", 429, retry_after=300)
    await move_clock_to(process, first.due_at + timedelta(seconds=1))
    retried = await eventually(lambda: _row_if(first.id, OutboxStatus.SCHEDULED, attempts=1))
    assert retried.next_attempt_at >= clock.now() + timedelta(seconds=299)


async def test_a_blocked_bot_marks_the_person_unreachable_on_telegram(process):
    staff = await the_convenor()
    participant_chat = 8081
    process.services.telegram_standin.user_has_started(participant_chat)
    process.services.telegram_standin.block_chat(participant_chat)
    meeting = await meeting_with_attendees(
        next_week_at(14), staff, telegram_chat_id=participant_chat
    )
    await schedule_reminders(meeting)
    first = await OutboxMessage.filter(meeting=meeting).order_by("due_at").first()
    await move_clock_to(process, first.due_at + timedelta(seconds=1))
    failed = await eventually(lambda: _row_if(first.id, OutboxStatus.FAILED))
    assert failed.error_code == "blocked"
    person = await Person.get(telegram_chat_id=participant_chat)
    assert person.telegram_unreachable_at is not None


async def _row_if(row_id: int, status: OutboxStatus, attempts: int | None = None):
    row = await OutboxMessage.get(id=row_id)
    if row.status is status and (attempts is None or row.attempts == attempts):
        return row
    return None


# --- survey and follow-up duties ---------------------------------------------


async def test_survey_goes_to_the_person_the_next_working_day_at_ten(process):
    staff = await the_convenor()
    friday = next_week_at(14)
    while friday.weekday() != 4:
        friday += timedelta(days=1)
    meeting = await meeting_with_attendees(friday, staff, phones=("+46701740605", "+46701740606"))
    assert await schedule_survey(meeting) == (0, 0)  # not held yet: nothing
    await Meeting.filter(id=meeting.id).update(status=MeetingStatus.HELD)
    meeting = await Meeting.get(id=meeting.id)
    assert await schedule_survey(meeting) == (1, 0)  # the person in focus only
    row = await OutboxMessage.get(meeting=meeting, kind="survey")
    monday_ten = (friday + timedelta(days=3)).replace(hour=10)
    assert row.due_at == monday_ten.astimezone(UTC)
    await move_clock_to(process, monday_ten + timedelta(seconds=1))
    [sms] = await process.services.twilio_standin.wait_for_sent(1)
    assert sms["to"] == "+46701740605" and "JA" in sms["body"]


async def test_follow_up_duties_remind_owner_and_convenor_on_the_due_day(process):
    staff = await the_convenor()
    colleague = await convenor(777, "Team Test")
    process.services.telegram_standin.user_has_started(777)
    meeting = await meeting_with_attendees(next_week_at(10), staff, staff_attendee=colleague)
    owner = await Attendee.get(meeting=meeting, staff_user=colleague)
    due = (meeting.starts_at + timedelta(days=7)).astimezone(STHLM).date()
    item = await ActionItem.create(meeting=meeting, what="Boka praktikplats", owner=owner, due=due)
    await ActionItem.create(meeting=meeting, what="Klart redan", due=due, status=ActionStatus.DONE)
    meeting.feedback_due = due - timedelta(days=2)
    await meeting.save()
    await Attendee.filter(id=owner.id).update(gives_feedback=True)
    assert await schedule_follow_up(meeting) == (4, 0)  # 2 duties x (convenor, owner)
    assert await schedule_follow_up(meeting) == (0, 0)
    # Feedback given before its day: that reminder is cancelled at dispatch time.
    await Meeting.filter(id=meeting.id).update(feedback_given_at=clock.now())
    action_morning = datetime(due.year, due.month, due.day, 9, 0, 1, tzinfo=STHLM)
    await move_clock_to(process, action_morning)
    telegram = process.services.telegram_standin
    [to_owner] = await telegram.wait_for_bot_messages(777, 1)
    [to_convenor] = await telegram.wait_for_bot_messages(CONVENOR_CHAT, 1)
    assert "Boka praktikplats" in to_owner["text"] and to_owner["text"] == to_convenor["text"]
    await eventually(
        lambda: _count(OutboxMessage.filter(kind="follow_up", status=OutboxStatus.CANCELLED), 2)
    )
    # Marking the item done later cancels nothing already sent, and reschedules nothing.
    await ActionItem.filter(id=item.id).update(status=ActionStatus.DONE)
    assert await schedule_follow_up(meeting) == (0, 0)


async def test_a_team_can_replace_the_default_reminders(convenor_only):
    staff = await the_convenor()
    team = await staff.team
    team.reminders = [
        {"key": "day_before", "anchor": "start", "offset_minutes": -1440, "delivery_hour": 9}
    ]
    await team.save()
    meeting = await meeting_with_attendees(next_week_at(14), staff)
    assert await schedule_reminders(meeting) == (1, 0)
    row = await OutboxMessage.get(meeting=meeting)
    day_before = (meeting.starts_at - timedelta(days=1)).astimezone(STHLM)
    assert row.due_at.astimezone(STHLM) == day_before.replace(hour=9, minute=0)


async def test_information_goes_out_at_once_and_again_only_when_the_meeting_moves(process):
    staff = await the_convenor()
    colleague = await convenor(778, "Team Test")
    process.services.telegram_standin.user_has_started(778)
    meeting = await meeting_with_attendees(next_week_at(14), staff, staff_attendee=colleague)
    noon = (clock.now().astimezone(STHLM) + timedelta(days=1)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    await move_clock_to(process, noon)
    assert await schedule_information(meeting, clock.now()) == (2, 0)
    process.services.dispatcher.wake()
    [sms] = await process.services.twilio_standin.wait_for_sent(1)
    assert sms["body"].startswith("Hej Amina! Du är inbjuden") and "Vi gör en plan" in sms["body"]
    [invitation] = await process.services.telegram_standin.wait_for_bot_messages(778, 1)
    assert "Hjälper med jobb." in invitation["text"]
    assert await schedule_information(meeting, clock.now()) == (0, 0)  # sent once only
    meeting.starts_at += timedelta(days=1)
    meeting.ends_at += timedelta(days=1)
    await meeting.save()
    assert await schedule_information(meeting, clock.now()) == (2, 0)


async def test_information_asked_for_at_night_goes_in_the_morning(convenor_only):
    staff = await the_convenor()
    meeting = await meeting_with_attendees(next_week_at(14), staff)
    night = (clock.now().astimezone(STHLM) + timedelta(days=1)).replace(
        hour=22, minute=0, second=0, microsecond=0
    )
    clock.set(night)
    await schedule_information(meeting, clock.now())
    row = await OutboxMessage.get(meeting=meeting, kind="info")
    assert row.due_at.astimezone(STHLM) == (night + timedelta(days=1)).replace(hour=8)


async def test_the_upkeep_mid_batch_sends_nothing_twice(tmp_path):
    """Regression: on SQLite the stale-claim upkeep released this dispatcher's own
    in-flight claims, so a batch sent at 1 SMS/s went out partly twice."""
    from collections import Counter

    from tests.conftest import local_process

    async with local_process(tmp_path) as running:  # SMS_PER_SECOND stays 1
        staff = await convenor(CONVENOR_CHAT)
        phones = tuple(f"+4670174060{n}" for n in range(5, 9))
        meeting = await meeting_with_attendees(next_week_at(14), staff, phones=phones)
        assert await schedule_information(meeting, clock.now()) == (4, 0)
        running.services.dispatcher.wake()
        await running.services.twilio_standin.wait_for_sent(1)
        await running.services.dispatcher.release_stale()  # what the minute job does
        await running.services.twilio_standin.wait_for_sent(4, timeout=10)
        await asyncio.sleep(1.5)
        sent = Counter(m["to"] for m in running.services.twilio_standin.sent)
        assert sent == Counter(phones)
