"""The inbound queue: messages stored before the webhook answers, handled after.

`insert_new` stores a batch in one transaction and tells which rows were new (a
provider id seen before, in an earlier batch or earlier in this one, is a repeat
delivery: not stored again, the others unharmed). `claim_next` hands the processing
transaction the oldest unprocessed row whose sender has no older one waiting, so one
person's messages are handled in the order they came. On PostgreSQL it takes the row
`FOR UPDATE SKIP LOCKED`: several processes never handle the same row, nor two rows of
one sender at once (the older, locked row still counts as waiting until it commits).
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from storage.models import InboundMessage


async def insert_new(rows: list[InboundMessage]) -> set[str]:
    """Stores the rows with a provider id not seen before; returns those ids."""
    ids = [row.provider_message_id for row in rows]
    async with in_transaction() as conn:
        seen = set(
            await InboundMessage.filter(provider_message_id__in=ids)
            .using_db(conn)
            .values_list("provider_message_id", flat=True)
        )
        fresh: dict[str, InboundMessage] = {}
        for row in rows:
            if row.provider_message_id not in seen:
                fresh.setdefault(row.provider_message_id, row)
        if fresh:
            # A twin committed by another process meanwhile is skipped, not an error.
            await InboundMessage.bulk_create(
                list(fresh.values()), ignore_conflicts=True, using_db=conn
            )
    return set(fresh)


async def claim_next(conn: BaseDBAsyncClient) -> InboundMessage | None:
    """Within the caller's transaction: the next row to process, locked on PostgreSQL."""
    postgres = conn.capabilities.dialect == "postgres"
    table = InboundMessage._meta.db_table  # known once Tortoise is set up
    lock = " FOR UPDATE OF i SKIP LOCKED" if postgres else ""
    _, rows = await conn.execute_query(
        f'SELECT i."id" FROM "{table}" i WHERE i."processed_at" IS NULL AND NOT EXISTS ('
        f'SELECT 1 FROM "{table}" o WHERE o."processed_at" IS NULL '
        f'AND o."person_id" = i."person_id" AND o."id" < i."id") '
        f'ORDER BY i."id" LIMIT 1{lock}'
    )
    if not rows:
        return None
    return await InboundMessage.get(id=rows[0]["id"]).using_db(conn)


async def waiting() -> int:
    return await InboundMessage.filter(processed_at=None).count()
