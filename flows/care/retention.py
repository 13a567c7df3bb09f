"""Retention: personal data of meetings closed long ago is anonymised, daily.

What goes: names, phone numbers, free text (purpose, place, notes, action items,
"why I am there", replies, survey comments, message bodies). What stays: the rows,
their statuses, times, survey scores, ladder steps and outcome answers, so the
dashboard's history keeps its numbers.
A person is anonymised once none of their meetings is still within retention.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from flows.care.person_data import anonymise_person
from storage.message_models import InboundMessage, OutboxMessage, SurveyAnswer
from storage.models import (
    ActionItem,
    ActorKind,
    Attendee,
    InfoLink,
    Meeting,
    Note,
    OutboxStatus,
    Person,
    SurveyStatus,
)
from storage.record_models import AuditEvent, OutcomeAnswer

DEFAULT_DAYS = 180
REMOVED = "-"  # required text fields keep a dash, not the words


async def anonymise_old_meetings(now: datetime, days: int = DEFAULT_DAYS) -> int:
    """Returns how many meetings were anonymised in this run."""
    cutoff = now - timedelta(days=days)
    old = await Meeting.filter(closed_at__lte=cutoff, anonymised_at=None).values_list(
        "id", flat=True
    )
    for meeting_id in old:
        await _anonymise_meeting(meeting_id, now)
    people = await Person.filter(
        anonymised_at=None, attendances__meeting_id__in=list(old)
    ).distinct()
    for person in people:
        if not await Attendee.exists(person=person, meeting__anonymised_at=None):
            await anonymise_person(person, now, reason="retention")
    if old:
        await AuditEvent.create(
            actor_kind=ActorKind.SYSTEM,
            action="anonymise",
            object_type="meeting",
            object_id=",".join(str(i) for i in old)[:64],
            detail={"meetings": len(old), "days": days},
        )
    return len(old)


async def _anonymise_meeting(meeting_id: int, now: datetime) -> None:
    async with in_transaction():
        await Meeting.filter(id=meeting_id).update(
            purpose="", place="", person_texts={}, anonymised_at=now
        )
        await Note.filter(meeting_id=meeting_id).update(text=REMOVED)
        await ActionItem.filter(meeting_id=meeting_id).update(what=REMOVED)
        await Attendee.filter(meeting_id=meeting_id).update(why="")
        await InfoLink.filter(meeting_id=meeting_id).delete()
        await InboundMessage.filter(meeting_id=meeting_id).update(body="")
        await SurveyAnswer.filter(meeting_id=meeting_id).update(text=None)
        # Steps and outcome answers are numbers and categories: they stay. A question
        # still open closes, so a late reply is not tied to an anonymised meeting.
        await OutcomeAnswer.filter(meeting_id=meeting_id, status=SurveyStatus.OPEN).update(
            status=SurveyStatus.EXPIRED
        )
        await OutboxMessage.filter(meeting_id=meeting_id, status=OutboxStatus.SCHEDULED).update(
            status=OutboxStatus.CANCELLED, last_error="retention"
        )
        await OutboxMessage.filter(meeting_id=meeting_id).update(body=None, params={})
