"""Inbound SMS stored, then a SIGKILL in the middle of handling them: the test kills
this process inside the first message's transaction, its effects written and not
committed. Run as `python -m tests.inbound_crash_worker DATABASE_URL MODE`:

- `crash`: stores MESSAGES through the group commit (as the webhook does), prints
  `stored`, starts the worker, prints `handling` inside the first message's
  transaction and waits there for the SIGKILL;
- `recover`: starts a worker as a restarted process does, prints `drained` once
  everything stored is handled, and exits.
"""

from __future__ import annotations

import asyncio
import sys

from bot.sms.inbound_worker import InboundWorker
from flows.participants.inbound import IncomingSms, Stored
from storage.db import close_database, open_database
from storage.message_models import InboundMessage

PHONES = ("+46701740605", "+46701740606", "+46701740607")
# Three yes from three people, and the second one's note for the convenor after it.
MESSAGES = [IncomingSms(f"SMcrash{n}", phone, "ja") for n, phone in enumerate(PHONES)] + [
    IncomingSms("SMcrash3", PHONES[1], "Jag kommer tio minuter sent")
]


async def stop_here(row: InboundMessage) -> None:
    print("handling", flush=True)
    await asyncio.Event().wait()  # until SIGKILL


async def main(database_url: str, mode: str) -> None:
    await open_database(database_url)
    if mode == "crash":
        worker = InboundWorker(before_commit=stop_here)
        stored = await asyncio.gather(*(worker.submit(m) for m in MESSAGES))
        assert stored == [Stored.KNOWN] * len(MESSAGES), stored
        print("stored", flush=True)
        worker.start()
        await asyncio.Event().wait()  # until SIGKILL
    worker = InboundWorker()
    worker.start()
    await worker.settled()
    print("drained", flush=True)
    await worker.stop()
    await close_database()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
