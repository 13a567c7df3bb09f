"""Dispatch throughput, startup and peak memory: our outbox vs APScheduler's job store.

    .venv/bin/python -m bench.dispatch [--sizes 10000,100000,1000000] [--db sqlite,postgres]

For each database and size, N messages are due at once. Each side runs in a
fresh subprocess (so peak RSS is its own), with a provider that does nothing:
- ours: the production `Dispatcher` over the outbox table, no rate limit;
- baseline: APScheduler 3's AsyncIOScheduler with its SQLAlchemyJobStore holding
  one date job per message (the common way to persist reminders), running a
  no-op coroutine, `misfire_grace_time=None` so none is dropped.
Seeding is not timed. Startup = process start to first send; throughput =
messages / (last send - scheduler or dispatcher start). Ratios compare the
two in the same run: throughput ours/baseline, startup baseline/ours.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import pickle
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_URL = os.environ.get("FLERPART_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/test")
PG_DB = "flerpart_bench"
# Claim size for the benchmark (production default: 16, see bot/dispatcher.py);
# FLERPART_BENCH_BATCH reaches the child processes through the environment.
BATCH = int(os.environ.get("FLERPART_BENCH_BATCH", "1000"))


def peak_rss_mb() -> float:
    """VmHWM: this process image's own peak (ru_maxrss would carry the forking
    parent's peak across exec on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# --- the two workers (run in child processes) ---------------------------------


async def run_ours(url: str, n: int) -> dict:
    started = time.monotonic()
    from bot.dispatcher import Dispatcher
    from bot.senders import Sent
    from flows.clock import clock
    from storage.db import close_database, open_database
    from storage.models import Channel, OutboxMessage, OutboxStatus

    stamps = Stamps(n)

    class NoOp:
        async def send(self, address: str, text: str, *, outbox_id: int, buttons: object) -> Sent:
            stamps.add(time.monotonic())
            return Sent(None)

    await open_database(url)
    dispatcher = Dispatcher(
        {Channel.TELEGRAM: NoOp()}, clock, database_url=url, batch_size=BATCH, max_in_flight=BATCH
    )
    dispatching = time.monotonic()
    await dispatcher.start()
    await stamps.all_in.wait()
    await dispatcher.stop()
    sent = await OutboxMessage.filter(status=OutboxStatus.SENT).count()
    await close_database()
    return _result(started, dispatching, stamps, n, sent)


async def run_lateness(url: str, n: int) -> dict:
    """All n rows are due at one moment a few seconds ahead; how late is each call?"""
    from bot.dispatcher import Dispatcher
    from bot.senders import Sent
    from flows.clock import clock
    from storage.db import close_database, open_database
    from storage.models import Channel, OutboxMessage

    late = Stamps(n, keep=True)

    class NoOp:
        async def send(self, address: str, text: str, *, outbox_id: int, buttons: object) -> Sent:
            late.add((clock.now() - due).total_seconds())
            return Sent(None)

    await open_database(url)
    due = (await OutboxMessage.first()).next_attempt_at
    dispatcher = Dispatcher(
        {Channel.TELEGRAM: NoOp()}, clock, database_url=url, batch_size=BATCH, max_in_flight=BATCH
    )
    await dispatcher.start()
    await late.all_in.wait()
    await dispatcher.stop()
    await close_database()
    late = sorted(late.kept or [])
    return {
        "p50_s": round(late[len(late) // 2], 3),
        "p99_s": round(late[int(len(late) * 0.99)], 3),
        "max_s": round(late[-1], 3),
        "early": sum(1 for x in late if x < 0),
    }


class Stamps:
    """Count, first and last of the moments (keeping a million floats would itself
    add ~30 MB to the peak RSS we measure); an event once `expected` are in."""

    def __init__(self, expected: int, keep: bool = False) -> None:
        self.expected, self.count = expected, 0
        self.first = self.last = 0.0
        self.kept: list[float] | None = [] if keep else None
        self.all_in = asyncio.Event()

    def add(self, value: float) -> None:
        if self.count == 0:
            self.first = value
        self.count += 1
        self.last = value
        if self.kept is not None:
            self.kept.append(value)
        if self.count >= self.expected:
            self.all_in.set()


async def _noop_job(index: int) -> None:  # referenced by the pickled jobs
    STAMPS.add(time.monotonic())


STAMPS = Stamps(0)


async def run_apscheduler(url: str, n: int) -> dict:
    started = time.monotonic()
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=_sqlalchemy_url(url))},
        timezone=UTC,
    )
    # The jobs name `bench.dispatch:_noop_job`; under `-m` this file is `__main__`.
    stamps = importlib.import_module("bench.dispatch").STAMPS
    stamps.expected, stamps.all_in = n, asyncio.Event()
    dispatching = time.monotonic()
    scheduler.start()
    await stamps.all_in.wait()
    scheduler.shutdown(wait=True)
    return _result(started, dispatching, stamps, n, stamps.count)


