"""Inbound messages: recorded once per provider id, unknown senders kept to the minimum,
a known person's reply handled by `flows.participants.replies`.

An SMS is stored before the webhook answers (`store_sms`, a batch of concurrent
requests in one transaction) and handled after it (`process_next`, one message per
transaction: what it does and its processed mark commit together, so a crash in
between leaves it to be handled once on restart). What we answer a known person goes
out through the outbox as an SMS of kind "receipt"; the unknown-number answer is
decided when storing (it needs only the number) and goes back in the webhook's TwiML.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from flows.core.clock import clock
from flows.core.i18n import _, use_locale
from flows.core.phone import is_e164, mask_address
from flows.core.text_clean import clean
from flows.participants.replies import handle_reply, who_replied
from storage import inbound as queue
from storage.message_models import InboundMessage, OutboxMessage
from storage.models import Channel, MessageKind, Person

log = logging.getLogger(__name__)

MAX_BODY = 1600  # Twilio's own limit for one message
MAX_PROVIDER_ID = InboundMessage._meta.fields_map["provider_message_id"].max_length
RECEIPT_KIND = MessageKind.RECEIPT  # our answer to a person's own message
RECEIPT_WORTH = timedelta(hours=1)  # an answer later than this answers nothing


@dataclass(frozen=True)
class IncomingSms:
    sid: str
    sender: str
    body: str


class Stored(enum.Enum):
    KNOWN = "known"  # stored, handled after the answer
    UNKNOWN = "unknown"  # stored masked, nothing more to do
    DUPLICATE = "duplicate"  # a repeat delivery: nothing stored, nothing done


def unknown_number_reply(locale: str) -> str:
    with use_locale(locale):
        return _(
            "We do not know this number. Waiting for a meeting? Ask the person who invited you."
        )


async def store_sms(batch: list[IncomingSms]) -> list[Stored]:
    """Stores each new message of the batch, all in one statement.

    `sender` may be anything the provider passes on: only a phone number in E.164 can
    be one of our people; whatever it is, only its masked form is stored."""
    known = await queue.known_senders({m.sender for m in batch if is_e164(m.sender)})
    now = clock.now()
    rows = []
    for message in batch:
        person_id = known.get(message.sender)
        rows.append(
            queue.NewInbound(
                channel=Channel.SMS.value,
                provider_message_id=message.sid[:MAX_PROVIDER_ID],
                # Any row of the number: `process_next` decides which one the reply is for.
                person_id=person_id,
                sender_masked=mask_address(message.sender),
                # Nothing about unknown senders is kept beyond what the audit needs.
                body=clean(message.body)[:MAX_BODY] if person_id else "",
                handled_as="received" if person_id else "unknown_sender",
                processed_at=None if person_id else now,
            )
        )
    fresh = await queue.insert_new(rows)
    results, unknown = [], []
    for message, row in zip(batch, rows, strict=True):
        if row.provider_message_id not in fresh:
            log.info("duplicate inbound SMS %s ignored", message.sid)
            results.append(Stored.DUPLICATE)
            continue
        fresh.discard(row.provider_message_id)  # a twin later in the batch is a repeat
        if row.person_id is None:
            unknown.append(row.sender_masked)
            results.append(Stored.UNKNOWN)
        else:
            results.append(Stored.KNOWN)
    if unknown:  # one line a batch
        log.info("SMS from unknown number %s", ", ".join(unknown))
    return results


async def process_next(
    before_commit: Callable[[InboundMessage], Awaitable[None]] | None = None,
) -> bool:
    """Handles the next stored message in one transaction; False when none is waiting.

    `before_commit` runs inside the transaction once the effects are written (tests
    use it to stop the process there). A message whose handling fails for another
    reason than the database is set aside (handled_as "failed", nothing it did is
    kept) rather than tried again for ever in front of everyone else's."""
    claimed: list[InboundMessage] = []
    try:
        return await _process_next(claimed, before_commit)
    except (DBConnectionError, OperationalError, OSError):
        raise  # the database: the message waits, the worker tries again
    except Exception:
        if not claimed:
            raise
        log.exception("inbound message %s could not be handled: set aside", claimed[0].id)
        await InboundMessage.filter(id=claimed[0].id, processed_at=None).update(
            handled_as="failed", processed_at=clock.now()
        )
        return True


async def _process_next(
    claimed: list[InboundMessage],
    before_commit: Callable[[InboundMessage], Awaitable[None]] | None,
) -> bool:
    async with in_transaction() as conn:
        row = await queue.claim_next(conn)
        if row is None:
            return False
        claimed.append(row)
        now = clock.now()
        handled_as, person, receipt = await _handle(row, now)
        await InboundMessage.filter(id=row.id).update(
            person_id=person.id if person else None,
            handled_as=handled_as,
            body=row.body if person else "",
            processed_at=now,
        )
        if person is not None and receipt:
            await OutboxMessage.create(
                person=person,
                channel=Channel.SMS,
                kind=RECEIPT_KIND,
                template="plain_text",
                params={"text": receipt},
                locale=person.language,
                due_at=now,
                next_attempt_at=now,
                expires_at=now + RECEIPT_WORTH,
                dedupe_key=f"receipt:{row.id}",
            )
        if before_commit is not None:
            await before_commit(row)
    return True


async def _handle(row: InboundMessage, now) -> tuple[str, Person | None, str | None]:
    stored = await Person.get_or_none(id=row.person_id) if row.person_id else None
    if stored is None or stored.anonymised_at is not None:
        return "unknown_sender", None, None  # erased (or removed) since it was stored
    people = await Person.filter(phone=stored.phone, anonymised_at=None)
    person = await who_replied(people, now, row.body) if people else stored
    handled_as, receipt = await handle_reply(person, row.body, "sms", now)
    return handled_as, person, receipt


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
            processed_at=clock.now(),  # handled right here, not by the SMS queue
        )
    except IntegrityError:
        return None
    handled_as, receipt = await handle_reply(person, text[:MAX_BODY], "telegram", clock.now())
    inbound.handled_as = handled_as
    await inbound.save(update_fields=["handled_as"])
    return receipt
