"""The committed migrations build the schema on both databases and match the models."""

import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tortoise import connections
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate
from tortoise.migrations.autodetector import MigrationAutodetector

from flows.participants.info_page import InfoView, info_for
from storage import outbox
from storage.db import apply_migrations, close_database, open_database, tortoise_config
from storage.message_models import OutboxMessage
from storage.models import InfoLink, MessageKind, Team

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


async def test_a_page_link_sent_before_0005_still_works_and_its_plaintext_is_gone(tmp_path):
    """0005 turns each meeting's one shared page token into a hashed key (no attendee),
    and removing the column keeps the meeting's attendees on SQLite."""
    url = f"sqlite://{tmp_path}/old.sqlite3"
    try:
        await migrate(config=tortoise_config(url), target="models.0004_dashboard_indexes")
    finally:
        await connections.close_all()
    token = "SharedTokenFromBefore0005_abcdef"
    starts = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
    with sqlite3.connect(tmp_path / "old.sqlite3") as old:
        old.execute(
            "INSERT INTO team (id, name, settings, is_demo, created_at, updated_at) "
            "VALUES (1, 'T', '{}', 0, ?, ?)",
            (starts.isoformat(), starts.isoformat()),
        )
        old.execute(
            "INSERT INTO meeting (id, team_id, purpose, kind, starts_at, timezone, place, "
            "status, info_token, cautions_accepted, interpreter_needed, is_demo, created_at, "
            "updated_at) VALUES (7, 1, 'Plan', 'first', ?, 'Europe/Stockholm', 'Rum', "
            "'planned', ?, '[]', 0, 0, ?, ?)",
            (starts.isoformat(), token, starts.isoformat(), starts.isoformat()),
        )
        old.execute(
            "INSERT INTO attendee (id, meeting_id, role, agency, why, response, gives_feedback, "
            "created_at) VALUES (3, 7, 'person_in_focus', 'none', '', 'pending', 0, ?)",
            (starts.isoformat(),),
        )
    later = sorted(p.stem for p in MIGRATIONS_DIR.glob("0*.py") if p.stem >= "0005")
    assert await apply_migrations(url) == [f"models.{name}" for name in later]
    with sqlite3.connect(tmp_path / "old.sqlite3") as new:
        columns = [row[1] for row in new.execute("PRAGMA table_info(meeting)")]
        assert "info_token" not in columns
        # SQLite rebuilt `meeting` to drop the column; the drop must not cascade.
        assert list(new.execute("SELECT id FROM attendee")) == [(3,)]
        dump = "\n".join(new.iterdump())
    assert token not in dump  # only the hash is left
    await open_database(url)
    try:
        link = await InfoLink.get(meeting_id=7)
        assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert link.attendee_id is None
        view = await info_for(token, starts - timedelta(days=1), "sv")
        assert isinstance(view, InfoView) and view.meeting_id == 7 and view.attendee_id is None
    finally:
        await close_database()


async def test_an_outbox_row_from_before_0007_keeps_its_kind_and_has_no_buttons(tmp_path):
    """0007 adds the buttons as a nullable column: a row waiting in the outbox when it
    runs still goes out as it was, and its kind reads as a MessageKind."""
    url = f"sqlite://{tmp_path}/old.sqlite3"
    try:
        await migrate(config=tortoise_config(url), target="models.0006_lang")
    finally:
        await connections.close_all()
    now = datetime(2027, 3, 8, 9, 0, tzinfo=UTC).isoformat()
    with sqlite3.connect(tmp_path / "old.sqlite3") as old:
        old.execute(
            "INSERT INTO outboxmessage (id, channel, kind, template, params, locale, due_at, "
            "status, attempts, next_attempt_at, created_at, updated_at) VALUES "
            "(9, 'sms', 'reminder', 'reminder_participant', '{}', 'sv', ?, 'scheduled', 0, ?, "
            "?, ?)",
            (now, now, now, now),
        )
    assert (await apply_migrations(url))[0] == "models.0007_outbox_buttons"
    await open_database(url)
    try:
        row = await OutboxMessage.get(id=9)
        assert row.kind == MessageKind.REMINDER and row.buttons is None
        assert outbox.read_buttons(row.buttons) == []
    finally:
        await close_database()


async def test_a_teams_reminders_set_before_0012_are_kept_and_its_people_stay(tmp_path):
    """0012 moves the reminders from the old settings bag to their own column, and
    dropping the bag (SQLite rebuilds `team`) cascades to nothing."""
    url = f"sqlite://{tmp_path}/old.sqlite3"
    try:
        await migrate(config=tortoise_config(url), target="models.0011_duty_runs")
    finally:
        await connections.close_all()
    reminders = [{"key": "r1d", "anchor": "start", "offset_minutes": -1440, "delivery_hour": 9}]
    at = datetime(2027, 3, 8, 9, 0, tzinfo=UTC).isoformat()
    with sqlite3.connect(tmp_path / "old.sqlite3") as old:
        old.execute(
            "INSERT INTO team (id, name, settings, is_demo, created_at, updated_at) "
            "VALUES (1, 'T', ?, 0, ?, ?), (2, 'U', '{}', 0, ?, ?)",
            (json.dumps({"reminders": reminders}), at, at, at, at),
        )
        old.execute(
            "INSERT INTO invitation (id, code_hash, role, team_id, expires_at, created_at, "
            "updated_at) VALUES (4, 'h', 'convenor', 1, ?, ?, ?)",
            (at, at, at),
        )
    assert "models.0012_team_settings" in await apply_migrations(url)
    with sqlite3.connect(tmp_path / "old.sqlite3") as new:
        columns = [row[1] for row in new.execute("PRAGMA table_info(team)")]
        assert "settings" not in columns
        assert list(new.execute("SELECT id FROM invitation")) == [(4,)]
    await open_database(url)
    try:
        kept, unset = await Team.get(id=1), await Team.get(id=2)
        assert kept.reminders == reminders and unset.reminders is None
        assert (kept.timezone, kept.quiet_from, kept.quiet_until) == (None, None, None)
    finally:
        await close_database()


async def test_sqlite_keeps_every_index_postgresql_has(postgres_url, tmp_path):
    """SQLite rebuilds a table to drop or alter a column, and the rebuild can lose the
    table's indexes (0005 did, for `meeting`): after all migrations, both databases have
    the same indexes, so neither scans a whole table the other would not."""
    import asyncpg

    url = f"sqlite://{tmp_path}/indexes.sqlite3"
    await apply_migrations(url)
    with sqlite3.connect(tmp_path / "indexes.sqlite3") as lite:
        on_sqlite = {row[0] for row in lite.execute("SELECT name FROM sqlite_master")}
    conn = await asyncpg.connect(postgres_url.replace("postgres://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
            "AND indexname LIKE 'idx_%'"
        )
    finally:
        await conn.close()
    on_postgres = {row["indexname"] for row in rows}
    assert on_postgres, "no index found on PostgreSQL"
    assert sorted(on_postgres - on_sqlite) == []
