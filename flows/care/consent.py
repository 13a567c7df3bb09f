"""Consent to be contacted, and its withdrawal: one person's number stops everything at once.

A STOP to us, a STOP to the provider (Twilio refuses with 21610 afterwards) and staff
withdrawing consent all end here, in one transaction: opted out, consents withdrawn,
every pending message cancelled, the audit written.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from storage.message_models import OutboxMessage
from storage.models import ActorKind, Consent, ConsentKind, OutboxStatus, Person, SurveyStatus
from storage.record_models import AuditEvent, OutcomeAnswer


async def same_number(person: Person) -> list[Person]:
    """Every row with this person's phone number, the person's own first."""
    if not person.phone:
        return [person]
    others = await Person.filter(phone=person.phone, anonymised_at=None).exclude(id=person.id)
    return [person, *others]


async def record_opt_out(person: Person, via: str, now: datetime) -> None:
    """The person wants no contact: by STOP to us, or to the provider (Twilio then
    refuses with 21610). Either way the same at once, in one transaction: opted
    out, consents withdrawn, everything pending cancelled, the audit written."""
    async with in_transaction():
        for row in await same_number(person):  # one number, one person: all of it stops
            await Person.filter(id=row.id).update(opted_out_at=now)
            await withdraw_contact_consent(row, via, now, actor=ActorKind.PERSON)
            # No contact means no question months later either: its consent ends and
            # an open one closes, so no re-prompt goes to a number that said STOP.
            await Consent.filter(
                person=row, kind=ConsentKind.OUTCOME_QUESTION, withdrawn_at=None
            ).update(withdrawn_at=now, withdrawn_via=via)
            await OutcomeAnswer.filter(person=row, status=SurveyStatus.OPEN).update(
                status=SurveyStatus.EXPIRED
            )
    person.opted_out_at = now


async def withdraw_contact_consent(
    person: Person, via: str, now: datetime, actor: ActorKind = ActorKind.STAFF
) -> int:
    """Consent withdrawn (by the person's STOP or by staff): every pending message to
    them is cancelled at once, in the same transaction; returns how many."""
    async with in_transaction():
        await Consent.filter(
            person=person,
            withdrawn_at=None,
            kind__in=(ConsentKind.CONTACT_SMS, ConsentKind.CONTACT_TELEGRAM),
        ).update(withdrawn_at=now, withdrawn_via=via)
        cancelled = await OutboxMessage.filter(person=person, status=OutboxStatus.SCHEDULED).update(
            status=OutboxStatus.CANCELLED, last_error="consent withdrawn"
        )
        await AuditEvent.create(
            actor_kind=actor,
            action="opt_out" if actor is ActorKind.PERSON else "withdraw_consent",
            object_type="person",
            object_id=str(person.id),
            detail={"via": via, "cancelled_messages": cancelled},
        )
    return cancelled
