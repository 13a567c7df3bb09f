"""Dispatch throughput, startup and peak memory: our outbox vs APScheduler's job store.

    .venv/bin/python -m bench.dispatch [--sizes 10000,100000,1000000] [--db sqlite,postgres]
                                       [--claim 16,1000]

For each database and size, N messages are due at once. Each side runs in a
fresh subprocess (so peak RSS is its own), with a provider that does nothing:
- ours: the production `Dispatcher` over the outbox table, no rate limit, at the
  production claim size and sends in flight (the `Dispatcher` defaults) unless
  `--claim` names others; the first claim size is the headline, any further ones
  are printed beside it. The rows are real participant reminders (a team, a
  meeting, a person with consent and a Telegram chat), so `compose` runs its
  real checks and renders the real template;
- baseline: APScheduler 3's AsyncIOScheduler with its SQLAlchemyJobStore holding
  one date job per message (the common way to persist reminders), running a
  no-op coroutine, `misfire_grace_time=None` so none is dropped, its default
  executor (AsyncIOExecutor), and on SQLite its file in WAL like ours (a connect
  event on its engine). Each run prints the settings each side actually ran with.
Seeding is not timed. Startup = process start to first send; throughput =
messages / (end - scheduler or dispatcher start), where the end is for ours the
moment the last batch's `sent` is committed (`record_sent` returned) and for
APScheduler the last job's call (it deletes each job from its store before
running it). Ratios compare the two in the same run: throughput ours/baseline,
startup baseline/ours.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
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


def production_claim() -> tuple[int, int]:
    """The claim size and sends in flight production runs with: the `Dispatcher`
    defaults (bot/process.py passes neither)."""
    from bot.outbox.dispatcher import Dispatcher

    parameters = inspect.signature(Dispatcher.__init__).parameters
    return parameters["batch_size"].default, parameters["max_in_flight"].default


def in_flight_for(claim: int) -> int:
    """Production's sends in flight at production's claim size; a larger claim
    sends its whole batch at once (as the earlier 1000-row figures did)."""
    production, in_flight = production_claim()
    return in_flight if claim == production else claim


# Claim sizes: the first is the headline (default: production's), e.g. "16,1000".
CLAIMS = os.environ.get("FLERPART_BENCH_BATCH") or str(production_claim()[0])


def peak_rss_mb() -> float:
    """VmHWM: this process image's own peak (ru_maxrss would carry the forking
    parent's peak across exec on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# --- the two workers (run in child processes) ---------------------------------


async def run_ours(url: str, n: int, claim: int) -> dict:
    started = time.monotonic()
    from bot.outbox.dispatcher import Dispatcher
    from bot.outbox.senders import Sent
    from flows.core.clock import clock
    from storage import outbox
    from storage.db import close_database, open_database
    from storage.message_models import OutboxMessage
    from storage.models import Channel, OutboxStatus

    sends, recorded = Stamps(n), Stamps(n)

    class NoOp:
        async def send(self, address: str, text: str, *, outbox_id: int, buttons: object) -> Sent:
            sends.add(time.monotonic())
            return Sent(None)

    # The timed window ends when the last batch's record is committed, not at its
    # last send: the bench wraps the function the dispatcher calls (bench only).
    record_sent = outbox.record_sent

    async def record_and_stamp(records: list, now: datetime) -> None:
        await record_sent(records, now)
        recorded.add(time.monotonic(), len(records))

    outbox.record_sent = record_and_stamp
    await open_database(url)
    journal = await _journal_mode(url)
    dispatcher = Dispatcher(
        {Channel.TELEGRAM: NoOp()},
        clock,
        database_url=url,
        batch_size=claim,
        max_in_flight=in_flight_for(claim),
    )
    dispatching = time.monotonic()
    await dispatcher.start()
    try:
        async with asyncio.timeout(max(120.0, n / 50)):
            await recorded.all_in.wait()
    except TimeoutError:  # e.g. rows skipped by compose: report what was sent
        pass
    await dispatcher.stop()
    sent = await OutboxMessage.filter(status=OutboxStatus.SENT).count()
    await close_database()
    recorded.first = sends.first  # startup: process start to the first provider call
    return {
        **_result(started, dispatching, recorded, n, sent),
        "settings": {
            "claim": claim,
            "in_flight": in_flight_for(claim),
            "journal_mode": journal,
            "end": "last record_sent committed",
        },
    }


