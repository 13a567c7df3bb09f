"""Inbound SMS webhook: the real process against a bare aiohttp handler.

    .venv/bin/python -m bench.webhook [--db sqlite,postgres] [--seconds 20] [--rounds 2]
                                      [--concurrency 20] [--paths unknown,known] [--profile]

Two separate processes serve POST /twilio/sms:
- ours: `python -m bot run --no-demo`, configured as an operator would run it in
  production: a known TWILIO_AUTH_TOKEN (local mode's token is random per run),
  an account SID, a sender number, PUBLIC_BASE_URL (the URL Twilio signs), and a
  bot token whose TELEGRAM_API_BASE_URL points at a closed local port, so
  Telegram counts as unreachable (the process goes on without it, as it does in
  production) and nothing leaves the machine;
- peer: a bare aiohttp app in this file (`--peer`) that parses the form,
  validates the signature with twilio's `RequestValidator` and answers empty TwiML.

The bench (an aiohttp client in this process, `--concurrency` requests in flight)
alternates phases peer, ours, peer, ours... of `--seconds` each, after a short
untimed warm-up per phase, for two paths:
- unknown: a new unknown sender per request;
- known: the participant of a seeded meeting replying "ja".
Every request is signed as Twilio signs it and carries a fresh MessageSid. Per
path and database it prints one JSON line: req/s, p50 and p99 of each side over
all its phases, and the ratio ours/peer. The client shares the machine's cores
with both servers, which caps the peer's figure (and so flatters the ratio).

`--profile` runs ours under pyinstrument (not a dependency: `pip install
pyinstrument` into the venv); the text profile goes to bench/results/.

PostgreSQL: `FLERPART_BENCH_POSTGRES` (default postgres://postgres@127.0.0.1:5432/test);
the bench creates and drops its own `flerpart_bench_webhook` database there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TMP = RESULTS / "tmp"
PG_URL = os.environ.get("FLERPART_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/test")
PG_DB = "flerpart_bench_webhook"

# What an operator would set (fictional values; nothing here reaches a provider).
AUTH_TOKEN = "b3nch" * 6 + "00"  # 32 characters, like Twilio's
ACCOUNT_SID = "AC" + "0" * 32
OUR_NUMBER = "+46700000000"
PUBLIC_URL = "https://flerpart.bench.invalid"
PARTICIPANT = "+46701740605"  # fictional range (PTS reserves 070-174 06 05..99)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


# --- the bare peer (run in its own process) -----------------------------------


def run_peer(port: int) -> None:
    from aiohttp import web
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)

    async def sms(request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(PUBLIC_URL + request.raw_path, form, signature):
            raise web.HTTPForbidden(text="forbidden")
        return web.Response(text=EMPTY_TWIML, content_type="text/xml")

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/twilio/sms", sms)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# --- databases and seeding (not timed) ----------------------------------------


def fresh_database(kind: str) -> str:
    if kind == "sqlite":
        path = TMP / "webhook.sqlite3"
        for suffix in ("", "-wal", "-shm", ".dispatch.lock"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite://{path}"
    asyncio.run(
        _pg(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)', f'CREATE DATABASE "{PG_DB}"')
    )
    return PG_URL.rsplit("/", 1)[0] + "/" + PG_DB


def drop_database(kind: str) -> None:
    if kind == "postgres":
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))


async def _pg(*statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def seed(url: str) -> None:
    """A team, its convenor and a meeting in three days with one participant who
    consented to SMS, built by the tests' own factory."""
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    from storage.db import apply_migrations, close_database, open_database
    from tests.factories import convenor, meeting_with_attendees

    EXECUTOR_CACHE.clear()  # cached per connection name, and we switch backends here
    await apply_migrations(url)
    await open_database(url)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    await meeting_with_attendees(starts, await convenor(), phones=(PARTICIPANT,))
    await close_database()


async def afterwards(url: str) -> dict:
    """What the run left: inbound rows stored and how many were handled by the time
    ours stopped (the rest waits for its next start), and the outbox rows: the known
    path's answers are SMS rows (tried against TWILIO_API_BASE_URL, a closed port)."""
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    from storage.db import close_database, open_database
    from storage.message_models import InboundMessage, OutboxMessage
    from storage.models import Channel

    EXECUTOR_CACHE.clear()
    await open_database(url)
    stored = await InboundMessage.all().count()
    waiting = await InboundMessage.filter(processed_at=None).count()
    sms_rows = await OutboxMessage.filter(channel=Channel.SMS).count()
    outbox_rows = await OutboxMessage.all().count()
    await close_database()
    return {
        "inbound_stored": stored,
        "inbound_unprocessed": waiting,
        "outbox_rows": outbox_rows,
        "sms_outbox_rows": sms_rows,
    }


