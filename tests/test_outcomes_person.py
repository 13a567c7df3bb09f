"""What the person sees and answers about the ladder and the outcome: the six steps on their
page, the survey's optional step question, and the outcome question months later, through
the whole process (stand-ins, dispatcher, signed webhooks)."""

from __future__ import annotations

from datetime import timedelta

from bot.periodic import run_what_fell_due
from flows.core.clock import clock
from flows.outcomes import followup
from flows.participants import participant_link
from flows.participants.replies import who_replied
from storage.message_models import OutboxMessage
from storage.models import (
    Attendee,
    Consent,
    ConsentKind,
    Meeting,
    MeetingStatus,
    OutcomeCategory,
    Person,
    StaffUser,
    SurveyStatus,
)
from storage.record_models import OutcomeAnswer
from tests.conftest import eventually
from tests.factories import convenor as make_convenor
from tests.factories import meeting_with_attendees, page_token
from tests.test_info_page import A_WEEK_BEFORE, a_meeting, fetch, text_of
from tests.test_participant_questions import (  # noqa: F401 - process is a fixture
    AMINA,
    KARIN,
    MONDAY_9,
    karins_meeting,
    move_clock_to,
    process,
    sms,
)


async def test_the_persons_page_lists_the_six_steps_and_another_attendees_does_not(
    process,  # noqa: F811
):
    clock.set(A_WEEK_BEFORE)
    meeting = await a_meeting()
    status, html, _response = await fetch(process, f"/i/{await page_token(meeting)}?lang=en")
    assert status == 200
    text = text_of(html)
    assert "Where are you now?" in text
    assert "You are mostly at home. You meet few people." in text
    assert "You work or study, or you have a decision on the right benefit." in text
    erik = (await Attendee.filter(meeting=meeting).order_by("id"))[1]
    status, html, _response = await fetch(process, f"/i/{await page_token(meeting, erik)}")
    assert status == 200 and "Where are you now?" not in text_of(html)


async def _closed_meeting_with_consent(phones: tuple[str, ...]) -> Meeting:
    meeting = await karins_meeting(MONDAY_9.replace(hour=10), phones=phones)
    await Meeting.filter(id=meeting.id).update(
        status=MeetingStatus.HELD, closed_at=MONDAY_9.replace(hour=12)
    )
    karin = await StaffUser.get(telegram_user_id=KARIN)
    for person in await Person.filter(attendances__meeting=meeting):
        await followup.record_consent(person, karin, clock.now())
    return await Meeting.get(id=meeting.id)


async def _recorded_as_sent() -> None:
    """The stand-in has the message; the dispatcher records it as sent a moment later."""
    await eventually(lambda: OutboxMessage.exists(kind="outcome", status__in=("sent", "delivered")))


async def _day(running, moment) -> None:
    """The clock moves to `moment` and the scheduler's time-driven work runs once."""
    await move_clock_to(running, moment)
    await run_what_fell_due(running.services)


async def test_the_outcome_question_goes_out_after_90_days_once_and_a_digit_answers_it(
    process,  # noqa: F811
):
    meeting = await _closed_meeting_with_consent((AMINA,))
    # Another person whose latest meeting was long ago, but who has a new one planned.
    again = await _closed_meeting_with_consent(("+46701740611",))
    await karins_meeting(MONDAY_9 + timedelta(days=100), phones=("+46701740611",))
    later = await Person.get(phone="+46701740611", attendances__meeting=again)
    await Attendee.filter(meeting__starts_at__gt=MONDAY_9 + timedelta(days=50)).update(person=later)
    day_89 = MONDAY_9 + timedelta(days=89)
    await _day(process, day_89.replace(hour=0, minute=5))
    assert not await OutboxMessage.exists(kind="outcome")
    # Day 91 (Monday 31 May) just after midnight: planned for 10:00 that day.
    await _day(process, MONDAY_9.replace(month=5, day=31, hour=0, minute=5))
    [row] = await OutboxMessage.filter(kind="outcome")
    assert row.due_at == MONDAY_9.replace(month=5, day=31, hour=10)
    assert row.person_id == (await Attendee.get(meeting=meeting)).person_id  # not the other
    await move_clock_to(process, MONDAY_9.replace(month=5, day=31, hour=10, second=1))
    [sent] = await process.services.twilio_standin.wait_for_sent(1)
    assert "Det är ett tag sedan ditt senaste möte" in sent["body"]
    assert "Vad gör du nu? Svara med en siffra: 1 arbete" in sent["body"]
    await _recorded_as_sent()
    assert (await sms(process, "9")).startswith("Svara med en siffra från 1 till 6.")
    assert await sms(process, "2") == "Tack! Ditt svar hjälper oss att bli bättre."
    answer = await OutcomeAnswer.get(meeting=meeting)
    assert (answer.status, answer.category) == (SurveyStatus.ANSWERED, OutcomeCategory.STUDIES)
    assert answer.consent_id is not None
    # Once: the next days plan nothing more, and a late "3" is a message, not an answer.
    await _day(process, MONDAY_9.replace(month=6, day=1, hour=0, minute=5))
    assert await OutboxMessage.filter(kind="outcome").count() == 1
    assert await sms(process, "3") == "Tack. Vi har skickat vidare ditt meddelande."


async def test_no_outcome_question_without_its_consent_or_after_an_opt_out(
    process,  # noqa: F811
):
    meeting = await _closed_meeting_with_consent((AMINA, "+46701740606"))
    erik = await Person.get(phone="+46701740606")
    await Attendee.filter(meeting=meeting, person=erik).update(role="person_in_focus")
    await Person.filter(phone=AMINA).update(opted_out_at=MONDAY_9)
    plain = await karins_meeting(MONDAY_9.replace(hour=13), phones=("+46701740612",))
    await Meeting.filter(id=plain.id).update(closed_at=MONDAY_9.replace(hour=14))
    await _day(process, MONDAY_9.replace(month=6, day=1, hour=0, minute=5))
    # Erik has the consent and no opt-out: his is the only question.
    assert [m.person_id for m in await OutboxMessage.filter(kind="outcome")] == [erik.id]


