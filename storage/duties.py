"""Duties that must happen once per period across every replica on one database.

A duty is claimed by inserting its (duty, period) row: the unique pair lets exactly one
replica win, on SQLite and PostgreSQL alike, and the row stays as the record of who did
it. The claim is taken before the work; a run that fails gives the period back
(`release_duty`), so another minute's run does it. A replica killed halfway leaves the
period claimed: the duties here are idempotent and run again the next period.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from tortoise.exceptions import IntegrityError

from storage.record_models import DutyRun

OWNER = f"{socket.gethostname()}:{os.getpid()}"[:120]


async def claim_duty(duty: str, period: str, now: datetime) -> bool:
    """True for the one caller that may do `duty` for `period`; False for everyone else."""
    try:
        await DutyRun.create(duty=duty, period=period, owner=OWNER, claimed_at=now)
    except IntegrityError:
        return False
    return True


async def release_duty(duty: str, period: str) -> None:
    """Gives a period back after a failed run, so the next attempt may claim it."""
    await DutyRun.filter(duty=duty, period=period, owner=OWNER).delete()
