"""The `flerpart` command. User mistakes end in one clear line and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from flows.i18n import MissingCatalog
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

    sub.add_parser("migrate", help="apply database migrations")

    invite = sub.add_parser("invite", help="print a one-time invitation link for a staff user")
    invite.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    invite.add_argument("--team", required=True, help="team name (created when new)")
    invite.add_argument("--days", type=int, default=7, help="days until it expires (default 7)")

    sub.add_parser("demo", help="create a demo team, an invited convenor and a demo meeting")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    try:
        settings = load_settings()
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
    from bot.invite_links import describe_invitation
    from flows.onboarding import create_invitation

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
    from bot.invite_links import describe_invitation
    from flows.demo import create_demo

    async def work() -> int:
        demo = await create_demo(settings.tz)
        print(f"demo team {demo.team.name!r} with meeting #{demo.meeting.id} in preparation")
        print(await describe_invitation(settings, demo.convenor_code, demo.expires_at))
        return 0

    return await _with_database(settings, work)


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.process import FlerpartProcess

    if not args.no_migrate:
        await _migrate(settings)
    process = FlerpartProcess(settings)
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


async def _first_start_demo(settings: Settings) -> None:
    from bot.invite_links import describe_invitation
    from flows.demo import create_demo
    from storage.models import Team

    if await Team.exists():
        return
    demo = await create_demo(settings.tz)
    print("Demo data created (marked as demo):")
    print(await describe_invitation(settings, demo.convenor_code, demo.expires_at))


def _announce(settings: Settings, process: object) -> None:
    url = process.local_url  # type: ignore[attr-defined]
    if settings.local_mode:
        print(f"flerpart runs in local mode at {url} (stop: Ctrl-C)", flush=True)
        print(f"  health:   {url}/healthz", flush=True)
        print(
            f"  talk to the bot as Telegram user 1001:\n"
            f"    curl -s -X POST {url}/sim/api/telegram/1001/message "
            f"-H 'Content-Type: application/json' -d '{{\"text\": \"/start CODE\"}}'\n"
            f"    curl -s {url}/sim/api/telegram/1001/transcript",
            flush=True,
        )
    else:
        print(f"flerpart runs on {url}", flush=True)


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Awaitable[int]]] = {
    "run": cmd_run,
    "migrate": cmd_migrate,
    "invite": cmd_invite,
    "demo": cmd_demo,
}

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