async def test_an_unanswered_outcome_question_expires_after_three_days(
    process,  # noqa: F811
):
    meeting = await _closed_meeting_with_consent((AMINA,))
    await _day(process, MONDAY_9.replace(month=5, day=31, hour=0, minute=5))
    await move_clock_to(process, MONDAY_9.replace(month=5, day=31, hour=10, second=1))
    await process.services.twilio_standin.wait_for_sent(1)
    await _day(process, MONDAY_9.replace(month=6, day=3, hour=11))
    assert (await OutcomeAnswer.get(meeting=meeting)).status is SurveyStatus.EXPIRED
    assert await sms(process, "1") == "Tack. Vi har skickat vidare ditt meddelande."


async def test_a_person_on_telegram_gets_the_outcome_question_there_in_arabic(
    process,  # noqa: F811
):
    meeting = await _closed_meeting_with_consent((AMINA,))
    person = await Person.get(phone=AMINA)
    code = await participant_link.create_code(person)
    telegram = process.services.telegram_standin
    await telegram.user_sends(9200, f"/start {code}", first_name="Amina")
    await telegram.wait_for_bot_messages(9200, 1)
    await Person.filter(id=person.id).update(language="ar")
    await _day(process, MONDAY_9.replace(month=5, day=31, hour=0, minute=5))
    await move_clock_to(process, MONDAY_9.replace(month=5, day=31, hour=10, second=1))
    question = await telegram.wait_for_bot_messages(9200, 2)
    assert "ماذا تفعل الآن؟" in question[-1]["text"]
    await _recorded_as_sent()
    await telegram.user_sends(9200, "٥")  # an Arabic-Indic five
    replies = await telegram.wait_for_bot_messages(9200, 3)
    assert replies[-1]["text"] == "شكرًا! إجابتك تساعدنا على التحسّن."
    answer = await OutcomeAnswer.get(meeting=meeting)
    assert answer.category is OutcomeCategory.SICK_OR_BENEFIT
    assert process.services.twilio_standin.sent == []


async def test_an_outcome_question_planned_late_in_the_evening_waits_for_the_morning(
    process,  # noqa: F811
):
    await _closed_meeting_with_consent((AMINA,))
    evening = MONDAY_9.replace(month=5, day=31, hour=21, minute=30)
    await _day(process, evening)  # the day's first run, late
    [row] = await OutboxMessage.filter(kind="outcome")
    assert evening <= row.due_at < evening + timedelta(minutes=1)  # now: not a past 10:00
    twilio = process.services.twilio_standin
    await move_clock_to(process, evening + timedelta(minutes=1))
    await eventually(lambda: OutboxMessage.exists(id=row.id, next_attempt_at__gt=evening))
    assert twilio.sent == []  # quiet hours: 20:00-08:00
    await move_clock_to(process, MONDAY_9.replace(month=6, day=1, hour=8, second=1))
    [sent] = await twilio.wait_for_sent(1)
    assert "Vad gör du nu?" in sent["body"]


async def test_a_stop_closes_the_open_outcome_question_and_ends_its_consent(
    process,  # noqa: F811
):
    """After STOP nothing more goes to the number: the open question closes at once (no
    re-prompt to a later message) and its consent is withdrawn with the others."""
    meeting = await _closed_meeting_with_consent((AMINA,))
    await _day(process, MONDAY_9.replace(month=5, day=31, hour=0, minute=5))
    await move_clock_to(process, MONDAY_9.replace(month=5, day=31, hour=10, second=1))
    await process.services.twilio_standin.wait_for_sent(1)
    await _recorded_as_sent()
    await sms(process, "STOPP")
    answer = await OutcomeAnswer.get(meeting=meeting)
    assert answer.status is SurveyStatus.EXPIRED
    person = await Person.get(id=answer.person_id)
    assert not await Consent.exists(
        person=person, kind=ConsentKind.OUTCOME_QUESTION, withdrawn_at=None
    )
    await sms(process, "hej, vad betyder det?")
    outcome_rows = await OutboxMessage.filter(kind="outcome").count()
    assert outcome_rows == 1  # no re-prompt of the question
    assert (await OutcomeAnswer.get(meeting=meeting)).category is None


async def test_a_yes_to_a_new_meeting_is_not_taken_by_an_open_outcome_question(db):
    """Months on, the outcome question is open on the row of Amina's old meeting when a
    new meeting is planned (a new row, the same number): her "Ja" answers the new
    meeting; a digit still answers the question."""
    karin = await make_convenor()
    old = await meeting_with_attendees(MONDAY_9, karin)
    old_row = await Person.get(attendances__meeting=old)
    now = MONDAY_9 + timedelta(days=95)
    await OutcomeAnswer.create(
        meeting=old, person=old_row, asked_at=now, expires_at=now + timedelta(days=3)
    )
    await OutboxMessage.create(  # the question went out
        meeting=old,
        person=old_row,
        channel="sms",
        kind="outcome",
        template="outcome_question",
        locale="sv",
        status="sent",
        due_at=now,
        next_attempt_at=now,
    )
    new = await meeting_with_attendees(now + timedelta(days=7), karin)
    new_row = await Person.get(attendances__meeting=new)
    people = await Person.filter(phone=AMINA)
    assert (await who_replied(people, now, "Ja tack!")).id == new_row.id
    assert (await who_replied(people, now, "2")).id == old_row.id