async def _journal_mode(url: str) -> str:
    if not url.startswith("sqlite"):
        return "n/a (PostgreSQL)"
    from tortoise import connections

    rows = await connections.get("default").execute_query_dict("PRAGMA journal_mode")
    return str(rows[0]["journal_mode"])


async def run_lateness(url: str, n: int, claim: int) -> dict:
    """All n rows are due at one moment a few seconds ahead; how late is each call?"""
    from bot.outbox.dispatcher import Dispatcher
    from bot.outbox.senders import Sent
    from flows.core.clock import clock
    from storage.db import close_database, open_database
    from storage.message_models import OutboxMessage
    from storage.models import Channel

    late = Stamps(n, keep=True)

    class NoOp:
        async def send(self, address: str, text: str, *, outbox_id: int, buttons: object) -> Sent:
            late.add((clock.now() - due).total_seconds())
            return Sent(None)

    await open_database(url)
    due = (await OutboxMessage.first()).next_attempt_at
    dispatcher = Dispatcher(
        {Channel.TELEGRAM: NoOp()},
        clock,
        database_url=url,
        batch_size=claim,
        max_in_flight=in_flight_for(claim),
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
        "claim": claim,
    }


class Stamps:
    """Count, first and last of the moments (keeping a million floats would itself
    add ~30 MB to the peak RSS we measure); an event once `expected` are in."""

    def __init__(self, expected: int, keep: bool = False) -> None:
        self.expected, self.count = expected, 0
        self.first = self.last = 0.0
        self.kept: list[float] | None = [] if keep else None
        self.all_in = asyncio.Event()

    def add(self, value: float, count: int = 1) -> None:
        if self.count == 0:
            self.first = value
        self.count += count
        self.last = value
        if self.kept is not None:
            self.kept.append(value)
        if self.count >= self.expected:
            self.all_in.set()


async def _noop_job(index: int) -> None:  # referenced by the pickled jobs
    STAMPS.add(time.monotonic())


STAMPS = Stamps(0)


async def run_apscheduler(url: str, n: int, claim: int = 0) -> dict:
    started = time.monotonic()
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    engine = peer_engine(url)
    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        timezone=UTC,
    )
    # The jobs name `bench.dispatch:_noop_job`; under `-m` this file is `__main__`.
    stamps = importlib.import_module("bench.dispatch").STAMPS
    stamps.expected, stamps.all_in = n, asyncio.Event()
    dispatching = time.monotonic()
    scheduler.start()
    await stamps.all_in.wait()
    scheduler.shutdown(wait=True)
    executor = type(scheduler._lookup_executor("default")).__name__
    return {
        **_result(started, dispatching, stamps, n, stamps.count),
        "settings": {
            "journal_mode": _peer_journal_mode(engine),
            "executor": executor,
            "misfire_grace_time": None,
            "coalesce": True,
            "end": "last job called (each job is deleted from the store before it runs)",
        },
    }


def peer_engine(url: str):
    """The peer's engine; on SQLite its file runs in WAL, as ours does (Tortoise sets
    WAL on every connection it opens)."""
    from sqlalchemy import create_engine, event

    engine = create_engine(_sqlalchemy_url(url))
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def _peer_journal_mode(engine) -> str:
    if engine.dialect.name != "sqlite":
        return "n/a (PostgreSQL)"
    from sqlalchemy import text

    with engine.connect() as connection:
        return str(connection.execute(text("PRAGMA journal_mode")).scalar())


