"""The one clock everything asks for "now".

The scheduler, the flows and the simulator's time travel all read this, so a
test or the simulator can move time without a code path of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self._offset += delta

    def reset(self) -> None:
        """Back to real time (a test's end, a fresh simulator)."""
        self._offset = timedelta(0)

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("an aware datetime is needed")
        self.advance(moment - self.now())


clock = Clock()
