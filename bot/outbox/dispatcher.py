"""Sends what the outbox says is due, once, at the providers' pace.

The database is the truth; nothing per message lives in memory or in
APScheduler. One loop per channel asks the outbox for due rows, claims a batch
(to `sending`, attempts + 1), sends each and records the outcome, so a slow
SMS pace never holds back Telegram. Between batches
it sleeps until the next due row, a wake-up (a new row, the clock moved) or
`POLL_SECONDS`, whichever is first. APScheduler (PTB's JobQueue) runs the
periodic maintenance that releases rows left by a dead dispatcher.

Each batch's texts are stored (one statement) before its provider calls: a
delivery report may overtake the batch's record, and what it and the text say
must survive a kill in between (`flows.outbox.delivery.record_status`).

Duplicates, precisely: a row is sent at most once unless the process dies
after its provider call began and before its batch's `sent` was written (a
batch is recorded in one transaction when its last send returns). Such rows
are found in `sending` at the next start and sent again. So a kill duplicates
at most the messages of the batches under way: at most `batch_size` (default
16) per channel loop, so 32 per dispatcher process. Rows claimed but not yet
handed to a provider are not duplicated: they never left.

SQLite allows one dispatcher: it takes an exclusive file lock beside the
database, and a second process that cannot get it does not dispatch (and says
so). PostgreSQL allows several: claims use `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import fcntl
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from bot.outbox.senders import GiveUp, RetryLater, Sender
from flows.core.clock import Clock
from flows.core.phone import mask_in_text
from flows.participants import compose as policy
from storage import outbox
from storage.message_models import OutboxMessage
from storage.models import Channel

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
STALE_AFTER = timedelta(minutes=2)  # PostgreSQL: a claim not renewed for this long is orphaned
HEARTBEAT_SECONDS = 30.0  # a live dispatcher renews its claims this often (< STALE_AFTER / 2)


class DispatchRefused(RuntimeError):
    """Another process already dispatches from this SQLite database."""


class SqliteDispatchLock:
    """An flock beside the database file: released by the OS when the holder dies."""

    def __init__(self, database_url: str) -> None:
        parts = urlsplit(database_url)
        path = parts.netloc + parts.path
        self.path = Path(path + ".dispatch.lock") if path != ":memory:" else None
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        if self.path is None:
            return
        self._file = self.path.open("a+")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            self._file = None
            raise DispatchRefused(
                f"another process holds {self.path}: SQLite allows one dispatcher. "
                "This process serves the bot and the web but does not send reminders."
            ) from None

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class Dispatcher:
    def __init__(
        self,
        senders: Mapping[Channel, Sender],
        clock: Clock,
        *,
        database_url: str,
        batch_size: int = 16,
        max_in_flight: int = 8,
    ) -> None:
        self.senders = senders
        self.clock = clock
        self.database_url = database_url
        self.is_sqlite = urlsplit(database_url).scheme == "sqlite"
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = {channel: asyncio.Event() for channel in senders}
        self._tasks: list[asyncio.Task[None]] = []
        self._beat: asyncio.Task[None] | None = None
        self._lock = SqliteDispatchLock(database_url) if self.is_sqlite else None
        self._in_flight = {channel: asyncio.Semaphore(max_in_flight) for channel in senders}
        self._stopping = False
        self._paused: set[Channel] = set()

    @property
    def running(self) -> bool:
        return any(not task.done() for task in self._tasks)

    async def start(self) -> None:
        self._stopping = False
        if self._lock is not None:
            self._lock.acquire()  # raises DispatchRefused
        await self.release_stale()
        self._context = contextvars.copy_context()
        self._tasks = [
            asyncio.create_task(self._loop(channel), name=f"dispatch-{channel.value}")
            for channel in self.senders
        ]
        if not self.is_sqlite:  # SQLite's lock file already makes this the only dispatcher
            self._beat = asyncio.create_task(self._heartbeat(), name="dispatch-heartbeat")

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Claims nothing more and lets sends under way finish (within the grace), so a
        clean stop leaves no row in `sending`."""
        self._stopping = True
        self.wake()
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
            self._beat = None
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=grace_seconds)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._tasks = []
        if self._lock is not None:
            self._lock.release()

    def wake(self) -> None:
        for event in self._wake.values():
            event.set()

    def pause(self, channel: Channel) -> None:
        """The provider is unreachable: claim nothing of this channel, so its rows wait
        without spending their attempts (the process resumes it when it answers)."""
        self._paused.add(channel)

    def resume(self, channel: Channel) -> None:
        self._paused.discard(channel)
        self.wake()

    async def release_stale(self) -> None:
        # With SQLite we hold the only lock, so every `sending` row is an orphan.
        older_than = timedelta(0) if self.is_sqlite else STALE_AFTER
        released = await outbox.release_stale(self.clock.now(), older_than, alive=self.id)
        if released:
            log.warning("released %d message(s) interrupted while sending", released)
            self.wake()

    async def _heartbeat(self) -> None:
        """Replicas share one PostgreSQL: each releases the claims of the dead ones, and a
        send may outlast STALE_AFTER (provider timeouts, a long rate-limited batch). The
        renewal keeps this dispatcher's claims its own for as long as it lives."""
        while not self._stopping:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await outbox.renew_claims(self.id, self.clock.now())
            except Exception as error:  # the database is out: the loops report and retry
                log.debug("heartbeat skipped: %s", error)

    async def _loop(self, channel: Channel) -> None:
        while not self._stopping:
            try:
                if channel in self._paused:
                    self._wake[channel].clear()
                    await self._sleep(channel, POLL_SECONDS)  # resume() wakes it
                    continue
                sent = await self._round(channel)
                if not sent and not self._stopping:
                    await self._sleep_until_due(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not end dispatching for good
                # (the sleep asks the database too: a lost database once ended this loop)
                log.exception("dispatch round failed; retrying shortly")
                await asyncio.sleep(1)

    async def _round(self, channel: Channel) -> int:
        """One round in its own task, from the context as it was at start.

        Tortoise keeps the current transaction in a context variable; when a connection
        dies inside a transaction that variable can stay set to the dead connection, and
        every later round in the same task would reuse it (seen with PostgreSQL cut off).
        A fresh copy per round leaves nothing behind."""
        round_ = asyncio.create_task(self.run_once(channel), context=self._context.copy())
        return await round_

    async def _sleep_until_due(self, channel: Channel) -> None:
        self._wake[channel].clear()
        timeout = POLL_SECONDS
        next_due = await outbox.next_due_at(channel)
        if next_due is not None:
            timeout = min(timeout, max((next_due - self.clock.now()).total_seconds(), 0))
        if timeout <= 0:
            return
        await self._sleep(channel, timeout)

    async def _sleep(self, channel: Channel, timeout: float) -> None:
        wake = self._wake[channel]
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await wake.wait()

    async def run_once(self, channel: Channel) -> int:
        """Claims and sends one batch of a channel; returns how many rows it handled.

        Each text is stored before its provider call (one statement for the batch): a
        delivery report can overtake our record of the send, and a process that dies
        in between must not leave a delivered row without its text. What went out
        (provider id, send time, parts) is recorded for the whole batch in one
        transaction when its last send returns (one commit, not one per message)."""
        batch = await outbox.claim_due(self.clock.now(), self.id, self.batch_size, channel)
        if batch:
            decisions = await asyncio.gather(*(self._compose(message) for message in batch))
            ready = [(m, d) for m, d in zip(batch, decisions, strict=True) if d is not None]
            if ready:
                await self._record_texts(ready)
            results = await asyncio.gather(*(self._handle(m, d) for m, d in ready))
            sent = [result for result in results if result is not None]
            if sent:
                await outbox.record_sent(sent, self.clock.now())
                log.info("sent %d %s message(s)", len(sent), channel.value)
        return len(batch)

    async def _record_texts(self, ready: list[tuple[OutboxMessage, policy.Composed]]) -> None:
        try:
            await outbox.record_texts([(m.id, d.text) for m, d in ready])
        except Exception:
            # Nothing went out: give the rows back rather than leave them claimed.
            for message, _ in ready:
                with contextlib.suppress(Exception):
                    await outbox.defer(message.id, self.clock.now(), "text not stored")
            raise

    async def _compose(self, message: OutboxMessage) -> policy.Composed | None:
        """What to send, or None when the row is settled here (skipped, deferred, failed)."""
        try:
            now = self.clock.now()
            decision = await policy.compose(message, now)
            if isinstance(decision, policy.Skip):
                await outbox.mark_final(message.id, decision.status, decision.reason)
                return None
            if isinstance(decision, policy.Defer):
                await outbox.defer(message.id, decision.until, decision.reason)
                return None
            return decision
        except asyncio.CancelledError:
            raise
        except Exception as error:  # one bad row must not stop the others
            log.exception("message %s could not be composed", message.id)
            await self._retry_or_fail(message, f"internal error: {type(error).__name__}")
            return None

    async def _handle(
        self, message: OutboxMessage, decision: policy.Composed
    ) -> outbox.SentRecord | None:
        try:
            async with self._in_flight[message.channel]:
                return await self._send(message, decision)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # one bad row must not stop the others
            log.exception("message %s could not be handled", message.id)
            await self._retry_or_fail(message, f"internal error: {type(error).__name__}")
            return None

    async def _send(
        self, message: OutboxMessage, decision: policy.Composed
    ) -> outbox.SentRecord | None:
        sender = self.senders[message.channel]
        try:
            result = await sender.send(
                decision.address, decision.text, outbox_id=message.id, buttons=decision.buttons
            )
        except RetryLater as error:
            await self._retry_or_fail(message, str(error), error.retry_after)
            return None
        except GiveUp as error:
            await self._fail(message, str(error), error.code)
            return None
        return outbox.SentRecord(message, result.provider_id, decision.text, result.parts)

    async def _retry_or_fail(
        self, message: OutboxMessage, reason: str, retry_after: float | None = None
    ) -> None:
        if message.attempts >= outbox.MAX_ATTEMPTS:
            await self._fail(message, f"{reason} (after {message.attempts} attempts)", None)
            return
        when = self.clock.now() + policy.backoff(message.attempts, retry_after)
        await outbox.mark_retry(message.id, when, reason)
        log.info(
            "message %s will be retried at %s: %s",
            message.id,
            when.isoformat(),
            mask_in_text(reason),
        )

    async def _fail(self, message: OutboxMessage, reason: str, code: str | None) -> None:
        if await policy.fail(message, reason, code, self.clock.now()):
            log.warning("message %s failed: %s", message.id, mask_in_text(reason))
            await policy.notify_convenor_of_failure(message, reason, self.clock.now())
            self.wake()
