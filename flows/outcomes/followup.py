"""The outcome question: some time (`OUTCOME_DAYS`, default 90) after a person's latest
closed meeting, with no later meeting planned, one plain question by SMS or Telegram: what
do you do now? Answered with one digit (flows.outcomes.ladder.CATEGORIES).

Only to someone whose consent to it was recorded (ConsentKind.OUTCOME_QUESTION) and who can
be reached (consent to contact, not opted out: flows.outbox.campaign). Once per meeting and
person (a unique row, and the outbox row's dedupe key). Sent at 10:00 local on a working
day; quiet hours and opt-outs are checked again at dispatch (flows.participants.compose).
Like the survey: a misfit is asked again once, a second goes to the convenor, and the
question closes after three days.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from flows.core.i18n import _
from flows.outbox import campaign
from flows.outbox.schedule import at_local, next_working_day_on_or_after
from flows.outcomes import ladder
from storage.message_models import OutboxMessage
from storage.models import (
    Attendee,
    AttendeeRole,
    Consent,
    ConsentKind,
    Meeting,
    MeetingStatus,
    MessageKind,
    OutboxStatus,
    Person,
    StaffUser,
    SurveyStatus,
)
from storage.record_models import OutcomeAnswer

DEFAULT_DAYS = 90
KIND = MessageKind.OUTCOME
TEMPLATE = "outcome_question"
OPEN_DAYS = 3  # as the survey
ASK_AT = time(10, 0)
_GONE = (MeetingStatus.CANCELLED, MeetingStatus.MOVED)
_DIGIT = re.compile(r"([1-6])")


async def consent_given(person_id: int) -> Consent | None:
    return await Consent.filter(
        person_id=person_id, kind=ConsentKind.OUTCOME_QUESTION, withdrawn_at=None
    ).first()


async def record_consent(person: Person, by: StaffUser, now: datetime) -> Consent:
    found = await consent_given(person.id)
    if found is not None:
        return found
    return await Consent.create(
        person=person, kind=ConsentKind.OUTCOME_QUESTION, recorded_by=by, given_at=now
    )


async def plan_due(now: datetime, days: int = DEFAULT_DAYS) -> int:
    """Plans the question for everyone whose moment came; returns how many were planned."""
    cutoff = now - timedelta(days=days)
    seats = await Attendee.filter(
        role=AttendeeRole.PERSON_IN_FOCUS,
        meeting__closed_at__lte=cutoff,
        person__opted_out_at__isnull=True,
        person__anonymised_at__isnull=True,
        person__consents__kind=ConsentKind.OUTCOME_QUESTION,
        person__consents__withdrawn_at__isnull=True,
    ).values_list("person_id", "meeting_id")
    planned = 0
    for person_id, meeting_id in sorted(set(seats)):
        if await OutcomeAnswer.exists(meeting_id=meeting_id, person_id=person_id):
            continue
        meeting = await Meeting.get(id=meeting_id)
        if await _later_meeting(person_id, meeting, now):
            continue
        planned += await _plan(meeting, person_id, now)
    return planned


async def _later_meeting(person_id: int, meeting: Meeting, now: datetime) -> bool:
    """A later meeting with this person exists, or this one planned a next one ahead."""
    if meeting.next_meeting_at is not None and meeting.next_meeting_at > now:
        return True
    return await Attendee.exists(
        person_id=person_id,
        meeting__starts_at__gt=meeting.starts_at,
        meeting__status__not_in=_GONE,
    )


async def _plan(meeting: Meeting, person_id: int, now: datetime) -> int:
    seat = (
        await Attendee.filter(meeting=meeting, person_id=person_id)
        .prefetch_related("person__consents", "staff_user")
        .first()
    )
    reach = list(campaign.reachable([seat])) if seat else []
    if not reach:
        return 0
    recipient = reach[0][1]
    tz = ZoneInfo(meeting.timezone)
    today = now.astimezone(tz).date()
    due = at_local(next_working_day_on_or_after(today), ASK_AT, tz)
    due = max(due, now)
    consent = await consent_given(person_id)
    # The question and its message together: a row without its message would count
    # as asked and never be planned again.
    async with in_transaction():
        await OutcomeAnswer.create(
            meeting=meeting,
            person_id=person_id,
            consent=consent,
            asked_at=due,
            expires_at=due + timedelta(days=OPEN_DAYS),
        )
        await OutboxMessage.create(
            meeting=meeting,
            person_id=person_id,
            channel=recipient.channel,
            kind=KIND,
            template=TEMPLATE,
            locale=recipient.locale,
            params={},
            due_at=due,
            next_attempt_at=due,
            expires_at=due + timedelta(days=OPEN_DAYS),
            dedupe_key=f"{KIND}:{meeting.id}:{person_id}",
        )
    return 1


def question_text() -> str:
    return _(
        "What do you do now? Reply with one number: 1 work, 2 studies, "
        "3 internship or work training, 4 looking for work, 5 sick leave or benefit, "
        "6 something else."
    )


async def open_question(person: Person, now: datetime) -> OutcomeAnswer | None:
    """The question a reply from this person answers now: sent, open, not expired."""
    row = (
        await OutcomeAnswer.filter(person=person, status=SurveyStatus.OPEN, expires_at__gt=now)
        .order_by("-asked_at")
        .first()
    )
    if row is None:
        return None
    sent = await OutboxMessage.exists(
        meeting_id=row.meeting_id,
        person=person,
        kind=KIND,
        status__in=(OutboxStatus.SENT, OutboxStatus.DELIVERED),
    )
    return row if sent else None


def parse(text: str) -> int | None:
    """One digit 1-6 (any script's digits), alone or with a full stop."""
    digits = "".join(str(d) if (d := _digit(ch)) is not None else ch for ch in text.strip())
    match = _DIGIT.fullmatch(digits.rstrip(".! "))
    return int(match[1]) if match else None


def _digit(ch: str) -> int | None:
    return unicodedata.digit(ch, None)


async def answer(row: OutcomeAnswer, text: str, now: datetime) -> tuple[str, bool]:
    """(receipt, forward): forward is True when a second misfit goes to the convenor."""
    digit = parse(text)
    if digit is None:
        if row.reprompted_at is not None:
            return "", True
        row.reprompted_at = now
        await row.save(update_fields=["reprompted_at"])
        return _("Please reply with one number from 1 to 6.") + " " + question_text(), False
    row.category = ladder.category_of_digit(digit)
    row.status, row.answered_at = SurveyStatus.ANSWERED, now
    await row.save(update_fields=["category", "status", "answered_at"])
    return _("Thank you! Your answer helps us get better."), False


async def expire(now: datetime) -> int:
    return await OutcomeAnswer.filter(status=SurveyStatus.OPEN, expires_at__lte=now).update(
        status=SurveyStatus.EXPIRED
    )
