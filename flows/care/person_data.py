"""Right of access and right to erasure for one person, found by phone number.

Erasure anonymises rather than deletes: the rows stay so that counts, statuses and
survey scores (the dashboard's history) keep their numbers, but nothing in them
points to the person any more. Pending messages to them are cancelled first, in the
same transaction, so nothing is sent to a person who asked to be forgotten.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from storage.message_models import InboundMessage, OutboxMessage, SurveyAnswer
from storage.models import (
    ActorKind,
    Attendee,
    Consent,
    InfoLink,
    MessageKind,
    OutboxStatus,
    Person,
    SurveyStatus,
)
from storage.record_models import AuditEvent, OutcomeAnswer, StepAssessment

ERASED_NAME = "-"  # first_name is required; a dash reads as "nobody" in every text


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def people_with_phone(phone: str) -> list[Person]:
    return await Person.filter(phone=phone, anonymised_at=None).order_by("id")


async def export(phone: str, actor: str) -> dict[str, Any]:
    """Everything stored about the people with this number, as plain JSON data."""
    people = []
    for person in await people_with_phone(phone):
        people.append(await _export_person(person))
        await AuditEvent.create(
            actor_kind=ActorKind.SYSTEM,
            action="export",
            object_type="person",
            object_id=str(person.id),
            detail={"by": actor},
        )
    return {"phone": phone, "people": people}


async def _export_person(person: Person) -> dict[str, Any]:
    consents = await Consent.filter(person=person).order_by("id")
    seats = await Attendee.filter(person=person).prefetch_related("meeting").order_by("id")
    inbound = await InboundMessage.filter(person=person).order_by("id")
    outbound = await OutboxMessage.filter(person=person).order_by("id")
    answers = await SurveyAnswer.filter(person=person).order_by("id")
    steps = await StepAssessment.filter(person=person).order_by("id")
    outcomes = await OutcomeAnswer.filter(person=person).order_by("id")
    return {
        "id": person.id,
        "first_name": person.first_name,
        "phone": person.phone,
        "telegram_linked": person.telegram_chat_id is not None,
        "language": person.language,
        "preferred_channel": person.preferred_channel.value,
        "opted_out_at": _iso(person.opted_out_at),
        "created_at": _iso(person.created_at),
        "consents": [
            {
                "kind": c.kind.value,
                "given_to": c.given_to,
                "given_at": _iso(c.given_at),
                "withdrawn_at": _iso(c.withdrawn_at),
                "withdrawn_via": c.withdrawn_via,
            }
            for c in consents
        ],
        "meetings": [
            {
                "meeting_id": s.meeting_id,
                "starts_at": _iso(s.meeting.starts_at),
                "place": s.meeting.place,
                "purpose": s.meeting.purpose,
                # The convenor's words again in the person's language, when given.
                "in_their_language": {
                    key: versions[person.language]
                    for key, versions in (s.meeting.person_texts or {}).items()
                    if person.language in versions
                },
                "role": s.role.value,
                "why": s.why,
                "response": s.response.value,
            }
            for s in seats
        ],
        "messages_received_from_them": [
            {"at": _iso(m.received_at), "channel": m.channel.value, "text": m.body} for m in inbound
        ],
        "messages_sent_to_them": [
            {
                "kind": m.kind,
                "status": m.status.value,
                "due_at": _iso(m.due_at),
                "sent_at": _iso(m.sent_at),
                "text": m.body,
            }
            for m in outbound
        ],
        "survey_answers": [
            {"question": a.question, "status": a.status.value, "value": a.value, "text": a.text}
            for a in answers
        ],
        "ladder_steps": [
            {
                "meeting_id": a.meeting_id,
                "by": a.assessed_by.value,
                "step": a.step,
                "recorded_at": _iso(a.recorded_at),
            }
            for a in steps
        ],
        "outcome_questions": [
            {
                "meeting_id": o.meeting_id,
                "status": o.status.value,
                "answer": o.category.value if o.category else None,
                "asked_at": _iso(o.asked_at),
                "answered_at": _iso(o.answered_at),
            }
            for o in outcomes
        ],
    }


async def erase(phone: str, actor: str, now: datetime) -> dict[str, int]:
    """Anonymises every person with this number; returns what was done, as counts."""
    done = {"people": 0, "cancelled_messages": 0, "messages_cleared": 0, "answers_cleared": 0}
    for person in await people_with_phone(phone):
        counts = await anonymise_person(person, now, reason="erasure")
        for key, value in counts.items():
            done[key] = done.get(key, 0) + value
        await AuditEvent.create(
            actor_kind=ActorKind.SYSTEM,
            action="erase",
            object_type="person",
            object_id=str(person.id),
            detail={"by": actor, **counts},
        )
    return done


async def anonymise_person(person: Person, now: datetime, reason: str) -> dict[str, int]:
    """Names, numbers, free text and links go; ids, statuses, times and scores stay."""
    async with in_transaction():
        cancelled = await OutboxMessage.filter(person=person, status=OutboxStatus.SCHEDULED).update(
            status=OutboxStatus.CANCELLED, last_error=reason
        )
        cleared = await OutboxMessage.filter(person=person).update(body=None, params={})
        cleared += await InboundMessage.filter(person=person).update(body="")
        cleared += await _clear_alerts_about(person, reason)
        answers = await SurveyAnswer.filter(person=person, text__isnull=False).update(text=None)
        # An outcome question still open is closed: nobody may answer for them now.
        await OutcomeAnswer.filter(person=person, status=SurveyStatus.OPEN).update(
            status=SurveyStatus.EXPIRED
        )
        await Attendee.filter(person=person).update(why="")
        seats = await Attendee.filter(person=person).values_list("id", flat=True)
        await InfoLink.filter(attendee_id__in=list(seats)).delete()  # their page links
        await Consent.filter(person=person, withdrawn_at=None).update(
            withdrawn_at=now, withdrawn_via=reason
        )
        await Person.filter(id=person.id).update(
            first_name=ERASED_NAME,
            phone=None,
            telegram_chat_id=None,
            telegram_link_hash=None,
            anonymised_at=now,
        )
    return {
        "people": 1,
        "cancelled_messages": cancelled,
        "messages_cleared": cleared,
        "answers_cleared": answers,
    }


async def _clear_alerts_about(person: Person, reason: str) -> int:
    """Convenor alerts quote the person (a forwarded reply, a wish): those go too."""
    meeting_ids = await Attendee.filter(person=person).values_list("meeting_id", flat=True)
    alerts = await OutboxMessage.filter(meeting_id__in=list(meeting_ids), kind=MessageKind.ALERT)
    about = [a.id for a in alerts if (a.params or {}).get("person_id") == person.id]
    if not about:
        return 0
    await OutboxMessage.filter(id__in=about, status=OutboxStatus.SCHEDULED).update(
        status=OutboxStatus.CANCELLED, last_error=reason
    )
    return await OutboxMessage.filter(id__in=about).update(body=None, params={})
