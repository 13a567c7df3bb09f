"""One process: the aiohttp server, the Telegram bot and the scheduler in one event loop.

Start order: database (in the main coroutine, so every task inherits the ORM
context), web server (its port is needed by the local stand-ins), Telegram
application with its JobQueue (APScheduler), SMS client, dispatcher. Stop in reverse.

Telegram may be unreachable, at start or later: the web server (webhooks, /healthz)
and SMS go on without it. A watcher connects with backoff (1 s doubling to 30 s, one
log line per attempt, never the token), then checks Telegram every half minute;
meanwhile /healthz answers 503 with the reason, and Telegram sends wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.config import Settings, check_local_host
from bot.local.sim_api import add_sim_api
from bot.local.standins.telegram_api import TelegramStandIn
from bot.local.standins.twilio_api import TwilioStandIn
from bot.local_mode import (
    LOCAL_BOT_TOKEN,
    LOCAL_BOT_USERNAME,
    LOCAL_TWILIO_AUTH_TOKEN,
    LOCAL_TWILIO_NUMBER,
    LOCAL_TWILIO_SID,
    TELEGRAM_STANDIN_PATH,
    TWILIO_STANDIN_PATH,
)
from bot.outbox.dispatcher import Dispatcher, DispatchRefused
from bot.outbox.senders import SmsSender, TelegramSender
from bot.periodic import maintain_outbox
from bot.services import Services
from bot.sms.twilio_client import close_twilio_client, make_twilio_client
from bot.telegram.convenor_handlers import add_convenor_jobs
from bot.telegram.staff_commands import set_command_menus
from bot.telegram.telegram_handlers import add_handlers
from bot.web.app import make_web_app
from flows.core import links
from flows.core.clock import clock
from flows.core.i18n import check_catalogs
from flows.outbox import team_settings
from storage.db import close_database, open_database
from storage.models import Channel

log = logging.getLogger(__name__)

TELEGRAM_UNREACHABLE = "telegram unreachable"
TELEGRAM_TOKEN_REJECTED = "telegram rejected the bot token"


class FlerpartProcess:
    # Telegram: first retry after 1 s, doubling up to 30 s; once up, checked this often.
    telegram_retry_first = 1.0
    telegram_retry_cap = 30.0
    telegram_check_every = 30.0

    def __init__(self, settings: Settings, *, allow_remote_sim: bool = False) -> None:
        check_local_host(settings, allow_remote_sim)  # ConfigError: the simulator stays local
        self.settings = settings
        team_settings.use_default_timezone(settings.timezone)  # for teams without their own
        local = settings.local_mode
        shared = settings.standins_url is not None  # `flerpart standins`, several replicas
        if local:
            # A fresh secret per run: the stand-in signs with it, our routes check it.
            # Shared stand-ins serve every replica, so all of them share one local secret.
            twilio_token = LOCAL_TWILIO_AUTH_TOKEN if shared else secrets.token_hex(16)
        self.services = Services(
            settings=settings,
            twilio_account_sid=LOCAL_TWILIO_SID if local else settings.twilio_account_sid,
            twilio_auth_token=twilio_token if local else settings.twilio_auth_token,
            # Our webhook's secret with shared stand-ins: we tell it them with setWebhook.
            local_webhook_secret=secrets.token_urlsafe(24) if shared else "",
            telegram_problem=TELEGRAM_UNREACHABLE,  # until the first answer
            sim_token=secrets.token_urlsafe(32) if local else "",
            sim_any_host=allow_remote_sim,
        )  # type: ignore[arg-type]
        self._runner: web.AppRunner | None = None
        self._telegram_watch: asyncio.Task[None] | None = None
        self._telegram_connected = False  # started, menus and webhook (or polling) set
        self._telegram_failures = 0
        self.port: int = settings.port

    @property
    def local_url(self) -> str:
        return f"http://{self._connect_host}:{self.port}"

    @property
    def _standins_base(self) -> str:
        """Where the stand-ins answer: in this process, or shared (STANDINS_URL)."""
        return self.settings.standins_url or self.local_url

    @property
    def _in_process_standins(self) -> bool:
        return self.settings.local_mode and not self.settings.standins_url

    @property
    def _connect_host(self) -> str:
        host = self.settings.host
        return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host

    async def start(self) -> None:
        check_catalogs()
        await open_database(self.settings.database_url)
        try:
            await self._start_web()
            await self._start_telegram()
            await self._start_twilio()
            await self._start_dispatcher()
            self._telegram_watch = asyncio.create_task(self._watch_telegram(), name="telegram")
        except BaseException:
            await self.stop()
            raise

    async def _start_web(self) -> None:
        services, settings = self.services, self.settings
        app = make_web_app(services)
        if settings.local_mode:
            add_sim_api(app)
        if settings.local_telegram and self._in_process_standins:
            services.telegram_standin = TelegramStandIn(
                LOCAL_BOT_TOKEN, bot_username=LOCAL_BOT_USERNAME
            )
            app.add_subapp(TELEGRAM_STANDIN_PATH, services.telegram_standin.app)
        if settings.local_twilio and self._in_process_standins:
            services.twilio_standin = TwilioStandIn(
                services.twilio_account_sid,
                services.twilio_auth_token,
                our_number=LOCAL_TWILIO_NUMBER,
            )
            app.add_subapp(TWILIO_STANDIN_PATH, services.twilio_standin.app)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, settings.host, settings.port)
        await site.start()
        if settings.port == 0:
            self.port = self._runner.addresses[0][1]
        services.public_url = settings.public_base_url or self.local_url
        links.set_public_base(services.public_url)
        if services.twilio_standin is not None:
            services.twilio_standin.webhook_base_url = self.local_url
        log.info("web server listening on %s", self.local_url)

    def _build_telegram(self) -> Application:
        settings = self.settings
        builder = ApplicationBuilder().rate_limiter(AIORateLimiter())
        if settings.local_telegram:
            base = self._standins_base + TELEGRAM_STANDIN_PATH
            builder = (
                builder.token(LOCAL_BOT_TOKEN)
                .base_url(f"{base}/bot")
                .base_file_url(f"{base}/file/bot")
            )
        else:
            builder = builder.token(settings.telegram_bot_token)  # type: ignore[arg-type]
            if settings.telegram_api_base_url:
                builder = builder.base_url(settings.telegram_api_base_url)
        if settings.telegram_webhook:
            builder = builder.updater(None)  # our aiohttp route feeds the update queue
        application = builder.build()
        application.bot_data["services"] = self.services
        add_handlers(application)
        return application

    async def _start_telegram(self) -> None:
        """Builds the bot and starts its JobQueue, then tries Telegram once. Unreachable
        is not fatal: the watcher goes on trying while the rest runs."""
        application = self._build_telegram()
        self.services.telegram = application
        add_convenor_jobs(application)
        assert application.job_queue is not None
        await application.job_queue.start()  # the minute jobs run with Telegram down too
        await self._try_telegram(retry_in=self.telegram_retry_first)

    async def _connect_telegram(self) -> None:
        """Each step is skipped once done, so a try that failed halfway can be repeated."""
        application = self.services.telegram
        assert application is not None
        await application.initialize()  # getMe
        if not application.running:
            await application.start()
        await set_command_menus(application)
        if self.settings.telegram_webhook:
            await application.bot.set_webhook(
                url=f"{self.services.public_url}/telegram/webhook",
                secret_token=self.settings.telegram_webhook_secret
                or self.services.local_webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            assert application.updater is not None
            if not application.updater.running:
                await application.updater.start_polling(
                    poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES
                )
        links.set_bot_username(application.bot.username)
        self._telegram_connected = True
        log.info("Telegram bot @%s started", application.bot.username)

    async def _try_telegram(self, retry_in: float) -> bool:
        """Connects (or, once connected, asks getMe); True when Telegram answered.
        A failure is one log line: what failed and when the next try is, never the token."""
        application = self.services.telegram
        assert application is not None
        try:
            if self._telegram_connected:
                await application.bot.get_me()
            else:
                await self._connect_telegram()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._telegram_failures += 1
            rejected = isinstance(error, InvalidToken)
            problem = TELEGRAM_TOKEN_REJECTED if rejected else TELEGRAM_UNREACHABLE
            self._telegram_down(problem)
            log.log(
                logging.ERROR if rejected else logging.WARNING,
                "%s (attempt %d, next in %g s): %s",
                problem,
                self._telegram_failures,
                retry_in,
                self._without_token(f"{type(error).__name__}: {error}"),
            )
            return False
        if self.services.telegram_problem is not None:
            if self._telegram_failures:
                log.info("Telegram answers again after %d failed try(s)", self._telegram_failures)
            self.services.telegram_problem = None
            self._telegram_failures = 0
            if self.services.dispatcher is not None:
                self.services.dispatcher.resume(Channel.TELEGRAM)
        return True

    def _telegram_down(self, problem: str) -> None:
        self.services.telegram_problem = problem
        if self.services.dispatcher is not None:
            self.services.dispatcher.pause(Channel.TELEGRAM)  # rows wait, attempts unspent

    def _without_token(self, text: str) -> str:
        token = self.settings.telegram_bot_token or LOCAL_BOT_TOKEN
        text = text.replace(token, "<token>")
        secret = token.partition(":")[2]  # also the secret half alone (none: nothing more)
        return text.replace(secret, "<token>") if secret else text

    async def _watch_telegram(self) -> None:
        """Retries with backoff while Telegram is down; checks it now and then while up."""
        delay = self.telegram_retry_first
        while True:
            up = self.services.telegram_problem is None
            await asyncio.sleep(self.telegram_check_every if up else delay)
            delay = self.telegram_retry_first if up else min(delay * 2, self.telegram_retry_cap)
            if await self._try_telegram(retry_in=delay):
                delay = self.telegram_retry_first

    async def _start_twilio(self) -> None:
        # (PUBLIC_BASE_URL, where Twilio's webhooks reach us, is required in production.)
        settings = self.settings
        local = self._standins_base + TWILIO_STANDIN_PATH if settings.local_twilio else None
        base_url = local or settings.twilio_api_base_url
        self.services.twilio = make_twilio_client(
            self.services.twilio_account_sid,
            self.services.twilio_auth_token,
            base_url=base_url,
            timeout=self.settings.twilio_timeout,
        )

    async def _start_dispatcher(self) -> None:
        services, settings = self.services, self.settings
        assert services.telegram is not None and services.twilio is not None
        senders = {
            Channel.TELEGRAM: TelegramSender(
                services.telegram.bot, per_second=settings.telegram_per_second
            ),
            Channel.SMS: SmsSender(
                services.twilio,
                from_=settings.twilio_from
                or (LOCAL_TWILIO_NUMBER if settings.local_twilio else None),
                messaging_service_sid=settings.twilio_messaging_service_sid,
                status_callback_base=services.public_url,
                per_second=settings.sms_per_second,
            ),
        }
        dispatcher = Dispatcher(senders, clock, database_url=settings.database_url)
        if services.telegram_problem is not None:
            dispatcher.pause(Channel.TELEGRAM)
        try:
            await dispatcher.start()
        except DispatchRefused as refused:
            log.warning("%s", refused)
            return
        services.dispatcher = dispatcher
        job_queue = services.telegram.job_queue
        assert job_queue is not None
        # APScheduler only wakes the dispatcher and tidies up; the rows are the schedule.
        job_queue.run_repeating(
            self._maintenance,
            interval=60,
            first=60,
            name="outbox-maintenance",
            job_kwargs={"misfire_grace_time": None, "coalesce": True},
        )

    async def _maintenance(self, _context: object) -> None:
        await maintain_outbox(self.services)

    async def stop(self) -> None:
        """Reverse order; each step runs even when an earlier one failed."""
        services = self.services
        if self._telegram_watch is not None:
            self._telegram_watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._telegram_watch
            self._telegram_watch = None
        if services.dispatcher is not None:
            await services.dispatcher.stop()
            services.dispatcher = None
        application = services.telegram
        if application is not None:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            elif application.job_queue is not None:
                await application.job_queue.stop()  # started before Telegram answered
            await application.shutdown()
            await application.bot.shutdown()  # a first try that failed left its clients open
            services.telegram = None
        if services.twilio is not None:
            await close_twilio_client(services.twilio)
            services.twilio = None
        if services.twilio_standin is not None:
            await services.twilio_standin.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await close_database()
        log.info("stopped cleanly")
