"""A participant who prefers Telegram opens the bot through a one-time link.

Telegram lets a bot write only to people who started it, so the convenor passes
on `https://t.me/<bot>?start=p_<code>`. Opening it ties the chat to the person,
records their own consent to be contacted there, and moves their pending
messages from SMS to Telegram in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from tortoise.transactions import in_transaction

from storage.message_models import OutboxMessage
from storage.models import ActorKind, Channel, Consent, ConsentKind, OutboxStatus, Person
from storage.record_models import AuditEvent

# A staff invitation code may by chance start so too: /start tries a person's code first
# and falls back to the invitations, so neither kind can be mistaken for the other.
PREFIX = "p_"


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def is_person_code(code: str) -> bool:
    return code.startswith(PREFIX) and 8 < len(code) <= 64


async def create_code(person: Person) -> str:
    """A new code (an old one stops working); shown once, only its hash is kept."""
    code = PREFIX + secrets.token_urlsafe(18)
    await Person.filter(id=person.id).update(telegram_link_hash=_hash(code))
    return code


async def link(code: str, chat_id: int, now: datetime) -> Person | None:
    """The person the code belongs to, now reachable in this chat; None for a bad code."""
    async with in_transaction():
        person = await Person.get_or_none(
            telegram_link_hash=_hash(code), anonymised_at=None
        ).select_for_update()
        if person is None:
            return None
        # One chat, one person: an older link from this chat no longer receives.
        await (
            Person.filter(telegram_chat_id=chat_id)
            .exclude(id=person.id)
            .update(telegram_chat_id=None)
        )
        person.telegram_chat_id = chat_id
        person.telegram_unreachable_at = None
        person.telegram_link_hash = None
        person.preferred_channel = Channel.TELEGRAM
        await person.save(
            update_fields=[
                "telegram_chat_id",
                "telegram_unreachable_at",
                "telegram_link_hash",
                "preferred_channel",
                "updated_at",
            ]
        )
        if not await Consent.filter(
            person=person, kind=ConsentKind.CONTACT_TELEGRAM, withdrawn_at=None
        ).exists():
            await Consent.create(
                person=person,
                kind=ConsentKind.CONTACT_TELEGRAM,
                given_to="telegram:self",
                given_at=now,
            )
        moved = await OutboxMessage.filter(
            person=person, status=OutboxStatus.SCHEDULED, channel=Channel.SMS
        ).update(channel=Channel.TELEGRAM)
        await AuditEvent.create(
            actor_kind=ActorKind.PERSON,
            action="link_telegram",
            object_type="person",
            object_id=str(person.id),
            detail={"moved_messages": moved},
        )
    return person


async def person_for_chat(chat_id: int) -> Person | None:
    return await Person.get_or_none(telegram_chat_id=chat_id, anonymised_at=None)
