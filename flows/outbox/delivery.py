"""Delivery reports from the SMS provider, applied to the outbox.

Callbacks may arrive out of order: a status only ever moves forward.
"""

from __future__ import annotations

import logging
from datetime import datetime

from tortoise.transactions import in_transaction

from flows.care.consent import record_opt_out
from flows.core.clock import clock
from storage.message_models import OutboxMessage
from storage.models import OutboxStatus, Person

log = logging.getLogger(__name__)

_PROVIDER_STATUS = {
    "sent": OutboxStatus.SENT,
    "delivered": OutboxStatus.DELIVERED,
    "read": OutboxStatus.DELIVERED,
    "undelivered": OutboxStatus.FAILED,
    "failed": OutboxStatus.FAILED,
}
_RANK = {
    OutboxStatus.SENDING: 0,
    OutboxStatus.SENT: 1,
    OutboxStatus.DELIVERED: 2,
    OutboxStatus.FAILED: 2,
}
OPTED_OUT_ERROR = "21610"  # the recipient replied STOP to this sender
MAX_PROVIDER_ID = OutboxMessage._meta.fields_map["provider_message_id"].max_length
MAX_ERROR_CODE = OutboxMessage._meta.fields_map["error_code"].max_length


async def record_status(
    provider_message_id: str, status: str, error_code: str | None, outbox_id: int | None = None
) -> bool:
    """Returns True when the report moved a message we know to a newer status.

    `outbox_id` comes from our callback URL: with it a report that arrives before
    we stored the provider's id still finds its row.

    A report can overtake our own record of the send (a batch is recorded when its
    last send returns) and the process can die in between. So the report saves
    what it knows itself, each fact in its own guarded statement: the provider's
    id where none is stored, the send time where none is stored (the provider has
    the message, so it went out), and the status only where it moves forward. The
    text went to the database before the provider call (`storage.outbox.record_texts`).
    A late `record_sent` still fills in its own values.
    """
    new = _PROVIDER_STATUS.get(status)  # queued/accepted/sending carry no news
    if new is None:
        return False
    provider_message_id = provider_message_id[:MAX_PROVIDER_ID]
    message = await OutboxMessage.get_or_none(provider_message_id=provider_message_id)
    if message is None and outbox_id is not None:
        message = await OutboxMessage.get_or_none(id=outbox_id, provider_message_id=None)
    if message is None:
        return False
    now = clock.now()
    older = [known for known, rank in _RANK.items() if rank < _RANK[new]]
    changes: dict[str, object] = {"status": new, "updated_at": now}
    if new is OutboxStatus.DELIVERED:
        changes["delivered_at"] = now
    if new is OutboxStatus.FAILED:
        changes["error_code"] = error_code[:MAX_ERROR_CODE] if error_code else None
        changes["last_error"] = f"provider status {status}"[:1000]
    async with in_transaction():
        row = OutboxMessage.filter(id=message.id)
        await row.filter(provider_message_id=None).update(
            provider_message_id=provider_message_id, updated_at=now
        )
        await row.filter(sent_at=None).update(sent_at=now)
        moved = await row.filter(status__in=older).update(**changes)
    if not moved:
        return False  # an older report arriving late, or a repeat
    if error_code == OPTED_OUT_ERROR and message.person_id:
        await honour_provider_opt_out(message.person_id, now)
    log.info("message %s is now %s", message.id, new.value)
    return True


async def honour_provider_opt_out(person_id: int, now: datetime) -> None:
    """Twilio says (21610, at send time or in a status report) the person replied
    STOP to it: the same as STOP to us, once."""
    person = await Person.get_or_none(id=person_id, opted_out_at=None)
    if person is not None:
        await record_opt_out(person, f"twilio:{OPTED_OUT_ERROR}", now)
