"""Shared fixtures: every database test runs on SQLite and, when reachable, PostgreSQL.

Both are built by our migrations (so they are tested too), once per session:
PostgreSQL is one database emptied before each test; SQLite is a migrated template
file that each test gets a copy of. Set FLERPART_REQUIRE_POSTGRES=1 (CI does) to fail
instead of skipping when the server is not there.

Under pytest-xdist (`-n 2`) every worker is its own session: its own PostgreSQL
database (FLERPART_TEST_PG_DB + "_gw0"), its own template, its own port range.

Layers: a test that uses the `db` fixture needs only the database; it is marked
`flows` here, and `make test-fast` runs those alone. Everything else (a whole
process, HTTP, the browser, subprocesses) runs in `make test`.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import random
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext

from bot.config import load_settings
from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.outbox import team_settings
from storage.db import apply_migrations, tortoise_config

PG_ADMIN_URL = os.environ.get("FLERPART_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test")
# Dropped and re-created at each session's start: two sessions at once (two checkouts,
# two developers) need two names.
PG_TEST_DB = os.environ.get("FLERPART_TEST_PG_DB", "flerpart_test")
# pytest-xdist names its workers gw0, gw1, ...; each needs a database of its own.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER:
    PG_TEST_DB = f"{PG_TEST_DB}_{XDIST_WORKER}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on the `db` fixture needs the database only: the `flows` layer."""
    for item in items:
        if "db" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.flows)


def run_in_thread(coro) -> object:
    """asyncio.run from a sync fixture that may be set up inside a running loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


async def _recreate_pg_database() -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), timeout=3)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{PG_TEST_DB}"')
        # A commit need not wait for the disk: a crash would lose a test database only.
        await conn.execute(f'ALTER DATABASE "{PG_TEST_DB}" SET synchronous_commit = off')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A migrated PostgreSQL database for this session, or a skip (a failure in CI)."""
    try:
        run_in_thread(_recreate_pg_database())
    except (TimeoutError, OSError) as error:
        message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {error}"
        if os.environ.get("FLERPART_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    url = _pg_url(PG_TEST_DB)
    run_in_thread(apply_migrations(url))
    return url


_sqlite_template: Path | None = None


def migrated_sqlite(directory: Path, name: str = "flerpart.sqlite3") -> str:
    """The URL of a SQLite file in `directory` with every migration applied.

    A copy of this session's template, migrated once: migrating a fresh file costs
    a second or more per test. A file already there is kept as it is (a test that
    restarts the process finds its data again). Usable from sync and async code."""
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="flerpart-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = folder / "template.sqlite3"
        run_in_thread(apply_migrations(f"sqlite://{template}"))
        _sqlite_template = template
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    if not target.exists():
        shutil.copyfile(_sqlite_template, target)
    return f"sqlite://{target}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty, migrated database with the ORM ready; yields its URL."""
    if request.param == "sqlite":
        url = migrated_sqlite(tmp_path, "db.sqlite3")
    else:
        url = request.getfixturevalue("postgres_url")
        await truncate_postgres(url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_env(request) -> dict[str, str]:
    """Environment for `local_process`: its own SQLite file, or the emptied PostgreSQL."""
    if request.param == "sqlite":
        return {}
    url = request.getfixturevalue("postgres_url")
    run_in_thread(truncate_postgres(url))
    return {"DATABASE_URL": url}


@pytest.fixture(autouse=True)
def fresh_process_state() -> Iterator[None]:
    """Each test starts at real time, with no SQL cached for another backend."""
    clock.reset()
    team_settings.use_default_timezone(team_settings.FALLBACK_TIMEZONE)  # TIMEZONE unset
    # Tortoise caches insert SQL per connection *name*; both backends use "default".
    EXECUTOR_CACHE.clear()
    yield
    clock.reset()


async def truncate_postgres(url: str) -> None:
    """Empties every table (not the migrations' record) and restarts the id sequences.

    DELETE with foreign-key triggers off, not TRUNCATE: on these near-empty tables
    TRUNCATE costs ~0.7 s (it makes new files for 19 tables), DELETE ~0.05 s, and
    every PostgreSQL test pays it. Needs a superuser (the test server's `postgres`);
    otherwise TRUNCATE as before."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"), timeout=3)
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'tortoise_migrations'"
            )
        ]
        sequences = [
            r["sequencename"]
            for r in await conn.fetch(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
            )
        ]
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL session_replication_role = replica")
                await conn.execute("".join(f'DELETE FROM "{t}";' for t in tables))
                await conn.execute("".join(f'ALTER SEQUENCE "{q}" RESTART;' for q in sequences))
        except asyncpg.InsufficientPrivilegeError:
            await conn.execute(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )
    finally:
        await conn.close()


async def eventually(check, timeout: float = 5.0, interval: float = 0.02):
    """Awaits `check()` until it returns something truthy; fails after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)


@asynccontextmanager
async def local_process(tmp_path: Path, **environ: str) -> AsyncIterator[FlerpartProcess]:
    """The whole process in local mode on a fresh SQLite file (or `DATABASE_URL`),
    any free port."""
    if "DATABASE_URL" not in environ:
        environ["DATABASE_URL"] = migrated_sqlite(tmp_path)
    settings = load_settings(environ={"PORT": "0", **environ}, dotenv=None)
    process = FlerpartProcess(settings)
    await process.start()
    try:
        yield process
    finally:
        await process.stop()


# free_port hands out ports below Linux's ephemeral range (32768-60999), where `PORT=0`
# servers and client sockets never land; each xdist worker has a range of its own, and
# a random start keeps two sessions (two checkouts) apart too.
_PORT_SPAN = 1000
_PORT_BASE = 20000 + _PORT_SPAN * (int(XDIST_WORKER[2:] or 0) % 12)
_given_ports: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now, for a server a test starts itself."""
    start = random.randrange(_PORT_SPAN)
    for step in range(_PORT_SPAN):
        port = _PORT_BASE + (start + step) % _PORT_SPAN
        if port in _given_ports:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given_ports.add(port)
        return port
    raise RuntimeError(f"no free port in {_PORT_BASE}-{_PORT_BASE + _PORT_SPAN - 1}")
