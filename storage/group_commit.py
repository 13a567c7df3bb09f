"""Group commit: the rows of concurrent callers written in one transaction.

A caller hands its item to `submit` and awaits its result. One writer task takes
everything queued so far as a batch and writes it with one call of `write` (which
writes them in one transaction); the next batch closes when the writer is free again.
At low load a batch is one item and the latency one commit; under load the commits
are shared. An error fails the batch it happened in, and only that batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[list[R]]],
        *,
        max_batch: int = 200,
        after_batch: Callable[[list[R]], None] | None = None,
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._after_batch = after_batch
        self._queued: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0  # how many commits so far (tests, benches)
        self.last_submit = 0.0  # the event loop's time of the latest submit

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        self.last_submit = loop.time()
        future: asyncio.Future[R] = loop.create_future()
        self._queued.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="group-commit")
        # A caller that goes away (the client hung up) leaves its item queued: stored anyway.
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._queued:
            batch = self._queued[: self._max_batch]
            del self._queued[: len(batch)]
            try:
                results = await self._write([item for item, _ in batch])
            except Exception as error:  # handed to each caller of the batch
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            self.batches += 1
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
            if self._after_batch is not None:
                self._after_batch(results)

    @property
    def pending(self) -> bool:
        """Items queued or being written."""
        return bool(self._queued) or (self._writer is not None and not self._writer.done())

    async def close(self) -> None:
        """Waits for what is queued to be written."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
