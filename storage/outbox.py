"""Outbox row transitions. The states and their meaning: `storage.models.OutboxStatus`.

Every transition is a compare-and-set on the current status, so a late or
doubled call changes nothing. Claiming on PostgreSQL uses
`FOR UPDATE SKIP LOCKED`, so several dispatchers never take the same row;
SQLite drops that clause and relies on a single dispatcher (see
`bot.outbox.dispatcher`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Case, F, When
from tortoise.functions import Min
from tortoise.transactions import in_transaction

from storage.message_models import OutboxMessage
from storage.models import Channel, OutboxStatus

MAX_ATTEMPTS = 3
CLAIMED_FIELDS = (
    "id",
    "channel",
    "kind",
    "template",
    "params",
    "buttons",
    "locale",
    "meeting_id",
    "person_id",
    "staff_user_id",
    "expires_at",
    "attempts",
    "next_attempt_at",
    "status",
    "claimed_by",
)
PENDING = (OutboxStatus.SCHEDULED, OutboxStatus.SENDING)


@dataclass(frozen=True)
class RowButton:
    """One inline button of an outbox row (`OutboxMessage.buttons`), as data.

    `label` is stored as its msgid and translated when the row is composed, in the
    row's locale; the callback is encoded only when it is sent (one encoder, in the
    Telegram sender), so a row says what the button does, not how Telegram spells it.
    """

    label: str
    action: str
    meeting_id: int
    args: tuple[str, ...] = ()

    def as_data(self) -> dict:
        return {
            "label": self.label,
            "action": self.action,
            "args": list(self.args),
            "meeting_id": self.meeting_id,
        }

    @classmethod
    def from_data(cls, data: dict) -> RowButton:
        return cls(
            label=str(data["label"]),
            action=str(data["action"]),
            meeting_id=int(data["meeting_id"]),
            args=tuple(str(arg) for arg in data.get("args") or ()),
        )


def buttons_data(rows: list[list[RowButton]]) -> list[list[dict]]:
    """What `OutboxMessage.buttons` stores for these rows of buttons."""
    return [[button.as_data() for button in row] for row in rows]


def read_buttons(stored: list | None) -> list[list[RowButton]]:
    """The rows of buttons a row carries (none: an empty list)."""
    return [[RowButton.from_data(b) for b in row] for row in stored or ()]


async def claim_due(
    now: datetime, dispatcher_id: str, limit: int, channel: Channel | None = None
) -> list[OutboxMessage]:
    """Moves up to `limit` due rows to `sending` for this dispatcher; attempts += 1."""
    due = OutboxMessage.filter(status=OutboxStatus.SCHEDULED, next_attempt_at__lte=now)
    if channel is not None:
        due = due.filter(channel=channel)
    async with in_transaction() as conn:
        ids = await (
            due.order_by("next_attempt_at", "id")
            .limit(limit)
            .select_for_update(skip_locked=True)
            .using_db(conn)
            .values_list("id", flat=True)
        )
        if not ids:
            return []
        await (
            OutboxMessage.filter(id__in=ids, status=OutboxStatus.SCHEDULED)
            .using_db(conn)
            .update(
                status=OutboxStatus.SENDING,
                claimed_by=dispatcher_id,
                claimed_at=now,
                attempts=F("attempts") + 1,
            )
        )
    # Only what composing and the outcome need (building full rows costs more than
    # the queries), with their meeting and recipient, in a few queries per batch.
    return await (
        OutboxMessage.filter(id__in=ids, status=OutboxStatus.SENDING, claimed_by=dispatcher_id)
        .order_by("next_attempt_at", "id")
        .only(*CLAIMED_FIELDS)
        .prefetch_related("meeting", "person", "staff_user")
    )


async def next_due_at(channel: Channel | None = None) -> datetime | None:
    scheduled = OutboxMessage.filter(status=OutboxStatus.SCHEDULED)
    if channel is not None:
        scheduled = scheduled.filter(channel=channel)
    rows = await scheduled.annotate(first=Min("next_attempt_at")).values_list("first", flat=True)
    return rows[0] if rows else None


@dataclass(frozen=True)
class SentRecord:
    message: OutboxMessage
    provider_id: str | None
    body: str
    parts: int | None


async def record_texts(texts: list[tuple[int, str]]) -> None:
    """The texts about to go out, stored before the provider calls, in one statement:
    whatever a delivery report or a crash does next, the row keeps what was sent."""
    async with in_transaction() as conn:
        mark = "${}" if conn.capabilities.dialect == "postgres" else "?"
        await conn.execute_many(
            f'UPDATE "{OutboxMessage._meta.db_table}" SET "body" = {mark.format(1)} '
            f'WHERE "id" = {mark.format(2)} AND "status" = {mark.format(3)}',
            [[text, message_id, OutboxStatus.SENDING.value] for message_id, text in texts],
        )


async def record_sent(records: list[SentRecord], now: datetime) -> None:
    """A batch's sends in one transaction of two statements, however many messages.

    A delivery report may have overtaken us (its status is newer): the status
    moves to `sent` only where it is still `sending`; the facts are kept for all.
    """
    ids = [r.message.id for r in records]
    async with in_transaction() as conn:
        await (
            OutboxMessage.filter(id__in=ids)
            .using_db(conn)
            .update(
                status=Case(
                    When(status=OutboxStatus.SENDING, then=OutboxStatus.SENT.value),
                    default=F("status"),
                ),
                sent_at=now,
                claimed_by=None,
                last_error=None,
            )
        )
        # Per-row facts as one prepared statement run for every row (executemany);
        # only text and numbers, so no driver-specific value conversion is needed.
        mark = "${}" if conn.capabilities.dialect == "postgres" else "?"
        params = [mark.format(i) for i in range(1, 5)]
        await conn.execute_many(
            f'UPDATE "{OutboxMessage._meta.db_table}" SET "provider_message_id" = {params[0]}, '
            f'"body" = {params[1]}, "parts" = {params[2]} WHERE "id" = {params[3]}',
            [[r.provider_id, r.body, r.parts, r.message.id] for r in records],
        )


async def mark_retry(message_id: int, next_attempt_at: datetime, error: str) -> None:
    await OutboxMessage.filter(id=message_id, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.SCHEDULED,
        next_attempt_at=next_attempt_at,
        last_error=error[:1000],
        claimed_by=None,
    )


async def defer(message_id: int, until: datetime, reason: str) -> None:
    """Not yet (quiet hours): back to `scheduled`, and the claim's attempt given back."""
    await OutboxMessage.filter(id=message_id, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.SCHEDULED,
        next_attempt_at=until,
        attempts=Case(When(attempts__gt=0, then=F("attempts") - 1), default=0),
        last_error=reason,
        claimed_by=None,
    )