# --- the two servers ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_ours(url: str, port: int, log: Path, profile: str | None = None) -> subprocess.Popen:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_")) and key not in ("PUBLIC_BASE_URL",)
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PUBLIC_BASE_URL": PUBLIC_URL,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM": OUR_NUMBER,
            "TELEGRAM_BOT_TOKEN": "123456789:bench-token-not-real",
            "TELEGRAM_WEBHOOK_SECRET": "bench-secret",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",  # closed: unreachable
            # The answers to the known path's "ja" go out by the outbox: to a closed port too.
            "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
        }
    )
    # cwd: an empty directory, so no .env of the checkout is read.
    cwd = TMP / "ours-cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    command = ["-m", "bot", "run", "--no-demo"]
    if profile:  # pyinstrument (not a dependency: pip install it into the venv)
        command = ["-m", "pyinstrument", "-r", "text", "--show-all", "-o", profile, *command]
    return subprocess.Popen(
        [sys.executable, *command],
        cwd=cwd,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def start_peer(port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.webhook", "--peer", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


async def wait_up(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    import aiohttp

    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{base}: the process ended with {process.returncode}")
            try:
                async with session.get(base + "/healthz") as response:
                    await response.read()  # any answer (ours: 503 while Telegram is out)
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.2)
    raise RuntimeError(f"{base} did not answer within {timeout} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the load ---------------------------------------------------------------------


def signed_request(path: str) -> tuple[dict[str, str], dict[str, str]]:
    from twilio.request_validator import RequestValidator

    if path == "known":
        sender, body = PARTICIPANT, "ja"
    else:
        sender, body = f"+4673{random.randrange(10**7):07d}", "Hej, vem är detta?"
    form = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + "/twilio/sms", form)
    return form, {"X-Twilio-Signature": signature}


async def phase(base: str, path: str, seconds: float, concurrency: int, warmup: float) -> dict:
    import aiohttp

    latencies: list[float] = []
    errors: dict[str, int] = {}
    timed = False

    async def worker(session: aiohttp.ClientSession, until: float) -> None:
        while time.monotonic() < until:
            form, headers = signed_request(path)
            begun = time.perf_counter()
            try:
                async with session.post(base + "/twilio/sms", data=form, headers=headers) as r:
                    await r.read()
                    status = r.status
            except aiohttp.ClientError as error:
                status = type(error).__name__
            if timed:
                if status == 200:
                    latencies.append(time.perf_counter() - begun)
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        if warmup:
            until = time.monotonic() + warmup
            await asyncio.gather(*(worker(session, until) for _ in range(concurrency)))
        timed = True
        begun = time.monotonic()
        until = begun + seconds
        await asyncio.gather(*(worker(session, until) for _ in range(concurrency)))
        elapsed = time.monotonic() - begun
    return {"elapsed": elapsed, "latencies": latencies, "errors": errors}


def summary(phases: list[dict]) -> dict:
    latencies = sorted(x for p in phases for x in p["latencies"])
    elapsed = sum(p["elapsed"] for p in phases)
    errors: dict[str, int] = {}
    for p in phases:
        for key, count in p["errors"].items():
            errors[key] = errors.get(key, 0) + count
    n = len(latencies)
    return {
        "req_per_s": round(n / elapsed, 1),
        "p50_ms": round(latencies[n // 2] * 1000, 1) if n else None,
        "p99_ms": round(latencies[min(int(n * 0.99), n - 1)] * 1000, 1) if n else None,
        "requests": n,
        "errors": errors,
        "per_phase_req_per_s": [round(len(p["latencies"]) / p["elapsed"], 1) for p in phases],
    }


def measure(kind: str, args: argparse.Namespace) -> list[dict]:
    TMP.mkdir(parents=True, exist_ok=True)
    url = fresh_database(kind)
    asyncio.run(seed(url))
    ours_port, peer_port = free_port(), free_port()
    profile = str(RESULTS / f"webhook-profile-{kind}.txt") if args.profile else None
    ours = start_ours(url, ours_port, RESULTS / f"webhook-ours-{kind}.log", profile)
    peer = start_peer(peer_port, RESULTS / f"webhook-peer-{kind}.log")
    sides = {"peer": f"http://127.0.0.1:{peer_port}", "ours": f"http://127.0.0.1:{ours_port}"}
    rows = []
    try:
        asyncio.run(wait_up(sides["ours"], ours))
        asyncio.run(wait_up(sides["peer"], peer))
        for path in args.paths.split(","):
            runs: dict[str, list[dict]] = {"peer": [], "ours": []}
            for _ in range(args.rounds):
                for side in ("peer", "ours"):
                    runs[side].append(
                        asyncio.run(
                            phase(sides[side], path, args.seconds, args.concurrency, args.warmup)
                        )
                    )
            peer_summary, ours_summary = summary(runs["peer"]), summary(runs["ours"])
            row = {
                "db": kind,
                "path": path,
                "concurrency": args.concurrency,
                "seconds_per_phase": args.seconds,
                "rounds": args.rounds,
                "peer": peer_summary,
                "ours": ours_summary,
                "ratio": round(ours_summary["req_per_s"] / max(peer_summary["req_per_s"], 1e-9), 3),
            }
            rows.append(row)
    finally:
        stop(ours)
        stop(peer)
    left = asyncio.run(afterwards(url))
    for row in rows:
        row["after_run"] = left
        print(json.dumps(row), flush=True)
    drop_database(kind)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--paths", default="unknown,known")
    parser.add_argument("--seconds", type=float, default=20.0, help="timed seconds per phase")
    parser.add_argument("--warmup", type=float, default=1.0, help="untimed seconds per phase")
    parser.add_argument("--rounds", type=int, default=2, help="peer/ours alternations")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run ours under pyinstrument; the profile goes to bench/results/",
    )
    parser.add_argument("--peer", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        run_peer(args.peer)
        return
    rows = []
    for kind in args.db.split(","):
        rows += measure(kind, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "webhook.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