def _result(started: float, dispatching: float, stamps: Stamps, n: int, sent: int) -> dict:
    """startup: process start to first send; throughput: all n over the time from
    starting the scheduler or dispatcher to the end (`stamps.last`: ours, the last
    record committed; APScheduler runs its jobs only after loading and removing
    them all, so first-to-last would flatter it)."""
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
    from storage.message_models import OutboxMessage
    from storage.models import Channel, Person
    from tests.factories import convenor, meeting_with_attendees

    EXECUTOR_CACHE.clear()  # cached per connection name, and we switch backends here
    await apply_migrations(url)
    await open_database(url)
    # A real participant reminder, built by the tests' own factory: the dispatcher's
    # compose loads the meeting and the person and renders the template.
    due = datetime.now(UTC) + timedelta(seconds=due_in)
    starts = due + timedelta(days=2)
    meeting = await meeting_with_attendees(starts, await convenor(1), telegram_chat_id=7001)
    person = await Person.get(attendances__meeting=meeting)
    for offset in range(0, n, 20_000):
        await OutboxMessage.bulk_create(
            [
                OutboxMessage(
                    meeting=meeting,
                    person=person,
                    channel=Channel.TELEGRAM,
                    kind="reminder",
                    template="reminder_participant",
                    params={},
                    due_at=due,
                    next_attempt_at=due,
                    expires_at=starts,
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

    store = SQLAlchemyJobStore(engine=peer_engine(url))
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


def child(side: str, url: str, n: int, claim: int = 0) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.dispatch", "--child", side, url, str(n), str(claim)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(kind: str, n: int, tmp: Path, claims: list[int], baseline_too: bool = True) -> dict:
    """The headline `ours` is at claims[0] (production's by default); the others are
    measured in the same run and reported beside it, never instead of it."""
    runs = {}
    for claim in claims:
        url = fresh_database(kind, tmp)
        asyncio.run(seed_ours(url, n))
        runs[claim] = child("ours", url, n, claim)
    ours = runs[claims[0]]
    row: dict = {"db": kind, "n": n, "claim": claims[0], "ours": ours}
    for claim in claims[1:]:
        row[f"ours_claim_{claim}"] = runs[claim]
    if not baseline_too:
        return row
    url = fresh_database(kind, tmp)
    seed_apscheduler(url, n)
    baseline = child("apscheduler", url, n)
    row["apscheduler"] = baseline
    row["throughput_ratio"] = round(ours["throughput_per_s"] / baseline["throughput_per_s"], 2)
    row["startup_ratio"] = round(baseline["startup_s"] / max(ours["startup_s"], 1e-3), 2)
    for claim in claims[1:]:
        rate = runs[claim]["throughput_per_s"]
        row[f"throughput_ratio_claim_{claim}"] = round(rate / baseline["throughput_per_s"], 2)
    return row


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
    parser.add_argument(
        "--claim",
        default=CLAIMS,
        help="claim sizes, comma-separated; the first is the headline "
        "(default: production's, or FLERPART_BENCH_BATCH)",
    )
    parser.add_argument("--child", nargs=4, metavar=("SIDE", "URL", "N", "CLAIM"))
    args = parser.parse_args()
    if args.child:
        side, url, n, claim = args.child[0], args.child[1], int(args.child[2]), int(args.child[3])
        runner = {"ours": run_ours, "apscheduler": run_apscheduler, "lateness": run_lateness}
        print(json.dumps(asyncio.run(runner[side](url, n, claim))))
        return
    claims = [int(c) for c in args.claim.split(",")]
    if args.lateness:
        tmp = RESULTS / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        for kind in args.db.split(","):
            url = fresh_database(kind, tmp)
            asyncio.run(seed_ours(url, 10_000, due_in=4.0))
            result = {"db": kind, "n": 10_000, **child("lateness", url, 10_000, claims[0])}
            print(json.dumps(result), flush=True)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS / "tmp"
    tmp.mkdir(exist_ok=True)
    rows = []
    for kind in args.db.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            row = measure(kind, n, tmp, claims, baseline_too=not args.ours_only)
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
