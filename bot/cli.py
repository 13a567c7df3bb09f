"""The `flerpart` command. User mistakes end in one clear line and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.config import ConfigError, Settings, check_local_host, is_loopback, load_settings
from bot.logs import setup_logging
from flows.core.i18n import MissingCatalog
from flows.core.phone import mask
from storage.db import DatabaseUnavailable, apply_migrations, close_database, open_database
from storage.models import StaffRole

log = logging.getLogger("flerpart")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flerpart",
        description="Telegram and SMS assistant for multi-party meetings around one person.",
        epilog="Configuration comes from environment variables (and .env): see README.md.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot, the web server and the scheduler")
    run.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    run.add_argument(
        "--no-demo",
        action="store_true",
        help="do not create demo data on an empty database in local mode",
    )
    run.add_argument(
        "--allow-remote-sim",
        action="store_true",
        help="local mode only: allow a HOST that is not loopback (the simulator has no login)",
    )

    sub.add_parser("migrate", help="apply database migrations")

    standins = sub.add_parser(
        "standins",
        help="local mode: serve the Telegram and Twilio stand-ins for several replicas",
    )
    standins.add_argument("--port", type=int, required=True, help="e.g. 8090 (0: any free)")
    standins.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    standins.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a HOST that is not loopback (the stand-ins have no login)",
    )

    invite = sub.add_parser("invite", help="print a one-time invitation link for a staff user")
    invite.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    invite.add_argument("--team", required=True, help="team name (created when new)")
    invite.add_argument("--days", type=int, default=7, help="days until it expires (default 7)")

    sub.add_parser("demo", help="create a demo team, an invited convenor and a demo meeting")

    token = sub.add_parser("token", help="JSON API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_sub.add_parser("create", help="print a new API token for a team (shown once)")
    create.add_argument("--team", required=True, help="an existing team's name")
    create.add_argument("--label", default="", help="what the token is for")

    team = sub.add_parser(
        "team-settings",
        help="show or set a team's time zone, quiet hours and reminders",
        description="With no option: shows the team's settings. A value 'default' "
        "goes back to the default (TIMEZONE, quiet hours 20-8, reminders 2d@10,2h).",
    )
    team.add_argument("team", help="an existing team's name")
    team.add_argument("--timezone", help="time zone of its new meetings, e.g. Europe/Helsinki")
    team.add_argument(
        "--quiet-hours", help="no SMS from FROM until UNTIL o'clock, local time, e.g. 21-8"
    )
    team.add_argument(
        "--reminders",
        help="before the start, comma-separated: 2d@10 (2 days before, at 10), 2h, 30m",
    )

    person = sub.add_parser("person", help="right of access and erasure for one person")
    person_sub = person.add_subparsers(dest="person_command", required=True, metavar="ACTION")
    for action, text in (
        ("export", "print everything stored about the person as JSON"),
        ("erase", "anonymise the person everywhere and cancel their pending messages"),
    ):
        parser_ = person_sub.add_parser(action, help=text)
        parser_.add_argument("--phone", required=True, help="e.g. +46701234567 or 070-123 45 67")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    try:
        settings = load_settings()
        _use_default_timezone(settings)
        command = COMMANDS[args.command]
        return asyncio.run(command(settings, args))
    except (ConfigError, DatabaseUnavailable, MissingCatalog) as error:
        print(f"flerpart: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # e.g. the port is taken
        print(f"flerpart: error: {error.strerror or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _use_default_timezone(settings: Settings) -> None:
    from flows.outbox import team_settings

    team_settings.use_default_timezone(settings.timezone)


async def _with_database(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    await apply_migrations(settings.database_url)
    await open_database(settings.database_url)
    try:
        return await work()
    finally:
        await close_database()


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    applied = await _migrate(settings)
    print(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))
    return 0


async def _migrate(settings: Settings) -> list[str]:
    try:
        return await apply_migrations(settings.database_url)
    except OSError as error:
        raise DatabaseUnavailable(f"the database did not answer ({error})") from None


async def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.telegram.invite_links import describe_invitation
    from flows.staff.onboarding import create_invitation

    if not 1 <= args.days <= 90:
        raise ConfigError("--days must be from 1 to 90")

    async def work() -> int:
        code, invitation = await create_invitation(
            StaffRole(args.role), args.team, timedelta(days=args.days)
        )
        print(await describe_invitation(settings, code, invitation.expires_at))
        return 0

    return await _with_database(settings, work)


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.telegram.invite_links import describe_invitation
    from flows.simulator.demo import create_demo

    async def work() -> int:
        demo = await create_demo(settings.tz)
        print(f"demo team {demo.team.name!r} with meeting #{demo.meeting.id} in preparation")
        print(await describe_invitation(settings, demo.convenor_code, demo.expires_at))
        return 0

    return await _with_database(settings, work)


async def cmd_person(settings: Settings, args: argparse.Namespace) -> int:
    from flows.care import person_data
    from flows.core.clock import clock
    from flows.core.phone import InvalidPhone, to_e164

    try:
        phone = to_e164(args.phone)
    except InvalidPhone:
        raise ConfigError(f"not a phone number: {args.phone!r}") from None
    actor = "cli"

    async def work() -> int:
        if args.person_command == "export":
            data = await person_data.export(phone, actor)
            print(json.dumps(data, ensure_ascii=False, indent=2))
            return 0 if data["people"] else 1
        done = await person_data.erase(phone, actor, clock.now())
        if not done["people"]:
            print(f"nobody with {mask(phone)} is stored")
            return 1
        print(
            f"anonymised {done['people']} person record(s) with {mask(phone)}: "
            f"{done['cancelled_messages']} pending message(s) cancelled, "
            f"{done['messages_cleared']} message text(s) and "
            f"{done['answers_cleared']} survey comment(s) removed; "
            "counts, statuses and scores kept"
        )
        return 0

    return await _with_database(settings, work)


async def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    from flows.staff.api_tokens import UnknownTeam, create_token

    async def work() -> int:
        try:
            token, _row = await create_token(args.team, args.label)
        except UnknownTeam as error:
            print(f"flerpart: error: {error}", file=sys.stderr)
            return 2
        print(token)
        print("Shown once; only its hash is stored. Send it as: Authorization: Bearer <token>")
        return 0

    return await _with_database(settings, work)


async def cmd_team_settings(settings: Settings, args: argparse.Namespace) -> int:
    from flows.outbox import team_settings
    from storage.models import Team

    changes = _team_setting_changes(args)  # wrong values end here, before the database

    async def work() -> int:
        team = await Team.get_or_none(name=args.team)
        if team is None:
            raise ConfigError(f"no team named {args.team!r}")
        if changes:
            for name, value in changes.items():
                setattr(team, name, value)
            await team.save(update_fields=[*changes, "updated_at"])
        for name, value in team_settings.describe(team_settings.of(team)).items():
            print(f"{name}: {value}")
        return 0

    return await _with_database(settings, work)


def _team_setting_changes(args: argparse.Namespace) -> dict[str, object]:
    """The columns to set from the options given; 'default' empties one."""
    from flows.outbox import team_settings

    changes: dict[str, object] = {}
    try:
        if args.timezone is not None:
            default = args.timezone == "default"
            changes["timezone"] = None if default else team_settings.read_timezone(args.timezone)
        if args.quiet_hours is not None:
            quiet = (None, None)
            if args.quiet_hours != "default":
                quiet = team_settings.read_quiet_hours(args.quiet_hours)
            changes["quiet_from"], changes["quiet_until"] = quiet
        if args.reminders is not None:
            default = args.reminders == "default"
            changes["reminders"] = None if default else team_settings.read_reminders(args.reminders)
    except team_settings.SettingError as error:
        raise ConfigError(str(error)) from None
    return changes


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.process import FlerpartProcess

    check_local_host(settings, args.allow_remote_sim)  # before anything is touched
    if settings.local_mode and args.allow_remote_sim:
        log.warning("--allow-remote-sim: the simulator has no login; keep this network private")
    if not args.no_migrate:
        await _migrate(settings)
    process = FlerpartProcess(settings, allow_remote_sim=args.allow_remote_sim)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await process.start()
        if settings.local_mode and not args.no_demo:
            await _first_start_demo(settings)
        _announce(settings, process)
        await stop.wait()
        log.info("stopping")
    finally:
        with contextlib.suppress(Exception):
            await process.stop()
    return 0


async def cmd_standins(settings: Settings, args: argparse.Namespace) -> int:
    from bot.local.standins_server import serve_standins

    if not settings.local_mode:
        raise ConfigError(
            "flerpart standins plays Telegram and Twilio for local mode only, and the "
            "production variables are set (README: Local mode)"
        )
    if not 0 <= args.port < 65536:
        raise ConfigError(f"--port must be a number from 0 to 65535, not {args.port}")
    if not args.allow_remote and not is_loopback(args.host):
        raise ConfigError(
            f"--host {args.host} is not loopback, and the stand-ins have no login: "
            "use 127.0.0.1, or run with --allow-remote"
        )
    return await serve_standins(args.host, args.port, any_host=args.allow_remote)


async def _first_start_demo(settings: Settings) -> None:
    from bot.telegram.invite_links import describe_invitation
    from flows.simulator.demo import create_demo
    from storage.models import Team

    if await Team.exists():
        return
    demo = await create_demo(settings.tz)
    print("Demo data created (marked as demo):")
    print(await describe_invitation(settings, demo.convenor_code, demo.expires_at))


def _announce(settings: Settings, process: object) -> None:
    url = process.local_url  # type: ignore[attr-defined]
    if settings.local_mode:
        print("flerpart runs in local mode (stop: Ctrl-C). Open the simulator:", flush=True)
        print(f"  {url}/sim", flush=True)
        print(f"  dashboard: {url}/dashboard   health: {url}/healthz", flush=True)
    else:
        print(f"flerpart runs on {url}", flush=True)


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Awaitable[int]]] = {
    "run": cmd_run,
    "migrate": cmd_migrate,
    "standins": cmd_standins,
    "invite": cmd_invite,
    "demo": cmd_demo,
    "person": cmd_person,
    "token": cmd_token,
    "team-settings": cmd_team_settings,
}

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
