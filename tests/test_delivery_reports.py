"""Delivery reports save everything they set, and survive overtaking our own record
of the send, even when the process dies in between (issue 13, item 5)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tortoise.context import TortoiseContext

from flows.core.clock import clock
from flows.outbox.delivery import record_status
from storage import outbox
from storage.db import tortoise_config
from storage.message_models import OutboxMessage
from storage.models import Channel, OutboxStatus, StaffRole, StaffUser, Team
from tests.conftest import migrated_sqlite, run_in_thread
from tests.report_race_worker import provider_id
from tests.test_dispatch_processes import _finish, _seed, _wait_for_line, _worker

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)  # ahead of real time: the clock only moves forward


async def _claimed_row() -> OutboxMessage:
    team = await Team.create(name="Rapport")
    staff = await StaffUser.create(
        telegram_user_id=4712, display_name="R", role=StaffRole.CONVENOR, team=team
    )
    await OutboxMessage.create(
        staff_user=staff,
        channel=Channel.TELEGRAM,
        kind="test",
        template="plain_text",
        params={"text": "Hej"},
        due_at=NOW,
        next_attempt_at=NOW,
    )
    [row] = await outbox.claim_due(NOW, "dispatcher-a", 1)
    return row


async def test_a_report_saves_the_provider_id_and_the_send_time_it_sets(db):
    row = await _claimed_row()
    clock.set(NOW + timedelta(seconds=3))
    assert await record_status("SM-first", "delivered", None, outbox_id=row.id)
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.DELIVERED
    assert stored.provider_message_id == "SM-first"
    assert stored.sent_at == stored.delivered_at
    assert timedelta(seconds=3) <= stored.sent_at - NOW < timedelta(seconds=4)
    # The next report finds the row by the saved id alone.
    assert not await record_status("SM-first", "sent", None)  # older: no change
    assert (await OutboxMessage.get(id=row.id)).status is OutboxStatus.DELIVERED


async def test_a_failure_report_saves_its_code_and_a_long_code_does_not_break_it(db):
    row = await _claimed_row()
    assert await record_status("SM-2", "undelivered", "30003" * 10, outbox_id=row.id)
    stored = await OutboxMessage.get(id=row.id)
    assert (stored.status, stored.provider_message_id) == (OutboxStatus.FAILED, "SM-2")
    assert stored.error_code and len(stored.error_code) <= 16 and stored.sent_at is not None


async def test_a_report_before_the_batch_record_keeps_both_sides(db):
    row = await _claimed_row()
    await outbox.record_texts([(row.id, "Hej")])
    assert await record_status("SM-3", "delivered", None, outbox_id=row.id)
    await outbox.record_sent([outbox.SentRecord(row, "SM-3", "Hej", 1)], NOW)
    stored = await OutboxMessage.get(id=row.id)
    assert (stored.status, stored.provider_message_id, stored.body, stored.parts) == (
        OutboxStatus.DELIVERED,
        "SM-3",
        "Hej",
        1,
    )
    assert stored.sent_at is not None and stored.delivered_at is not None


async def _rows(url: str) -> list[OutboxMessage]:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        return await OutboxMessage.all().order_by("id")


def test_report_before_record_then_sigkill_keeps_body_sent_time_and_provider_id(tmp_path):
    url = migrated_sqlite(tmp_path)
    run_in_thread(_seed(url, 5))
    racing = subprocess.Popen(
        [sys.executable, "-m", "tests.report_race_worker", url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert _wait_for_line(racing) == "reported"
    racing.send_signal(signal.SIGKILL)
    assert _finish(racing, 10)[0] == -signal.SIGKILL

    # Restart: a dispatcher starts on the same database and finds nothing to send.
    log = tmp_path / "provider.log"
    restarted = _worker(url, log)
    assert _wait_for_line(restarted) == "dispatching"
    code, _, err = _finish(restarted, 60)
    assert code == 0, err
    assert not log.exists() or not log.read_text(), "a reported message was sent again"

    rows = run_in_thread(_rows(url))
    assert len(rows) == 5
    for row in rows:
        assert row.status is OutboxStatus.DELIVERED
        assert row.provider_message_id == provider_id(row.id)
        assert row.body and row.body.startswith("Meddelande")
        assert row.sent_at is not None and row.delivered_at is not None
