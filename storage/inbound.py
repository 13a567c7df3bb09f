"""The inbound queue: messages stored before the webhook answers, handled after.

`known_senders` finds which numbers are our people, `insert_new` stores a batch in
one statement and tells which rows were new (a
provider id seen before, in an earlier batch or earlier in this one, is a repeat
delivery: not stored again, the others unharmed). `claim_next` hands the processing
transaction the oldest unprocessed row whose sender has no older one waiting, so one
person's messages are handled in the order they came. On PostgreSQL it takes the row
`FOR UPDATE SKIP LOCKED`: several processes never handle the same row, nor two rows of
one sender at once (the older, locked row still counts as waiting until it commits).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import NamedTuple

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from storage.message_models import InboundMessage
from storage.models import Person


class NewInbound(NamedTuple):
    """A row to store, in the table's column order (`id` and `received_at` are set here)."""

    channel: str
    provider_message_id: str
    person_id: int | None
    sender_masked: str
    body: str
    handled_as: str
    processed_at: datetime | None


_COLUMNS = (*NewInbound._fields, "received_at")


async def known_senders(phones: set[str]) -> dict[str, int]:
    """Each phone number's first person row that is not anonymised, in one query
    (written out: building it with the ORM cost more than running it)."""
    if not phones:
        return {}
    conn = Person._meta.db
    if conn.capabilities.dialect == "postgres":
        where, values = '"phone" = ANY($1::varchar[])', [list(phones)]
    else:
        where, values = '"phone" IN (' + ", ".join("?" * len(phones)) + ")", list(phones)
    _, rows = await conn.execute_query(
        f'SELECT "phone", "id" FROM "{Person._meta.db_table}" '
        f'WHERE {where} AND "anonymised_at" IS NULL ORDER BY "id"',
        values,
    )
    known: dict[str, int] = {}
    for row in rows:
        known.setdefault(row["phone"], row["id"])
    return known


async def insert_new(rows: list[NewInbound]) -> set[str]:
    """Stores the rows with a provider id not seen before; returns those ids.

    One statement (so one commit, and one round trip to SQLite's thread) however many
    rows: INSERT ... ON CONFLICT DO NOTHING RETURNING names the rows it stored, so a
    repeat, even one committed a moment ago by another process, is told apart exactly."""
    fresh: dict[str, NewInbound] = {}
    for row in rows:
        fresh.setdefault(row.provider_message_id, row)  # a twin in the batch is a repeat
    conn = InboundMessage._meta.db
    received_at = datetime.now(UTC)  # what auto_now_add would set
    if conn.capabilities.dialect == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        return await _insert_new_without_returning(list(fresh.values()), received_at)
    postgres = conn.capabilities.dialect == "postgres"
    values: list[object] = []
    groups = []
    for row in fresh.values():
        first = len(values)
        values.extend(row)
        values.append(received_at)
        if postgres:
            marks = ", ".join(f"${n}" for n in range(first + 1, len(values) + 1))
        else:
            marks = ", ".join("?" * len(_COLUMNS))
        groups.append(f"({marks})")
    columns = ", ".join(f'"{name}"' for name in _COLUMNS)
    insert = (
        f'INSERT INTO "{InboundMessage._meta.db_table}" ({columns}) VALUES {", ".join(groups)} '
        'ON CONFLICT ("provider_message_id") DO NOTHING RETURNING "provider_message_id"'
    )
    if postgres:  # Tortoise fetches no rows from a statement that starts with INSERT
        insert = f'WITH stored AS ({insert}) SELECT "provider_message_id" FROM stored'
    _, stored = await conn.execute_query(insert, values)
    return {record["provider_message_id"] for record in stored}


async def _insert_new_without_returning(rows: list[NewInbound], received_at: datetime) -> set[str]:
    """SQLite before 3.35 has no RETURNING: look for repeats first, in the transaction
    (SQLite has one writer, so nothing comes in between)."""
    async with in_transaction() as conn:
        seen = set(
            await InboundMessage.filter(
                provider_message_id__in=[r.provider_message_id for r in rows]
            )
            .using_db(conn)
            .values_list("provider_message_id", flat=True)
        )
        fresh = [row for row in rows if row.provider_message_id not in seen]
        if fresh:
            await InboundMessage.bulk_create(
                [InboundMessage(**row._asdict(), received_at=received_at) for row in fresh],
                ignore_conflicts=True,
                using_db=conn,
            )
    return {row.provider_message_id for row in fresh}


async def claim_next(conn: BaseDBAsyncClient) -> InboundMessage | None:
    """Within the caller's transaction: the next row to process, locked on PostgreSQL."""
    postgres = conn.capabilities.dialect == "postgres"
    table = InboundMessage._meta.db_table  # known once Tortoise is set up
    lock = " FOR UPDATE OF i SKIP LOCKED" if postgres else ""
    _, rows = await conn.execute_query(
        # SMS only: a Telegram reply is handled where it arrives (and marked so); one
        # left unmarked by an older version must never be answered again by SMS.
        f'SELECT i."id" FROM "{table}" i WHERE i."processed_at" IS NULL '
        """AND i."channel" = 'sms' AND NOT EXISTS ("""
        f'SELECT 1 FROM "{table}" o WHERE o."processed_at" IS NULL '
        f'AND o."person_id" = i."person_id" AND o."id" < i."id") '
        f'ORDER BY i."id" LIMIT 1{lock}'
    )
    if not rows:
        return None
    return await InboundMessage.get(id=rows[0]["id"]).using_db(conn)


async def waiting() -> int:
    return await InboundMessage.filter(processed_at=None).count()
