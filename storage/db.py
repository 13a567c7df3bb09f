"""Database configuration, start-up, migrations and the health probe."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.exceptions import BaseORMException

log = logging.getLogger(__name__)

# One app, three modules (storage/models.py says why).
MODELS_MODULES = ["storage.models", "storage.message_models", "storage.record_models"]
MIGRATIONS_MODULE = "storage.migrations"
_SCHEMES = {"sqlite", "postgres", "postgresql", "asyncpg"}


class DatabaseUrlError(ValueError):
    """DATABASE_URL is not one we can use."""


class DatabaseUnavailable(RuntimeError):
    """The database did not answer (after retries)."""


def normalise_database_url(url: str) -> str:
    """Check the URL's shape before Tortoise sees it, with an answer a person understands."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise DatabaseUrlError(
            f"{_describe(url)} is not supported: use sqlite://path/to/file.sqlite3 "
            "or postgres://user:password@host:5432/database"
        )
    if parts.scheme == "sqlite":
        if not (parts.netloc + parts.path):
            raise DatabaseUrlError(
                "sqlite:// needs a file path, e.g. sqlite://data/flerpart.sqlite3"
            )
        return url
    if not parts.hostname or not parts.path.strip("/"):
        raise DatabaseUrlError("a PostgreSQL URL needs a host and a database name")
    return url


def _describe(url: str) -> str:
    scheme = urlsplit(url).scheme
    return f"the scheme {scheme!r}" if scheme else "a value without a scheme"


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": database_url},
        "apps": {
            "models": {
                "models": MODELS_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For the `tortoise` CLI (makemigrations) via [tool.tortoise] in pyproject.toml.
TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL") or "sqlite://data/flerpart.sqlite3")


def _ensure_sqlite_dir(database_url: str) -> None:
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        path = parts.netloc + parts.path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def _migration_url(database_url: str) -> str:
    """SQLite alters a table by rebuilding it (create, copy, drop, rename). With foreign
    keys on, the drop cascades: removing one column of `meeting` deleted every attendee.
    SQLite's own procedure turns them off for the rebuild and checks them after; so do we."""
    parts = urlsplit(database_url)
    if parts.scheme != "sqlite":
        return database_url
    return database_url + ("&" if parts.query else "?") + "foreign_keys=OFF"


async def _check_foreign_keys(database_url: str) -> None:
    if urlsplit(database_url).scheme != "sqlite":
        return
    broken = await connections.get("default").execute_query_dict("PRAGMA foreign_key_check")
    if broken:
        tables = sorted({row["table"] for row in broken})
        raise RuntimeError(f"migrations left rows without their parent in {', '.join(tables)}")


async def apply_migrations(database_url: str) -> list[str]:
    """Apply pending migrations; returns the names applied. Leaves Tortoise closed."""
    from tortoise.migrations.api import migrate

    _ensure_sqlite_dir(database_url)
    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(f"{app_label}.{name}")

    async with _migration_lock(database_url):
        try:
            await migrate(config=tortoise_config(_migration_url(database_url)), progress=progress)
            await _check_foreign_keys(database_url)
        finally:
            await connections.close_all()
            # A data migration's historical model (Team with a column since dropped) leaves
            # its insert statement in Tortoise's cache, keyed by table alone: the real model
            # would reuse it in this process. Forget them all.
            EXECUTOR_CACHE.clear()
    return applied


MIGRATION_LOCK_KEY = 0x666C6572  # "fler": one advisory lock id for migrations


@contextlib.asynccontextmanager
async def _migration_lock(database_url: str) -> AsyncIterator[None]:
    """One migrator at a time: replicas starting together each wait, then find the
    migrations applied and apply nothing. PostgreSQL: a session advisory lock on its own
    connection (released when that connection closes, also if we die). SQLite: an
    exclusive lock on a file beside the database (released by the OS on exit)."""
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        path = parts.netloc + parts.path
        if path == ":memory:":
            yield
            return
        descriptor = await asyncio.to_thread(_locked_file, f"{path}.migrate-lock")
        try:
            yield
        finally:
            os.close(descriptor)  # closing releases the lock
        return
    import asyncpg  # the PostgreSQL driver Tortoise uses; only needed here

    connection = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        yield
    finally:
        await connection.close()  # also ends the lock


def _locked_file(path: str) -> int:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)  # waits for the other migrator
    return descriptor


def _asyncpg_dsn(database_url: str) -> str:
    """asyncpg wants postgresql://; Tortoise's query options (pool sizes) are not its own."""
    parts = urlsplit(database_url)
    return parts._replace(scheme="postgresql", query="").geturl()


async def open_database(database_url: str, *, attempts: int = 5, delay: float = 1.0) -> None:
    """Tortoise.init in the calling (main) coroutine, so every task inherits the context.

    Retries a database that is not up yet (a container starting beside us).
    """
    _ensure_sqlite_dir(database_url)
    for attempt in range(1, attempts + 1):
        try:
            await Tortoise.init(config=tortoise_config(database_url))
            await ping()
            return
        except (TimeoutError, OSError, BaseORMException) as error:
            await connections.close_all(discard=True)
            if attempt == attempts:
                reason = type(error).__name__
                raise DatabaseUnavailable(
                    f"the database did not answer after {attempts} attempts ({reason})"
                ) from None
            log.warning("database not reachable (attempt %d/%d), retrying", attempt, attempts)
            await asyncio.sleep(delay * attempt)


async def refresh_planner_statistics() -> None:
    """The query planner only knows how selective an index is from ANALYZE's
    statistics. SQLite never gathers them by itself: without them it once walked
    every team's survey answers to find one team's (attention 46 ms at 100k
    meetings instead of 17). PostgreSQL's autovacuum does, in its own time; once a
    day more is cheap (it samples). A full ANALYZE of a 100k-meeting SQLite file
    takes about half a second; `analysis_limit` was faster but the plans wrong."""
    await connections.get("default").execute_script("ANALYZE")


async def close_database() -> None:
    await connections.close_all()


PING_SECONDS = 2.0


async def ping() -> None:
    """A trivial query; raises when the database does not answer in time."""
    conn = connections.get("default")
    async with asyncio.timeout(PING_SECONDS):
        await conn.execute_query("SELECT 1")


async def healthy() -> bool:
    try:
        await ping()
    except Exception:  # any failure means "not healthy"; the probe must not crash
        return False
    return True