async def mark_final(
    message_id: int, status: OutboxStatus, error: str | None = None, code: str | None = None
) -> bool:
    """failed / expired / cancelled from `sending`; True when this call made the change."""
    updated = await OutboxMessage.filter(id=message_id, status=OutboxStatus.SENDING).update(
        status=status, last_error=error[:1000] if error else None, error_code=code, claimed_by=None
    )
    return bool(updated)


async def renew_claims(dispatcher_id: str, now: datetime) -> int:
    """A live dispatcher's heartbeat: its in-flight claims are fresh again, so another
    replica's `release_stale` never takes back what this one still holds."""
    return await OutboxMessage.filter(status=OutboxStatus.SENDING, claimed_by=dispatcher_id).update(
        claimed_at=now
    )


async def release_stale(now: datetime, older_than: timedelta, alive: str | None = None) -> int:
    """Rows left in `sending` by a dispatcher that died go back to `scheduled`.

    Their claim counted an attempt that may never have reached the provider, so
    it is given back: a kill never uses up a message's tries. They keep their
    due time, so they go out first. Returns how many were released.

    `alive` is the caller's own dispatcher id: its claims are in flight, never stale
    (releasing them mid-batch sent those messages twice).
    """
    cutoff = now - older_than
    stale = OutboxMessage.filter(status=OutboxStatus.SENDING, claimed_at__lte=cutoff)
    if alive is not None:
        stale = stale.exclude(claimed_by=alive)
    return await stale.update(
        status=OutboxStatus.SCHEDULED,
        attempts=Case(When(attempts__gt=0, then=F("attempts") - 1), default=0),
        claimed_by=None,
    )
