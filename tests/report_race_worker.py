"""A dispatcher whose delivery reports overtake its own record of the batch, and a
batch that never finishes: the test SIGKILLs it there. Run as
`python -m tests.report_race_worker DATABASE_URL`; prints `reported` once every
message's report is recorded.

The report is recorded the way the web route does it (`flows.outbox.delivery.record_status`,
in the same event loop), after the provider accepted the message and before the
batch's `record_sent`. The last message's send never returns, so the batch is never
recorded.
"""

from __future__ import annotations

import asyncio
import sys

from bot.outbox.dispatcher import Dispatcher
from bot.outbox.senders import Sent
from flows.core.clock import clock
from flows.outbox.delivery import record_status
from storage.db import open_database
from storage.message_models import OutboxMessage
from storage.models import Channel


def provider_id(outbox_id: int) -> str:
    return f"SM{outbox_id:032x}"


class ReportFirstProvider:
    def __init__(self, ids: list[int]) -> None:
        self.waiting = set(ids)
        self.last = max(ids)

    async def send(self, address: str, text: str, *, outbox_id: int, buttons: object) -> Sent:
        await record_status(provider_id(outbox_id), "delivered", None, outbox_id)
        self.waiting.discard(outbox_id)
        if not self.waiting:
            print("reported", flush=True)
        if outbox_id == self.last:
            await asyncio.Event().wait()  # this batch is never recorded
        return Sent(provider_id(outbox_id))


async def main(database_url: str) -> None:
    await open_database(database_url)
    ids = await OutboxMessage.all().values_list("id", flat=True)
    provider = ReportFirstProvider(list(ids))
    dispatcher = Dispatcher({Channel.TELEGRAM: provider}, clock, database_url=database_url)
    await dispatcher.start()
    await asyncio.Event().wait()  # until SIGKILL


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
