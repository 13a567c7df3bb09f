"""A team's own time zone, quiet hours and reminders, with the configuration as the
default: set by `flerpart team-settings`, honoured by new meetings, the campaign,
compose and the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_settings
from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.meetings import meeting_intake
from flows.outbox import campaign, team_settings
from flows.participants.compose import Composed, Defer, compose
from storage.message_models import OutboxMessage
from storage.models import AttendeeRole, StaffUser, Team
from storage.record_models import AuditEvent
from tests.conftest import local_process
from tests.dashboard_seed import NOW, logged_in, seed
from tests.factories import convenor, meeting_with_attendees
from tests.test_cli import flerpart

# Monday 8 March 2027, 07:00 UTC: 09:00 in Helsinki, 08:00 in Stockholm.
STARTS = datetime(2027, 3, 8, 7, 0, tzinfo=UTC)


async def _helsinki_team(**own: object) -> Team:
    karin = await convenor(team_name="Itä")
    team = await karin.team
    team.timezone = "Europe/Helsinki"
    for name, value in own.items():
        setattr(team, name, value)
    await team.save()
    return team


def _new_meeting(**fields: object) -> meeting_intake.NewMeeting:
    given = {
        "purpose": "Vi gör en plan.",
        "starts_at": STARTS,
        "attendees": (meeting_intake.NewAttendee("Amina", AttendeeRole.PERSON_IN_FOCUS),),
        **fields,
    }
    return meeting_intake.NewMeeting(**given)


async def test_a_new_meeting_takes_its_teams_time_zone(db):
    team = await _helsinki_team()
    clock.set(STARTS - timedelta(days=5))
    meeting = await meeting_intake.create(team.id, _new_meeting(), clock.now(), token_id=0)
    assert meeting.timezone == "Europe/Helsinki"
    # A zone given with the meeting still wins.
    given = await meeting_intake.create(
        team.id, _new_meeting(timezone="Europe/Oslo"), clock.now(), token_id=0
    )
    assert given.timezone == "Europe/Oslo"


async def test_a_helsinki_teams_sms_gives_the_meeting_time_in_helsinki_time(db):
    team = await _helsinki_team()
    meeting = await meeting_with_attendees(STARTS, await StaffUser.get(team=team))
    now = datetime(2027, 3, 3, 10, 0, tzinfo=UTC)  # midday in both zones
    await campaign.schedule_information(meeting, now)
    message = await OutboxMessage.get(meeting=meeting, kind="info")
    composed = await compose(message, now)
    assert isinstance(composed, Composed)
    assert "09:00" in composed.text and "08:00" not in composed.text


async def test_a_helsinki_teams_quiet_hours_hold_in_helsinki_time(db):
    team = await _helsinki_team(quiet_from=22, quiet_until=9)
    meeting = await meeting_with_attendees(STARTS, await StaffUser.get(team=team))
    # 08:30 in Helsinki (07:30 in Stockholm): quiet until 09:00 Helsinki time.
    now = datetime(2027, 3, 3, 6, 30, tzinfo=UTC)
    await campaign.schedule_information(meeting, now)
    message = await OutboxMessage.get(meeting=meeting, kind="info")
    assert message.due_at == datetime(2027, 3, 3, 7, 0, tzinfo=UTC)
    assert await compose(message, now) == Defer(message.due_at, "quiet hours")


async def test_a_teams_reminders_are_planned_at_its_hours_within_its_quiet_hours(db):
    team = await _helsinki_team(
        quiet_from=22, quiet_until=8, reminders=team_settings.read_reminders("1d@7,90m")
    )
    meeting = await meeting_with_attendees(STARTS, await StaffUser.get(team=team))
    clock.set(STARTS - timedelta(days=5))
    await campaign.schedule_reminders(meeting)
    due = await OutboxMessage.filter(meeting=meeting, kind="reminder").order_by("due_at")
    assert [row.due_at for row in due] == [
        # The day before at 07:00 is quiet in Helsinki: 08:00 Helsinki time.
        datetime(2027, 3, 7, 6, 0, tzinfo=UTC),
        # 90 minutes before 09:00 is 07:30 in Helsinki, quiet too: 08:00 the same day.
        datetime(2027, 3, 8, 6, 0, tzinfo=UTC),
    ]
    assert [row.dedupe_key.split(":")[0] for row in due] == ["r1d@7", "r90m"]


async def test_a_team_without_settings_uses_timezone_from_the_configuration(db, tmp_path):
    settings = load_settings(
        environ={"DATABASE_URL": f"sqlite://{tmp_path}/x.sqlite3", "TIMEZONE": "Europe/Lisbon"},
        dotenv=None,
    )
    FlerpartProcess(settings)  # what `flerpart run` does with its configuration
    team = await Team.create(name="Oeste")
    clock.set(STARTS - timedelta(days=5))
    meeting = await meeting_intake.create(team.id, _new_meeting(), clock.now(), token_id=0)
    assert meeting.timezone == "Europe/Lisbon"
    rules = await team_settings.for_team(team.id)
    assert (rules.quiet_hours.start.hour, rules.quiet_hours.end.hour) == (8, 20)
    assert [e.key for e in rules.reminders] == ["reminder_2d", "reminder_2h"]


def test_team_settings_are_set_and_shown_by_the_command(tmp_path):
    env = {"DATABASE_URL": f"sqlite://{tmp_path}/f.sqlite3", "TIMEZONE": "Europe/Lisbon"}
    assert flerpart("invite", "--role", "admin", "--team", "Itä", env=env).returncode == 0
    shown = flerpart("team-settings", "Itä", env=env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "timezone: Europe/Lisbon (default)",
        "quiet hours: 20-8 (default)",
        "reminders: 2d@10,2h (default)",
    ]
    args = ["--timezone", "Europe/Helsinki", "--quiet-hours", "21-8", "--reminders", "1d@9,-30m"]
    changed = flerpart("team-settings", "Itä", *args, env=env)
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.splitlines() == [
        "timezone: Europe/Helsinki",
        "quiet hours: 21-8",
        "reminders: 1d@9,30m",
    ]
    back = flerpart("team-settings", "Itä", "--quiet-hours", "default", env=env)
    assert "quiet hours: 20-8 (default)" in back.stdout.splitlines()
    assert "timezone: Europe/Helsinki" in back.stdout.splitlines()


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--timezone", "Mars/Olympus", "time zone 'Mars/Olympus' is not known"),
        ("--timezone", "../../etc/passwd", "is not known"),
        ("--quiet-hours", "8-21", "they run over the night"),
        ("--quiet-hours", "25-8", "hours are 0 to 23"),
        ("--quiet-hours", "evening", "write them as FROM-UNTIL"),
        ("--reminders", "2x", "write how long before the start"),
        ("--reminders", "40d", "from 15 minutes to 30 days"),
        ("--reminders", "1d@24", "the hour after @ is 0 to 23"),
        ("--reminders", "2h,120m", "each reminder once"),
    ],
)
def test_a_bad_team_setting_is_refused_with_one_clear_line(tmp_path, option, value, says):
    env = {"DATABASE_URL": f"sqlite://{tmp_path}/f.sqlite3"}
    result = flerpart("team-settings", "Itä", f"{option}={value}", env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("flerpart: error: ") and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "f.sqlite3").exists()  # refused before the database is touched


def test_team_settings_for_a_team_that_does_not_exist_is_one_line(tmp_path):
    env = {"DATABASE_URL": f"sqlite://{tmp_path}/f.sqlite3"}
    result = flerpart("team-settings", "Nobody", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "flerpart: error: no team named 'Nobody'"


async def test_the_dashboard_shows_a_meetings_time_and_the_audit_log_in_the_teams_zone(
    tmp_path, database_env
):
    async with local_process(tmp_path, **database_env) as process:
        world = await seed()
        await Team.filter(name="Nord").update(timezone="Europe/Helsinki")
        meeting = await meeting_intake.create(
            world.cora.team_id,
            _new_meeting(starts_at=NOW + timedelta(days=2)),  # 11 March, 09:30 UTC
            clock.now(),
            token_id=0,
        )
        http = await logged_in(process, world.ada)
        try:
            async with http.get(f"/dashboard/meetings/{meeting.id}?lang=en") as response:
                page = await response.text()
            async with http.get("/dashboard/meetings?lang=en") as response:
                listing = await response.text()
            async with http.get("/dashboard/audit?lang=en") as response:
                audit = await response.text()
        finally:
            await http.close()
        viewed = await AuditEvent.get(
            action="view", object_type="meeting", object_id=str(meeting.id)
        )
    assert "2027-03-11 11:30" in page and "2027-03-11 10:30" not in page
    assert "2027-03-11 11:30" in listing
    # The log's times too are in the team's zone.
    assert local(viewed.at, "Europe/Helsinki") in audit
    assert local(viewed.at, "Europe/Stockholm") not in audit


def local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
