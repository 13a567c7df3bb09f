"""Dispatch with 1, 2 and 3 replicas on one PostgreSQL database, at production settings.

Each replica is its own process with the production dispatcher (claims of 16, 8 sends
in flight, heartbeat on), sending to a stand-in provider that takes `--provider-ms` per
call (20 ms: a Bot API round trip) and writes down when each call came. The rows are
real participant reminders (a meeting and a person, so compose does its checks), all
due at one moment a few seconds after the replicas started. Printed per replica count:
the rows per second from the due moment to the last call, and the lateness of the calls
(how long after the due moment each went). The providers' own pace is left out here
(it is per process: see README "Running several replicas"), so this measures how the
claims share the work.

    .venv/bin/python -m bench.replicas [--rows 5000] [--replicas 1,2,3] [--provider-ms 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.dispatch import ROOT, fresh_database, seed_ours

DUE_IN = 8.0  # seconds from seeding to the due moment: every replica is up by then


async def replica(url: str, log_path: str, provider_ms: float) -> None:
    from bot.outbox.dispatcher import Dispatcher
    from bot.outbox.senders import Sent
    from flows.core.clock import clock
    from storage.db import close_database, open_database
    from storage.message_models import OutboxMessage
    from storage.models import Channel
    from storage.outbox import PENDING

    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    class Provider:
        async def send(self, address: str, text: str, *, outbox_id: int, buttons: object) -> Sent:
            await asyncio.sleep(provider_ms / 1000)
            os.write(fd, f"{outbox_id} {os.getpid()} {time.time():.6f}\n".encode())
            return Sent(f"bench-{outbox_id}")

    await open_database(url)
    dispatcher = Dispatcher({Channel.TELEGRAM: Provider()}, clock, database_url=url)
    await dispatcher.start()  # production defaults: claims of 16, 8 in flight
    while await OutboxMessage.filter(status__in=PENDING).exists():  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    await dispatcher.stop()
    await close_database()


def measure(rows: int, count: int, provider_ms: float, tmp: Path) -> dict:
    url = fresh_database("postgres", tmp)
    asyncio.run(seed_ours(url, rows, due_in=DUE_IN))
    log = tmp / f"calls-{count}.log"
    log.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.replicas", "--child", url, str(log), str(provider_ms)],
            cwd=ROOT,
            env=env,
        )
        for _ in range(count)
    ]
    for proc in procs:
        proc.wait(timeout=600)
    due = asyncio.run(_due_moment(url))
    calls = [line.split() for line in log.read_text().splitlines() if line]
    times = sorted(float(t) for _id, _pid, t in calls)
    ids = [int(i) for i, _pid, _t in calls]
    late = [t - due for t in times]
    per_replica: dict[str, int] = {}
    for _id, pid, _t in calls:
        per_replica[pid] = per_replica.get(pid, 0) + 1
    return {
        "replicas": count,
        "rows": rows,
        "calls": len(calls),
        "duplicates": len(ids) - len(set(ids)),
        "rows_per_s": round(len(set(ids)) / (times[-1] - due), 1),
        "lateness_p50_s": round(late[len(late) // 2], 2),
        "lateness_p99_s": round(late[int(len(late) * 0.99)], 2),
        "calls_per_replica": sorted(per_replica.values(), reverse=True),
        "provider_ms": provider_ms,
    }


async def _due_moment(url: str) -> float:
    from storage.db import close_database, open_database
    from storage.message_models import OutboxMessage

    await open_database(url)
    first = await OutboxMessage.first()
    await close_database()
    assert first is not None
    return first.due_at.timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--replicas", default="1,2,3")
    parser.add_argument("--provider-ms", type=float, default=20.0)
    parser.add_argument("--child", nargs=3, metavar=("URL", "LOG", "PROVIDER_MS"))
    args = parser.parse_args()
    if args.child:
        url, log, provider_ms = args.child
        asyncio.run(replica(url, log, float(provider_ms)))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for count in (int(x) for x in args.replicas.split(",")):
            result = measure(args.rows, count, args.provider_ms, Path(tmp))
            print(json.dumps(result), flush=True)
            results.append(result)
    base = results[0]["rows_per_s"]
    print(
        json.dumps(
            {
                f"rows_per_s_{r['replicas']}/{results[0]['replicas']}": round(
                    r["rows_per_s"] / base, 2
                )
                for r in results
            }
        )
    )


if __name__ == "__main__":
    main()
