"""The committed migrations build the schema on both databases and match the models."""

from pathlib import Path

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from storage.db import apply_migrations, tortoise_config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "storage" / "migrations"


async def test_migrations_apply_to_a_new_sqlite_file_and_then_do_nothing(tmp_path):
    url = f"sqlite://{tmp_path}/new/flerpart.sqlite3"
    on_disk = sorted(p.stem for p in MIGRATIONS_DIR.glob("0*.py"))
    assert await apply_migrations(url) == [f"models.{name}" for name in on_disk]
    assert await apply_migrations(url) == []
    assert (tmp_path / "new" / "flerpart.sqlite3").exists()


async def test_migrations_applied_on_postgresql_leave_nothing_pending(postgres_url):
    # The session fixture built this database from the migrations.
    assert await apply_migrations(postgres_url) == []


async def test_models_and_committed_migrations_do_not_drift():
    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        detector = MigrationAutodetector(ctx.apps, config["apps"])
        changes = await detector.changes()
    assert changes == [], "models changed: run `.venv/bin/tortoise makemigrations` and commit"
