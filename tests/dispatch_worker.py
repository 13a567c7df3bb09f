"""A dispatcher alone in a process, sending to a provider that logs every call it
accepts. Used by the kill and concurrency tests; run as
`python -m tests.dispatch_worker DATABASE_URL LOG_FILE`. Exits when nothing is
pending; exit code 3 when it may not dispatch (SQLite already has a dispatcher).
"""

from __future__ import annotations

import asyncio
import os
import sys

from bot.outbox.dispatcher import Dispatcher, DispatchRefused
from bot.outbox.senders import Sent
from flows.core.clock import clock
from storage.db import close_database, open_database
from storage.message_models import OutboxMessage
from storage.models import Channel
from storage.outbox import PENDING

PROVIDER_SECONDS = 0.02  # how long the fake provider takes to accept a message


class LoggingProvider:
    def __init__(self, path: str) -> None:
        # O_APPEND: each short write lands whole, even from several processes.
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def send(self, address: str, text: str, *, outbox_id: int, buttons: object) -> Sent:
        await asyncio.sleep(PROVIDER_SECONDS)
        os.write(self._fd, f"{outbox_id} {os.getpid()}\n".encode())  # accepted
        return Sent(f"fake-{outbox_id}")


async def main(database_url: str, log_path: str, linger: float) -> int:
    await open_database(database_url)
    dispatcher = Dispatcher(
        {Channel.TELEGRAM: LoggingProvider(log_path)}, clock, database_url=database_url
    )
    try:
        await dispatcher.start()
    except DispatchRefused as refused:
        print(f"refused: {refused}", flush=True)
        await close_database()
        return 3
    print("dispatching", flush=True)
    # Other processes change these rows too: only the database can say when all is done.
    while await OutboxMessage.filter(status__in=PENDING).exists():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    await asyncio.sleep(linger)
    await dispatcher.stop()
    await close_database()
    return 0


if __name__ == "__main__":
    linger = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], linger)))
