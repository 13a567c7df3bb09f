"""PostgreSQL lost while the process runs: health says so, nothing is lost, and once the
database is back every due message goes out exactly once, with no restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
import asyncpg
import pytest

from flows.core.clock import clock
from flows.outbox.campaign import schedule_reminders
from storage.message_models import OutboxMessage
from storage.models import OutboxStatus
from tests.conftest import PG_ADMIN_URL, PG_TEST_DB, eventually, local_process
from tests.factories import convenor, meeting_with_attendees

OUTAGE_SECONDS = 60  # the "lost for a minute": many failed rounds, probes and minute jobs

pytestmark = pytest.mark.postgres


async def _admin() -> asyncpg.Connection:
    return await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), timeout=3)


async def _cut_off(admin: asyncpg.Connection, allow: bool) -> None:
    """Refuse new connections to the test database and drop the open ones (or undo it)."""
    await admin.execute(
        f'ALTER DATABASE "{PG_TEST_DB}" WITH ALLOW_CONNECTIONS {"true" if allow else "false"}'
    )
    if not allow:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            PG_TEST_DB,
        )


async def test_the_process_rides_out_a_lost_database_and_loses_nothing(tmp_path, postgres_url):
    from tests.conftest import truncate_postgres

    await truncate_postgres(postgres_url)
    async with local_process(tmp_path, DATABASE_URL=postgres_url, SMS_PER_SECOND="50") as process:
        staff = await convenor()
        phones = tuple(f"+4670174{index:04d}" for index in range(10))
        meeting = await meeting_with_attendees(
            datetime.now(UTC) + timedelta(days=7), staff, phones=phones
        )
        await schedule_reminders(meeting)
        first_due = min(
            await OutboxMessage.filter(meeting=meeting).values_list("due_at", flat=True)
        )
        due_rows = await OutboxMessage.filter(meeting=meeting, due_at=first_due).count()
        assert due_rows == 10
        admin = await _admin()
        try:
            await _cut_off(admin, allow=False)
            clock.set(first_due + timedelta(seconds=1))
            process.services.dispatcher.wake()
            async with aiohttp.ClientSession() as http:
                for _ in range(OUTAGE_SECONDS):
                    async with http.get(process.local_url + "/healthz") as response:
                        assert response.status == 503
                    await asyncio.sleep(1)
            assert process.services.twilio_standin.sent == []
        finally:
            await _cut_off(admin, allow=True)
            await admin.close()
        process.services.dispatcher.wake()
        sent = await process.services.twilio_standin.wait_for_sent(due_rows, timeout=30)
        assert sorted(m["to"] for m in sent) == sorted(phones)

        async def all_recorded_as_sent() -> bool:
            done = (OutboxStatus.SENT, OutboxStatus.DELIVERED)
            return await OutboxMessage.filter(due_at=first_due, status__in=done).count() == due_rows

        await eventually(all_recorded_as_sent, timeout=10)
        assert await OutboxMessage.filter(meeting=meeting).count() == 20  # none lost
        await asyncio.sleep(2)
        assert len(process.services.twilio_standin.sent) == due_rows  # none twice
