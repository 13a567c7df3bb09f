"""Inbound SMS after the webhook's answer: the group commit that stores them and the
worker that handles what is stored, exactly once.

The webhook hands each message to `submit` and answers as soon as its batch is
committed. The worker wakes when a batch holds a known sender's message, at start
(whatever a crash or a stop left unprocessed) and every `poll_seconds` (rows another
process stored), and handles the stored messages one transaction each
(`flows.participants.inbound.process_next`), letting requests waiting to be stored
go first. The dispatcher is woken once per run
of handled messages, not once per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from flows.participants import inbound
from flows.participants.inbound import IncomingSms, Stored
from storage.group_commit import GroupCommit
from storage.message_models import InboundMessage

log = logging.getLogger(__name__)

WAKE_EVERY = 50  # handled messages between two dispatcher wake-ups in a long run
# Taking messages in comes first: before each message it handles, the worker waits
# until no request is being stored and none came in for QUIET seconds (SQLite has one
# connection, and a message handled holds it for a dozen statements), but never longer
# than YIELD_AT_MOST, so under a long burst it still makes progress.
QUIET = 0.02
YIELD_AT_MOST = 0.25


class InboundWorker:
    def __init__(
        self,
        wake_dispatcher: Callable[[], None] | None = None,
        *,
        poll_seconds: float = 30.0,
        before_commit: Callable[[InboundMessage], Awaitable[None]] | None = None,
    ) -> None:
        self.wake_dispatcher = wake_dispatcher
        self.poll_seconds = poll_seconds
        self._before_commit = before_commit
        self.intake: GroupCommit[IncomingSms, Stored] = GroupCommit(
            inbound.store_sms, after_batch=self._stored
        )
        self._work = asyncio.Event()
        self._busy = False
        self._task: asyncio.Task[None] | None = None

    async def submit(self, message: IncomingSms) -> Stored:
        """Returns once the message is durably stored (or known as a repeat)."""
        return await self.intake.submit(message)

    def _stored(self, results: list[Stored]) -> None:
        if Stored.KNOWN in results:
            self._work.set()

    def start(self) -> None:
        self._work.set()  # recovery: what an earlier run left unprocessed
        self._task = asyncio.create_task(self._run(), name="inbound-worker")

    async def stop(self) -> None:
        await self.intake.close()
        if self._task is not None:
            self._task.cancel()  # a message half handled rolls back: handled on restart
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._work.wait(), self.poll_seconds)
            self._work.clear()
            self._busy = True
            try:
                await self._drain()
            except Exception:
                log.exception("handling stored inbound SMS failed; trying again shortly")
                await asyncio.sleep(1.0)
                self._work.set()
            finally:
                self._busy = False

    async def _drain(self) -> None:
        handled = 0
        try:
            while True:
                await self._intake_first()
                if not await inbound.process_next(self._before_commit):
                    break
                handled += 1
                if handled % WAKE_EVERY == 0:
                    self._wake()
        finally:
            if handled % WAKE_EVERY:
                self._wake()

    async def _intake_first(self) -> None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + YIELD_AT_MOST
        while loop.time() < give_up and (  # noqa: ASYNC110 - three conditions, one a clock
            self.intake.pending or loop.time() - self.intake.last_submit < QUIET
        ):
            await asyncio.sleep(0.002)

    def _wake(self) -> None:
        if self.wake_dispatcher is not None:
            self.wake_dispatcher()

    async def settled(self, timeout: float = 10.0) -> None:
        """Waits until everything submitted so far is stored and handled (tests)."""
        async with asyncio.timeout(timeout):
            while self.intake.pending or self._busy or self._work.is_set():  # noqa: ASYNC110
                await asyncio.sleep(0.005)
