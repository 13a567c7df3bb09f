"""Inbound SMS: recorded once per provider id, unknown senders kept to the minimum,
a known person's reply handled by `flows.participants.replies`."""

from __future__ import annotations

import logging

from tortoise.exceptions import IntegrityError

from flows.core.clock import clock
from flows.core.i18n import _, use_locale
from flows.core.phone import is_e164, mask_address
from flows.core.text_clean import clean
from flows.participants.replies import handle_reply, who_replied
from storage.models import Channel, InboundMessage, Person

log = logging.getLogger(__name__)

MAX_BODY = 1600  # Twilio's own limit for one message
MAX_PROVIDER_ID = InboundMessage._meta.fields_map["provider_message_id"].max_length


async def handle_sms(message_sid: str, sender: str, body: str, default_locale: str) -> str | None:
    """Returns the reply to send back, or None for no reply (e.g. a duplicate delivery).

    `sender` may be anything the provider passes on: only a phone number in E.164 can
    be one of our people; whatever it is, only its masked form is stored."""
    body = clean(body)
    people = await Person.filter(phone=sender, anonymised_at=None) if is_e164(sender) else []
    person = await who_replied(people, clock.now()) if people else None
    try:
        inbound = await InboundMessage.create(
            channel=Channel.SMS,
            provider_message_id=message_sid[:MAX_PROVIDER_ID],
            person=person,
            sender_masked=mask_address(sender),
            # Nothing about unknown senders is kept beyond what the audit needs.
            body=body[:MAX_BODY] if person else "",
            handled_as="received" if person else "unknown_sender",
        )
    except IntegrityError:
        log.info("duplicate inbound SMS %s ignored", message_sid)
        return None
    if person is None:
        log.info("SMS from unknown number %s", mask_address(sender))
        with use_locale(default_locale):
            return _(
                "We do not know this number. Waiting for a meeting? Ask the person who invited you."
            )
    handled_as, receipt = await handle_reply(person, body[:MAX_BODY], "sms", clock.now())
    inbound.handled_as = handled_as
    await inbound.save(update_fields=["handled_as"])
    return receipt


async def handle_telegram(person: Person, message_key: str, text: str) -> str | None:
    """A linked participant's Telegram message; the same replies as by SMS.
    None for a duplicate (the same update delivered twice)."""
    text = clean(text)
    try:
        inbound = await InboundMessage.create(
            channel=Channel.TELEGRAM,
            provider_message_id=message_key,
            person=person,
            body=text[:MAX_BODY],
            handled_as="received",
        )
    except IntegrityError:
        return None
    handled_as, receipt = await handle_reply(person, text[:MAX_BODY], "telegram", clock.now())
    inbound.handled_as = handled_as
    await inbound.save(update_fields=["handled_as"])
    return receipt
