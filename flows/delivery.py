"""Delivery reports from the SMS provider, applied to the outbox.

Callbacks may arrive out of order: a status only ever moves forward.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flows.clock import clock
from flows.replies import record_opt_out
from storage.models import OutboxMessage, OutboxStatus, Person

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


async def record_status(
    provider_message_id: str, status: str, error_code: str | None, outbox_id: int | None = None
) -> bool:
    """Returns True when the report changed a message we know.

    `outbox_id` comes from our callback URL: with it a report that arrives before
    we stored the provider's id still finds its row.
    """
    new = _PROVIDER_STATUS.get(status)  # queued/accepted/sending carry no news
    if new is None:
        return False
    message = await OutboxMessage.get_or_none(provider_message_id=provider_message_id)
    if message is None and outbox_id is not None:
        message = await OutboxMessage.get_or_none(id=outbox_id, provider_message_id=None)
    if message is None:
        return False
    message.provider_message_id = provider_message_id
    if _RANK.get(message.status, 99) >= _RANK[new]:
        return False  # an older report arriving late
    message.status = new
    now = clock.now()
    if new is OutboxStatus.DELIVERED:
        message.delivered_at = now
    if new is OutboxStatus.FAILED:
        message.error_code = error_code
        message.last_error = f"provider status {status}"
    await message.save(
        update_fields=["status", "delivered_at", "error_code", "last_error", "updated_at"]
    )
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
