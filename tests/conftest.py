"""Shared fixtures: every database test runs on SQLite and, when reachable, PostgreSQL.

PostgreSQL: one database per test session, built by our migrations (so they are
tested too), emptied before each test. Set FLERPART_REQUIRE_POSTGRES=1 (CI does)
to fail instead of skipping when the server is not there.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext, tortoise_test_context

from bot.config import load_settings
from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.outbox import team_settings
from storage.db import MODELS_MODULE, apply_migrations, tortoise_config

PG_ADMIN_URL = os.environ.get("FLERPART_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test")
# Dropped and re-created at each session's start: two sessions at once (two checkouts,
# two developers) need two names.
PG_TEST_DB = os.environ.get("FLERPART_TEST_PG_DB", "flerpart_test")


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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """An empty database with the ORM ready; yields its URL."""
    if request.param == "sqlite":
        async with tortoise_test_context([MODELS_MODULE]):
            yield "sqlite://:memory:"
        return
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
    """The whole process in local mode on a fresh SQLite file, any free port."""
    url = f"sqlite://{tmp_path}/flerpart.sqlite3"
    await apply_migrations(url)
    settings = load_settings(environ={"DATABASE_URL": url, "PORT": "0", **environ}, dotenv=None)
    process = FlerpartProcess(settings)
    await process.start()
    try:
        yield process
    finally:
        await process.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
