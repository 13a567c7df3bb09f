"""Several replicas on one database (issue 15): what must happen once, happens once.

Replicas start at the same moment in a rolling deploy: each runs the migrations at start,
and only one may apply them. A periodic duty (retention and the planner statistics, once
a day) is claimed by one replica for its period. A live dispatcher's claims are renewed
by its heartbeat, so another replica never takes back what it still holds.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.outbox import dispatcher as dispatcher_module
from bot.outbox.dispatcher import STALE_AFTER, Dispatcher
from bot.outbox.senders import Sent
from bot.services import SERVICES
from flows.core.clock import clock
from storage import outbox
from storage.duties import claim_duty
from storage.message_models import OutboxMessage
from storage.models import Channel, OutboxStatus, StaffRole, StaffUser, Team
from storage.record_models import DutyRun, TelegramUpdate
from tests.conftest import PG_ADMIN_URL, _pg_url, eventually
from tests.test_cli import clean_env
from tests.test_route_fuzz import TELEGRAM_SECRET, production_app  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = sorted(p.stem for p in (ROOT / "storage" / "migrations").glob("0*.py"))
REPLICAS = 3


def _migrate_at_once(database_url: str) -> list[subprocess.CompletedProcess[str]]:
    """REPLICAS `flerpart migrate` processes started together on one database."""
    env = clean_env({"DATABASE_URL": database_url})
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "migrate"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(REPLICAS)
    ]
    done = []
    for process in running:
        out, err = process.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def test_replicas_migrating_a_new_sqlite_file_at_once_apply_each_migration_once(tmp_path):
    path = tmp_path / "shared.sqlite3"
    results = _migrate_at_once(f"sqlite://{path}")
    assert [r.returncode for r in results] == [0] * REPLICAS, [r.stderr for r in results]
    with sqlite3.connect(path) as db:
        names = [row[0] for row in db.execute("SELECT name FROM tortoise_migrations")]
    assert sorted(names) == MIGRATIONS


@pytest.mark.postgres
async def test_replicas_migrating_a_new_postgresql_database_at_once_apply_each_migration_once(
    postgres_url,
):
    import asyncpg

    name = postgres_url.rsplit("/", 1)[1] + "_replicas"
    admin = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
        results = await asyncio.to_thread(_migrate_at_once, url)
        assert [r.returncode for r in results] == [0] * REPLICAS, [r.stderr for r in results]
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
        try:
            names = [
                row["name"] for row in await conn.fetch("SELECT name FROM tortoise_migrations")
            ]
        finally:
            await conn.close()
        assert sorted(names) == MIGRATIONS
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_daily_duty_is_claimed_by_one_replica_per_day(db):
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    claims = await asyncio.gather(*(claim_duty("retention", "2026-12-02", now) for _ in range(5)))
    assert sorted(claims) == [False, False, False, False, True]
    assert await claim_duty("retention", "2026-12-03", now)  # the next day is a new period
    assert await DutyRun.filter(duty="retention").count() == 2


class HeldProvider:
    """Accepts a message only when told to: a send that outlasts STALE_AFTER."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.go_on = asyncio.Event()

    async def send(self, address: str, text: str, *, outbox_id: int, buttons: object) -> Sent:
        self.started.set()
        await self.go_on.wait()
        return Sent(f"held-{outbox_id}")


@pytest.mark.postgres
async def test_a_live_replicas_long_send_is_not_taken_back_by_another(db, monkeypatch):
    """A send that takes longer than STALE_AFTER (provider timeouts, a long paced batch)
    stays claimed by its live dispatcher: its heartbeat renews the claim, so another
    replica's release_stale finds nothing to take back and nothing goes out twice."""
    if not db.startswith("postgres"):
        pytest.skip("SQLite has one dispatcher (a lock file); replicas share PostgreSQL")
    monkeypatch.setattr(dispatcher_module, "HEARTBEAT_SECONDS", 0.05)
    team = await Team.create(name="Replicas")
    staff = await StaffUser.create(
        telegram_user_id=4242, display_name="Karin Berg", role=StaffRole.CONVENOR, team=team
    )
    now = clock.now()
    row = await OutboxMessage.create(
        staff_user=staff,
        channel=Channel.TELEGRAM,
        kind="test",
        template="plain_text",
        params={"text": "Hej"},
        locale="sv",
        due_at=now,
        next_attempt_at=now,
    )
    provider = HeldProvider()
    dispatcher = Dispatcher({Channel.TELEGRAM: provider}, clock, database_url=db)
    await dispatcher.start()
    try:
        await asyncio.wait_for(provider.started.wait(), 10)
        clock.advance(STALE_AFTER * 3)  # the send has now lasted six minutes
        later = clock.now()

        async def renewed() -> bool:
            claimed = await OutboxMessage.get(id=row.id)
            return claimed.claimed_at is not None and claimed.claimed_at >= later

        await eventually(renewed)
        assert await outbox.release_stale(clock.now(), STALE_AFTER, alive="another") == 0
        provider.go_on.set()
    finally:
        provider.go_on.set()
        await dispatcher.stop()
        clock.reset()
    sent = await OutboxMessage.get(id=row.id)
    assert sent.status is OutboxStatus.SENT and sent.attempts == 1


async def test_a_failed_daily_run_gives_its_day_back(db, monkeypatch):
    """The upkeep fails (the database blinked): the day is not spent, so the next
    minute's run, on this replica or another, does it."""
    from bot import periodic
    from bot.services import Services

    services = Services(
        settings=load_settings({}, dotenv=None), twilio_account_sid="", twilio_auth_token=""
    )

    async def broken(*args: object) -> None:
        raise RuntimeError("database blinked")

    monkeypatch.setattr(periodic, "_daily_upkeep", broken)
    with pytest.raises(RuntimeError):
        await periodic.expire_and_wake(services)
    assert not await DutyRun.exists(duty="retention")
    assert services.retention_day is None
    monkeypatch.undo()
    await periodic.expire_and_wake(services)
    assert await DutyRun.filter(duty="retention").count() == 1


async def test_a_telegram_update_delivered_twice_is_handled_once(production_app):  # noqa: F811
    """Telegram sends an update again when our answer did not reach it, maybe to another
    replica: the second delivery is answered 200 and not handled again. Ids outside a
    BIGINT are refused, not a 500."""
    update = {
        "update_id": 912345678,
        "message": {
            "message_id": 5,
            "date": 1700000000,
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": False, "first_name": "Karin"},
            "text": "/start",
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    queue = production_app.app[SERVICES].telegram.update_queue
    for _ in range(2):
        response = await production_app.post("/telegram/webhook", json=update, headers=headers)
        assert response.status == 200
    assert queue.qsize() == 1
    assert await TelegramUpdate.filter(update_id=912345678).count() == 1
    huge = {**update, "update_id": 2**70}
    response = await production_app.post("/telegram/webhook", json=huge, headers=headers)
    assert response.status == 400
