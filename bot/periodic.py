"""The scheduler's repeating work as plain functions: the jobs call them on their
interval, and the simulator's clock calls them at once after moving time, so what
fell due is seen now through the same code, not a minute later."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.services import Services
from flows.care import retention
from flows.core.clock import clock
from flows.meetings import notes_request
from flows.outcomes import followup
from flows.participants import survey
from storage.db import refresh_planner_statistics
from storage.duties import claim_duty, release_duty
from storage.updates import forget_before

log = logging.getLogger(__name__)


async def expire_and_wake(services: Services) -> None:
    """Survey questions past their time close; the dispatcher looks for what is due;
    once a day (of the one clock) the outcome questions that fell due are planned, the
    retention run anonymises old meetings and the
    database's planner statistics are refreshed."""
    now = clock.now()
    await survey.expire(now)
    await followup.expire(now)
    if services.retention_day != now.date():
        # Once a day across replicas: the first to claim the day does it. A run that
        # fails gives the day back, so the next minute (here or elsewhere) tries again.
        day = now.date().isoformat()
        if await claim_duty("retention", day, now):
            try:
                await _daily_upkeep(services, now)
            except Exception:
                await release_duty("retention", day)
                raise
        services.retention_day = now.date()
    if services.dispatcher is not None:
        services.dispatcher.wake()


async def _daily_upkeep(services: Services, now: datetime) -> None:
    done = await retention.anonymise_old_meetings(now, services.settings.retention_days)
    if done:
        log.info("retention: anonymised %d meeting(s)", done)
    await followup.plan_due(now, services.settings.outcome_days)
    await forget_before(now - timedelta(days=7))  # Telegram's update ids, kept a week
    await refresh_planner_statistics()


async def maintain_outbox(services: Services) -> None:
    """The every-minute job: also takes back the claims of a dispatcher that died."""
    if services.dispatcher is not None:
        await services.dispatcher.release_stale()
    await expire_and_wake(services)


async def run_what_fell_due(services: Services) -> None:
    """After the clock moved: every repeating job's time-driven part, once.

    Not release_stale: a jump makes every claim look old, even one being sent
    right now, and releasing that would send it twice."""
    await notes_request.queue_notes_requests(clock.now())
    await expire_and_wake(services)
