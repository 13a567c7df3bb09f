"""Dispatchers as separate processes: SIGKILL mid-batch, two at once on PostgreSQL,
and the second one refused on SQLite."""

from __future__ import annotations

import inspect
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from tortoise.context import TortoiseContext

from bot.outbox.dispatcher import Dispatcher
from flows.core.clock import clock
from storage.db import tortoise_config
from storage.message_models import OutboxMessage
from storage.models import Channel, StaffRole, StaffUser, Team
from tests.conftest import migrated_sqlite, run_in_thread, truncate_postgres

ROOT = Path(__file__).resolve().parent.parent
# The stated duplicate bound per kill (README, bot/outbox/dispatcher.py): one batch per
# channel, recorded in one transaction when its last send returns. The worker
# dispatches one channel, so one batch.
BATCH_SIZE = inspect.signature(Dispatcher).parameters["batch_size"].default


async def _seed(url: str, count: int) -> None:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        team = await Team.create(name="Kill")
        staff = await StaffUser.create(
            telegram_user_id=4711, display_name="K", role=StaffRole.CONVENOR, team=team
        )
        due = clock.now()
        await OutboxMessage.bulk_create(
            [
                OutboxMessage(
                    staff_user=staff,
                    channel=Channel.TELEGRAM,
                    kind="test",
                    template="plain_text",
                    params={"text": f"Meddelande {n}"},
                    due_at=due,
                    next_attempt_at=due,
                )
                for n in range(count)
            ],
            batch_size=1000,
        )


async def _statuses(url: str) -> Counter:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        return Counter(s.value for s in await OutboxMessage.all().values_list("status", flat=True))


def _worker(url: str, log: Path, linger: float = 0.0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.dispatch_worker", url, str(log), str(linger)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_line(process: subprocess.Popen[str], timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    line = process.stdout.readline()  # the worker prints one line when it is ready
    assert time.monotonic() < deadline and line, process.stderr.read()
    return line.strip()


def _finish(process: subprocess.Popen[str], timeout: float) -> tuple[int, str, str]:
    """Waits and closes the pipes (unclosed pipes are resource warnings)."""
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def _log(log: Path) -> list[tuple[int, int]]:
    if not log.exists():
        return []
    return [tuple(map(int, line.split())) for line in log.read_text().splitlines() if line]


def test_sigkill_mid_batch_loses_nothing_and_duplicates_at_most_the_in_flight(tmp_path):
    url = migrated_sqlite(tmp_path)
    run_in_thread(_seed(url, 1500))
    log = tmp_path / "provider.log"
    rng = random.Random(20261122)
    killed: list[int] = []
    for _ in range(5):
        worker = _worker(url, log)
        assert _wait_for_line(worker) == "dispatching"
        before = len(_log(log))
        # Kill once sends are flowing, at a random moment inside a batch.
        while len(_log(log)) < before + 20:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.2))
        worker.send_signal(signal.SIGKILL)
        assert _finish(worker, 10)[0] == -signal.SIGKILL
        killed.append(worker.pid)
    final = _worker(url, log)
    assert _wait_for_line(final) == "dispatching"
    code, _, err = _finish(final, 120)
    assert code == 0, err

    entries = _log(log)
    counts = Counter(outbox_id for outbox_id, _ in entries)
    assert len(counts) == 1500, "every message reached the provider"
    assert run_in_thread(_statuses(url)) == Counter({"sent": 1500})
    # A duplicate is a message whose first provider call was made by a killed
    # process that died before recording it: at most the in-flight per kill.
    first_sender = {}
    for outbox_id, pid in entries:
        first_sender.setdefault(outbox_id, pid)
    duplicates_per_kill = Counter(
        first_sender[outbox_id] for outbox_id, n in counts.items() if n > 1
    )
    assert sum(n - 1 for n in counts.values()) == sum(duplicates_per_kill.values())
    assert set(duplicates_per_kill) <= set(killed)
    assert all(n <= BATCH_SIZE for n in duplicates_per_kill.values()), duplicates_per_kill


@pytest.mark.postgres
def test_two_dispatchers_on_postgresql_send_each_message_exactly_once(postgres_url, tmp_path):
    run_in_thread(truncate_postgres(postgres_url))
    run_in_thread(_seed(postgres_url, 5000))
    log = tmp_path / "provider.log"
    workers = [_worker(postgres_url, log, linger=0.5) for _ in range(2)]
    for worker in workers:
        assert _wait_for_line(worker) == "dispatching"
    for worker in workers:
        code, _, err = _finish(worker, 180)
        assert code == 0, err
    entries = _log(log)
    counts = Counter(outbox_id for outbox_id, _ in entries)
    assert len(counts) == 5000 and set(counts.values()) == {1}
    by_process = Counter(pid for _, pid in entries)
    assert len(by_process) == 2 and min(by_process.values()) > 500, by_process
    assert run_in_thread(_statuses(postgres_url)) == Counter({"sent": 5000})


def test_a_second_dispatcher_on_sqlite_refuses_and_says_why(tmp_path):
    url = migrated_sqlite(tmp_path)
    run_in_thread(_seed(url, 400))
    log = tmp_path / "provider.log"
    # The first stays alive (holding the lock) however long the second takes to start:
    # on a busy CI machine it once finished its 400 messages before the second was up.
    first = _worker(url, log, linger=120)
    try:
        assert _wait_for_line(first) == "dispatching"
        second = _worker(url, log)
        code, out, _ = _finish(second, 30)
        assert code == 3
        assert "SQLite allows one dispatcher" in out
    finally:
        first.send_signal(signal.SIGKILL)
        _finish(first, 10)