def _result(started: float, dispatching: float, stamps: Stamps, n: int, sent: int) -> dict:
    """startup: process start to first send; throughput: all n over the time from
    starting the scheduler or dispatcher to the last send (APScheduler runs its
    jobs only after loading and removing them all, so first-to-last would flatter it)."""
    first, last = stamps.first, stamps.last
    return {
        "startup_s": round(first - started, 3),
        "throughput_per_s": round(n / max(last - dispatching, 1e-9), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "sent": sent,
    }


# --- seeding (not timed) ------------------------------------------------------


def _sqlalchemy_url(url: str) -> str:
    if url.startswith("sqlite://"):
        return "sqlite:///" + url.removeprefix("sqlite://")
    return url.replace("postgres://", "postgresql+psycopg2://")


async def seed_ours(url: str, n: int, due_in: float = 0.0) -> None:
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    from storage.db import apply_migrations, close_database, open_database
    from storage.models import Channel, OutboxMessage, StaffRole, StaffUser, Team

    EXECUTOR_CACHE.clear()  # cached per connection name, and we switch backends here
    await apply_migrations(url)
    await open_database(url)
    team = await Team.create(name="Bench")
    staff = await StaffUser.create(
        telegram_user_id=1, display_name="B", role=StaffRole.CONVENOR, team=team
    )
    due = datetime.now(UTC) + timedelta(seconds=due_in)
    for offset in range(0, n, 20_000):
        await OutboxMessage.bulk_create(
            [
                OutboxMessage(
                    staff_user=staff,
                    channel=Channel.TELEGRAM,
                    kind="bench",
                    template="plain_text",
                    params={"text": f"Påminnelse {i}"},
                    due_at=due,
                    next_attempt_at=due,
                )
                for i in range(offset, min(offset + 20_000, n))
            ],
            batch_size=5_000,
        )
    if not url.startswith("sqlite"):
        from tortoise import connections

        await connections.get("default").execute_script("ANALYZE")  # as autovacuum would
    await close_database()


def seed_apscheduler(url: str, n: int) -> None:
    """Writes the job rows APScheduler's own add_job would write, in bulk."""
    from apscheduler.job import Job
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.date import DateTrigger

    store = SQLAlchemyJobStore(url=_sqlalchemy_url(url))
    scheduler = BackgroundScheduler(timezone=UTC)
    store.start(scheduler, "default")
    now = datetime.now(UTC)
    trigger = DateTrigger(now, timezone=UTC)
    with store.engine.begin() as connection:
        for offset in range(0, n, 20_000):
            rows = []
            for i in range(offset, min(offset + 20_000, n)):
                job = Job(
                    scheduler,
                    id=f"reminder-{i}",
                    func="bench.dispatch:_noop_job",
                    trigger=trigger,
                    executor="default",
                    args=(i,),
                    kwargs={},
                    name="reminder",
                    misfire_grace_time=None,
                    coalesce=True,
                    max_instances=1,
                    next_run_time=now,
                )
                rows.append(
                    {
                        "id": job.id,
                        "next_run_time": now.timestamp(),
                        "job_state": pickle.dumps(job.__getstate__(), 5),
                    }
                )
            connection.execute(store.jobs_t.insert(), rows)
    store.shutdown()


# --- orchestration ------------------------------------------------------------


def fresh_database(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        path = tmp / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm", ".dispatch.lock"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite://{path}"
    import asyncpg

    async def recreate() -> None:
        conn = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://"))
        await conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{PG_DB}"')
        await conn.close()

    asyncio.run(recreate())
    return PG_URL.rsplit("/", 1)[0] + "/" + PG_DB


def child(side: str, url: str, n: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.dispatch", "--child", side, url, str(n)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(kind: str, n: int, tmp: Path, baseline_too: bool = True) -> dict:
    url = fresh_database(kind, tmp)
    asyncio.run(seed_ours(url, n))
    ours = child("ours", url, n)
    if not baseline_too:
        return {"db": kind, "n": n, "ours": ours}
    url = fresh_database(kind, tmp)
    seed_apscheduler(url, n)
    baseline = child("apscheduler", url, n)
    return {
        "db": kind,
        "n": n,
        "ours": ours,
        "apscheduler": baseline,
        "throughput_ratio": round(ours["throughput_per_s"] / baseline["throughput_per_s"], 2),
        "startup_ratio": round(baseline["startup_s"] / max(ours["startup_s"], 1e-3), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--lateness", action="store_true", help="only the lateness run")
    parser.add_argument(
        "--ours-only",
        action="store_true",
        help="skip the baseline (e.g. to re-measure our memory at 1M rows)",
    )
    parser.add_argument("--child", nargs=3, metavar=("SIDE", "URL", "N"))
    args = parser.parse_args()
    if args.child:
        side, url, n = args.child[0], args.child[1], int(args.child[2])
        runner = {"ours": run_ours, "apscheduler": run_apscheduler, "lateness": run_lateness}
        print(json.dumps(asyncio.run(runner[side](url, n))))
        return
    if args.lateness:
        tmp = RESULTS / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        for kind in args.db.split(","):
            url = fresh_database(kind, tmp)
            asyncio.run(seed_ours(url, 10_000, due_in=4.0))
            result = {"db": kind, "n": 10_000, **child("lateness", url, 10_000)}
            print(json.dumps(result), flush=True)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS / "tmp"
    tmp.mkdir(exist_ok=True)
    rows = []
    for kind in args.db.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            row = measure(kind, n, tmp, baseline_too=not args.ours_only)
            rows.append(row)
            print(json.dumps(row), flush=True)
    for kind in args.db.split(","):
        mine = [r for r in rows if r["db"] == kind]
        if len(mine) > 1:
            growth = mine[-1]["ours"]["peak_rss_mb"] - mine[0]["ours"]["peak_rss_mb"]
            print(
                f"{kind}: our peak RSS grew {growth:.1f} MB from {mine[0]['n']:,} "
                f"to {mine[-1]['n']:,} rows",
                flush=True,
            )
    name = "dispatch-ours.json" if args.ours_only else "dispatch.json"
    (RESULTS / name).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
